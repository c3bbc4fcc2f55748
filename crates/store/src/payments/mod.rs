//! Payment orders; their refunds, the providers' daily bills and the sandbox provider's
//! own ledger in modules of their own. Every change of an order is a compare-and-set on its revision, written in the caller's transaction together with the
//! registration's status and the audit rows.

use examreg_domain::exam::FeeBreakdown;
use examreg_domain::money::Fen;
use examreg_domain::payment::{Flag, MerchantOrderNo, Order, OrderStatus, PaidWith, ProviderKind};
use examreg_domain::registration::Status;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::payment_order;

mod bills;
mod refunds;
mod sandbox_ledger;

pub use bills::{StoredBill, bill, save_bill};
pub use refunds::{
    find_refund, insert_refund, refunds_of, refunds_processing_before, settle_refund,
};
pub use sandbox_ledger::{sandbox, sandbox_refunds};

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
/// an open one ([`StoreError::Conflict`]).
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
