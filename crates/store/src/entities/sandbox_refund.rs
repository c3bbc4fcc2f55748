use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_refund")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub refund_no: String,
    pub merchant_no: String,
    pub amount_fen: i64,
    pub state: String,
    pub refund_id: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
