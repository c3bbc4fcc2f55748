use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "registration")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub registration_no: String,
    pub exam_id: String,
    pub candidate_id: Uuid,
    pub status: String,
    pub revision: i32,
    pub form_revision: i32,
    pub form_digest: String,
    pub basic: Option<Json>,
    pub exam: Option<Json>,
    pub education: Option<Json>,
    pub work: Option<Json>,
    pub point_code: Option<String>,
    pub level: Option<String>,
    pub specialty_code: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub photo_confirmed_at: Option<TimeDateTimeWithTimeZone>,
    pub materials_completed_at: Option<TimeDateTimeWithTimeZone>,
    pub return_reasons: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
