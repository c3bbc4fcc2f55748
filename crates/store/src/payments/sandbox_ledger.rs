//! The sandbox provider's own ledger, kept apart from our orders as a real provider's
//! would be.

use examreg_domain::money::Fen;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use super::fen;
use crate::StoreError;
use crate::entities::{sandbox_refund, sandbox_trade};

/// The sandbox provider's ledger: what it knows of one order.
pub mod sandbox {
    use super::*;

    /// What the sandbox knows of a trade, in WeChat Pay's `trade_state` words.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Trade {
        pub merchant_no: String,
        pub amount: Fen,
        pub description: String,
        /// `NOTPAY`, `SUCCESS`, `PAYERROR` or `CLOSED`.
        pub state: String,
        pub transaction_id: Option<String>,
        pub success_time: Option<OffsetDateTime>,
        pub created_at: OffsetDateTime,
    }

    fn from_row(row: sandbox_trade::Model) -> Result<Trade, StoreError> {
        Ok(Trade {
            amount: fen(row.amount_fen, "sandbox amount")?,
            merchant_no: row.merchant_no,
            description: row.description,
            state: row.state,
            transaction_id: row.transaction_id,
            success_time: row.success_time,
            created_at: row.created_at,
        })
    }

    /// Opens a trade; asking again for the same number changes nothing (idempotent, as
    /// a real provider answers a repeated order with the same `out_trade_no`).
    pub async fn open(
        db: &impl ConnectionTrait,
        merchant_no: &str,
        amount: Fen,
        description: &str,
        now: OffsetDateTime,
    ) -> Result<Trade, StoreError> {
        if let Some(existing) = get(db, merchant_no).await? {
            return Ok(existing);
        }
        let row = sandbox_trade::ActiveModel {
            merchant_no: Set(merchant_no.to_owned()),
            amount_fen: Set(i64::from(amount.0)),
            description: Set(description.to_owned()),
            state: Set("NOTPAY".to_owned()),
            transaction_id: Set(None),
            success_time: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        sandbox_trade::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
        get(db, merchant_no)
            .await?
            .ok_or_else(|| StoreError::Corrupt("sandbox trade vanished".to_owned()))
    }

    pub async fn get(
        db: &impl ConnectionTrait,
        merchant_no: &str,
    ) -> Result<Option<Trade>, StoreError> {
        sandbox_trade::Entity::find_by_id(merchant_no.to_owned())
            .one(db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// The trades paid in `[from, to)`: the sandbox's daily bill.
    pub async fn paid_between(
        db: &impl ConnectionTrait,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Trade>, StoreError> {
        sandbox_trade::Entity::find()
            .filter(sandbox_trade::Column::State.eq("SUCCESS"))
            .filter(sandbox_trade::Column::SuccessTime.gte(from))
            .filter(sandbox_trade::Column::SuccessTime.lt(to))
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Moves a trade from `from` to `to`; `false` when it was not in `from`.
    pub async fn set_state(
        db: &impl ConnectionTrait,
        merchant_no: &str,
        from: &str,
        to: &str,
        transaction_id: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut update = sandbox_trade::Entity::update_many()
            .col_expr(sandbox_trade::Column::State, Expr::value(to))
            .col_expr(sandbox_trade::Column::UpdatedAt, Expr::value(now));
        if let Some(id) = transaction_id {
            update = update
                .col_expr(sandbox_trade::Column::TransactionId, Expr::value(id))
                .col_expr(sandbox_trade::Column::SuccessTime, Expr::value(now));
        }
        let result = update
            .filter(sandbox_trade::Column::MerchantNo.eq(merchant_no))
            .filter(sandbox_trade::Column::State.eq(from))
            .exec(db)
            .await?;
        Ok(result.rows_affected == 1)
    }
}

/// The sandbox provider's refunds.
pub mod sandbox_refunds {
    use super::*;

    /// A refund the sandbox made (it gives money back at once).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct SandboxRefund {
        pub refund_no: String,
        pub merchant_no: String,
        pub amount: Fen,
        /// `SUCCESS` or `ABNORMAL`.
        pub state: String,
        pub refund_id: String,
    }

    fn from_row(row: sandbox_refund::Model) -> Result<SandboxRefund, StoreError> {
        Ok(SandboxRefund {
            amount: fen(row.amount_fen, "sandbox refund amount")?,
            refund_no: row.refund_no,
            merchant_no: row.merchant_no,
            state: row.state,
            refund_id: row.refund_id,
        })
    }

    pub async fn get(
        db: &impl ConnectionTrait,
        refund_no: &str,
    ) -> Result<Option<SandboxRefund>, StoreError> {
        sandbox_refund::Entity::find_by_id(refund_no.to_owned())
            .one(db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// Every refund of one trade.
    pub async fn of_trade(
        db: &impl ConnectionTrait,
        merchant_no: &str,
    ) -> Result<Vec<SandboxRefund>, StoreError> {
        sandbox_refund::Entity::find()
            .filter(sandbox_refund::Column::MerchantNo.eq(merchant_no))
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Records a refund; the same number again changes nothing and returns the first.
    pub async fn record(
        db: &impl ConnectionTrait,
        refund: &SandboxRefund,
        now: OffsetDateTime,
    ) -> Result<SandboxRefund, StoreError> {
        if let Some(existing) = get(db, &refund.refund_no).await? {
            return Ok(existing);
        }
        let row = sandbox_refund::ActiveModel {
            refund_no: Set(refund.refund_no.clone()),
            merchant_no: Set(refund.merchant_no.clone()),
            amount_fen: Set(i64::from(refund.amount.0)),
            state: Set(refund.state.clone()),
            refund_id: Set(refund.refund_id.clone()),
            created_at: Set(now),
        };
        sandbox_refund::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
        Ok(refund.clone())
    }
}
