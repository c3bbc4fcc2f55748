use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_trade")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub merchant_no: String,
    pub amount_fen: i64,
    pub description: String,
    pub state: String,
    pub transaction_id: Option<String>,
    pub success_time: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
