use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub merchant_no: String,
    pub registration_id: Uuid,
    pub provider: String,
    pub amount_fen: i64,
    pub fees: Json,
    pub status: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub closed_at: Option<TimeDateTimeWithTimeZone>,
    pub transaction_id: Option<String>,
    pub paid_amount_fen: Option<i64>,
    pub paid_at: Option<TimeDateTimeWithTimeZone>,
    pub flag: Option<String>,
    pub flag_details: Option<Json>,
    pub revision: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
