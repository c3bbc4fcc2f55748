//! Refunds of payment orders: asked for, then settled once.

use examreg_domain::account::StaffId;
use examreg_domain::payment::{Refund, RefundNo, RefundStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{corrupt, fen};
use crate::StoreError;
use crate::entities::payment_refund;

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
