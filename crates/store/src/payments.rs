//! Payment orders and their refunds, and the sandbox provider's ledger. Every change of an order is a
//! compare-and-set on its revision, written in the caller's transaction together with the
//! registration's status and the audit rows.

use examreg_domain::account::StaffId;
use examreg_domain::exam::FeeBreakdown;
use examreg_domain::money::Fen;
use examreg_domain::payment::{
    BillLine, Flag, MerchantOrderNo, Order, OrderStatus, PaidWith, ProviderKind, Refund, RefundNo,
    RefundStatus,
};
use examreg_domain::registration::Status;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{payment_bill, payment_order, payment_refund, sandbox_refund, sandbox_trade};

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("payment order {what}: {err}"))
}

fn fen(value: i64, what: &str) -> Result<Fen, StoreError> {
    u32::try_from(value).map(Fen).map_err(|e| corrupt(what, e))
}

fn flag_columns(flag: Flag) -> (String, serde_json::Value) {
    let details = match flag {
        Flag::NotPayable(status) => json!({ "status": status.key() }),
        Flag::AmountMismatch { expected, reported } => {
            json!({ "expected_fen": expected.0, "reported_fen": reported.0 })
        }
        _ => json!({}),
    };
    (flag.key().to_owned(), details)
}

fn flag_of(key: &str, details: Option<&serde_json::Value>) -> Result<Flag, StoreError> {
    let number = |name: &str| {
        details
            .and_then(|d| d.get(name))
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .map(Fen)
            .ok_or_else(|| corrupt("flag details", name))
    };
    Ok(match key {
        "paid_when_closed" => Flag::PaidWhenClosed,
        "paid_after_close" => Flag::PaidAfterClose,
        "paid_twice" => Flag::PaidTwice,
        "other_transaction" => Flag::OtherTransaction,
        "merchant_mismatch" => Flag::MerchantMismatch,
        "not_payable" => Flag::NotPayable(
            details
                .and_then(|d| d.get("status"))
                .and_then(serde_json::Value::as_str)
                .and_then(Status::from_key)
                .ok_or_else(|| corrupt("flag details", "status"))?,
        ),
        "amount_mismatch" => Flag::AmountMismatch {
            expected: number("expected_fen")?,
            reported: number("reported_fen")?,
        },
        other => return Err(corrupt("flag", other)),
    })
}

fn from_row(row: payment_order::Model) -> Result<Order, StoreError> {
    let paid = match (row.transaction_id, row.paid_amount_fen, row.paid_at) {
        (Some(transaction_id), Some(amount), Some(paid_at)) => Some(PaidWith {
            transaction_id,
            amount: fen(amount, "paid amount")?,
            paid_at,
        }),
        _ => None,
    };
    let fees: FeeBreakdown = serde_json::from_value(row.fees).map_err(|e| corrupt("fees", e))?;
    if i64::from(fees.total.0) != row.amount_fen {
        return Err(corrupt("amount", "differs from its fees"));
    }
    Ok(Order {
        id: row.id,
        merchant_no: MerchantOrderNo::parse(&row.merchant_no)
            .ok_or_else(|| corrupt("merchant_no", &row.merchant_no))?,
        registration_id: row.registration_id,
        provider: ProviderKind::from_key(&row.provider)
            .ok_or_else(|| corrupt("provider", &row.provider))?,
        fees,
        status: OrderStatus::from_key(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
        created_at: row.created_at,
        expires_at: row.expires_at,
        closed_at: row.closed_at,
        paid,
        flag: row
            .flag
            .as_deref()
            .map(|key| flag_of(key, row.flag_details.as_ref()))
            .transpose()?,
        revision: row.revision,
    })
}

/// Records a new order. Fails with a unique violation when the registration already has
/// an open one ([`StoreError::is_unique_violation`]).
pub async fn insert(db: &impl ConnectionTrait, order: &Order) -> Result<(), StoreError> {
    let row = payment_order::ActiveModel {
        id: Set(order.id),
        merchant_no: Set(order.merchant_no.as_str().to_owned()),
        registration_id: Set(order.registration_id),
        provider: Set(order.provider.key().to_owned()),
        amount_fen: Set(i64::from(order.amount().0)),
        fees: Set(serde_json::to_value(&order.fees).map_err(|e| corrupt("fees", e))?),
        status: Set(order.status.key().to_owned()),
        created_at: Set(order.created_at),
        expires_at: Set(order.expires_at),
        closed_at: Set(order.closed_at),
        transaction_id: Set(None),
        paid_amount_fen: Set(None),
        paid_at: Set(None),
        flag: Set(None),
        flag_details: Set(None),
        revision: Set(order.revision),
    };
    payment_order::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    merchant_no: &MerchantOrderNo,
) -> Result<Option<Order>, StoreError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::MerchantNo.eq(merchant_no.as_str()))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

pub async fn find_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Order>, StoreError> {
    payment_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

/// Every order of a registration, newest first.
pub async fn for_registration(
    db: &impl ConnectionTrait,
    registration: Uuid,
) -> Result<Vec<Order>, StoreError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::RegistrationId.eq(registration))
        .order_by_desc(payment_order::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Open orders made before `before`, oldest first: what the query job asks about.
pub async fn open_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Order>, StoreError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::Status.eq(OrderStatus::Open.key()))
        .filter(payment_order::Column::CreatedAt.lt(before))
        .order_by_asc(payment_order::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Moves `order` from `from` to `to` if nobody changed it since it was read at `revision`;
/// records the payment and the flag given. `false` when it lost the race.
pub async fn set_status(
    db: &impl ConnectionTrait,
    order: &Order,
    to: OrderStatus,
    paid: Option<&PaidWith>,
    flag: Option<Flag>,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let mut update = payment_order::Entity::update_many()
        .col_expr(payment_order::Column::Status, Expr::value(to.key()))
        .col_expr(
            payment_order::Column::Revision,
            Expr::value(order.revision + 1),
        );
    if to == OrderStatus::Closed {
        update = update.col_expr(payment_order::Column::ClosedAt, Expr::value(now));
    }
    if let Some(paid) = paid {
        update = update
            .col_expr(
                payment_order::Column::TransactionId,
                Expr::value(paid.transaction_id.clone()),
            )
            .col_expr(
                payment_order::Column::PaidAmountFen,
                Expr::value(i64::from(paid.amount.0)),
            )
            .col_expr(payment_order::Column::PaidAt, Expr::value(paid.paid_at));
    }
    if let Some(flag) = flag {
        let (key, details) = flag_columns(flag);
        update = update
            .col_expr(payment_order::Column::Flag, Expr::value(key))
            .col_expr(payment_order::Column::FlagDetails, Expr::value(details));
    }
    let result = update
        .filter(payment_order::Column::Id.eq(order.id))
        .filter(payment_order::Column::Status.eq(order.status.key()))
        .filter(payment_order::Column::Revision.eq(order.revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Flags `order` without changing its state (a report that did not match).
pub async fn flag(
    db: &impl ConnectionTrait,
    order: &Order,
    flag: Flag,
) -> Result<bool, StoreError> {
    let (key, details) = flag_columns(flag);
    let result = payment_order::Entity::update_many()
        .col_expr(payment_order::Column::Flag, Expr::value(key))
        .col_expr(payment_order::Column::FlagDetails, Expr::value(details))
        .col_expr(
            payment_order::Column::Revision,
            Expr::value(order.revision + 1),
        )
        .filter(payment_order::Column::Id.eq(order.id))
        .filter(payment_order::Column::Revision.eq(order.revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Orders with a flag (refund due, or a report that did not match), newest first.
pub async fn flagged(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Order>, StoreError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::Flag.is_not_null())
        .order_by_desc(payment_order::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

fn refund_from_row(row: payment_refund::Model) -> Result<Refund, StoreError> {
    Ok(Refund {
        id: row.id,
        order_id: row.order_id,
        refund_no: RefundNo::parse(&row.refund_no)
            .ok_or_else(|| corrupt("refund_no", &row.refund_no))?,
        amount: fen(row.amount_fen, "refund amount")?,
        reason: row.reason,
        status: RefundStatus::from_key(&row.status)
            .ok_or_else(|| corrupt("refund status", &row.status))?,
        requested_by: StaffId(row.requested_by),
        requested_at: row.requested_at,
        settled_at: row.settled_at,
        provider_refund_id: row.provider_refund_id,
        revision: row.revision,
    })
}

pub async fn insert_refund(db: &impl ConnectionTrait, refund: &Refund) -> Result<(), StoreError> {
    let row = payment_refund::ActiveModel {
        id: Set(refund.id),
        order_id: Set(refund.order_id),
        refund_no: Set(refund.refund_no.as_str().to_owned()),
        amount_fen: Set(i64::from(refund.amount.0)),
        reason: Set(refund.reason.clone()),
        status: Set(refund.status.key().to_owned()),
        requested_by: Set(refund.requested_by.0),
        requested_at: Set(refund.requested_at),
        settled_at: Set(refund.settled_at),
        provider_refund_id: Set(refund.provider_refund_id.clone()),
        revision: Set(refund.revision),
    };
    payment_refund::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find_refund(
    db: &impl ConnectionTrait,
    refund_no: &RefundNo,
) -> Result<Option<Refund>, StoreError> {
    payment_refund::Entity::find()
        .filter(payment_refund::Column::RefundNo.eq(refund_no.as_str()))
        .one(db)
        .await?
        .map(refund_from_row)
        .transpose()
}

/// The refunds of `orders`, oldest first.
pub async fn refunds_of(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<Vec<Refund>, StoreError> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    payment_refund::Entity::find()
        .filter(payment_refund::Column::OrderId.is_in(orders.iter().copied()))
        .order_by_asc(payment_refund::Column::RequestedAt)
        .all(db)
        .await?
        .into_iter()
        .map(refund_from_row)
        .collect()
}

/// Refunds still processing that were asked before `before`, oldest first.
pub async fn refunds_processing_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Refund>, StoreError> {
    payment_refund::Entity::find()
        .filter(payment_refund::Column::Status.eq(RefundStatus::Processing.key()))
        .filter(payment_refund::Column::RequestedAt.lt(before))
        .order_by_asc(payment_refund::Column::RequestedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(refund_from_row)
        .collect()
}

/// Settles `refund` (processing) as `to`; `false` when it was settled meanwhile.
pub async fn settle_refund(
    db: &impl ConnectionTrait,
    refund: &Refund,
    to: RefundStatus,
    provider_refund_id: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let result = payment_refund::Entity::update_many()
        .col_expr(payment_refund::Column::Status, Expr::value(to.key()))
        .col_expr(payment_refund::Column::SettledAt, Expr::value(now))
        .col_expr(
            payment_refund::Column::ProviderRefundId,
            Expr::value(provider_refund_id),
        )
        .col_expr(
            payment_refund::Column::Revision,
            Expr::value(refund.revision + 1),
        )
        .filter(payment_refund::Column::Id.eq(refund.id))
        .filter(payment_refund::Column::Status.eq(RefundStatus::Processing.key()))
        .filter(payment_refund::Column::Revision.eq(refund.revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Orders paid in `[from, to)`.
pub async fn paid_between(
    db: &impl ConnectionTrait,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<Order>, StoreError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::PaidAt.gte(from))
        .filter(payment_order::Column::PaidAt.lt(to))
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// The orders with these numbers (those that exist).
pub async fn find_many(
    db: &impl ConnectionTrait,
    merchant_nos: &[String],
) -> Result<Vec<Order>, StoreError> {
    let mut found = Vec::new();
    for chunk in merchant_nos.chunks(500) {
        let rows = payment_order::Entity::find()
            .filter(payment_order::Column::MerchantNo.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        for row in rows {
            found.push(from_row(row)?);
        }
    }
    Ok(found)
}

/// A provider's bill of one day as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBill {
    pub lines: Vec<BillLine>,
    pub sha256: String,
    pub imported_at: OffsetDateTime,
}

fn bill_line_json(line: &BillLine) -> serde_json::Value {
    json!({
        "merchant_no": line.merchant_no,
        "transaction_id": line.transaction_id,
        "amount_fen": line.amount.0,
        "paid_at": line.paid_at.unix_timestamp(),
    })
}

fn bill_line_of(value: &serde_json::Value) -> Result<BillLine, StoreError> {
    let text = |name: &str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| corrupt("bill line", name))
    };
    let number = |name: &str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| corrupt("bill line", name))
    };
    Ok(BillLine {
        merchant_no: text("merchant_no")?,
        transaction_id: text("transaction_id")?,
        amount: fen(number("amount_fen")?, "bill amount")?,
        paid_at: OffsetDateTime::from_unix_timestamp(number("paid_at")?)
            .map_err(|e| corrupt("bill paid_at", e))?,
    })
}

/// Stores the bill of `day` (`YYYY-MM-DD`), replacing an earlier import of the same day.
pub async fn save_bill(
    db: &impl ConnectionTrait,
    provider: ProviderKind,
    day: &str,
    lines: &[BillLine],
    sha256: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    payment_bill::Entity::delete_many()
        .filter(payment_bill::Column::Provider.eq(provider.key()))
        .filter(payment_bill::Column::BillDate.eq(day))
        .exec(db)
        .await?;
    let row = payment_bill::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider: Set(provider.key().to_owned()),
        bill_date: Set(day.to_owned()),
        lines: Set(serde_json::Value::Array(
            lines.iter().map(bill_line_json).collect(),
        )),
        sha256: Set(sha256.to_owned()),
        imported_at: Set(now),
    };
    payment_bill::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn bill(
    db: &impl ConnectionTrait,
    provider: ProviderKind,
    day: &str,
) -> Result<Option<StoredBill>, StoreError> {
    let Some(row) = payment_bill::Entity::find()
        .filter(payment_bill::Column::Provider.eq(provider.key()))
        .filter(payment_bill::Column::BillDate.eq(day))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let lines = row
        .lines
        .as_array()
        .ok_or_else(|| corrupt("bill", "lines"))?
        .iter()
        .map(bill_line_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StoredBill {
        lines,
        sha256: row.sha256,
        imported_at: row.imported_at,
    }))
}

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
