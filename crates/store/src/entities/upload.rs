use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upload")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub registration_id: Uuid,
    pub slot: String,
    pub sha256: String,
    pub size: i64,
    pub width: i32,
    pub height: i32,
    pub storage_key: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub form_revision: Option<i32>,
    pub barcode: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
