use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_refund")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    #[sea_orm(unique)]
    pub refund_no: String,
    pub amount_fen: i64,
    pub reason: String,
    pub status: String,
    pub requested_by: Uuid,
    pub requested_at: TimeDateTimeWithTimeZone,
    pub settled_at: Option<TimeDateTimeWithTimeZone>,
    pub provider_refund_id: Option<String>,
    pub revision: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
