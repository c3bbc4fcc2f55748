//! 退款: an admin gives (part of) a paid order back with a reason; the provider confirms
//! it at once, by notification, or when asked by the query job. Settling a refund moves
//! it, the order (退款 in full → 已退款), the audit trail and the candidate's message in
//! one transaction, once however often it is reported.

use examreg_domain::account::{Actor, StaffId};
use examreg_domain::money::Fen;
use examreg_domain::payment::{
    MerchantOrderNo, Order, OrderEvent, Refund, RefundNo, RefundRefusal, RefundReport,
    RefundStatus, fully_refunded, may_refund, transition,
};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, payments, registrations};
use serde_json::json;

use crate::payments::{PaymentProvider, RefundState};
use crate::services::notify::{self, Notice};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("not found")]
    NotFound,
    #[error("refused: {0}")]
    Refused(RefundRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An order as finance sees it: the order, its refunds, its registration's number.
#[derive(Debug, Clone)]
pub struct OrderCase {
    pub order: Order,
    pub refunds: Vec<Refund>,
    pub registration_no: String,
    /// What is left to give back.
    pub refundable: Fen,
}

pub async fn case(app: &AppState, order_no: &str) -> Result<OrderCase, RefundError> {
    let no = MerchantOrderNo::parse(order_no).ok_or(RefundError::NotFound)?;
    let db = app.store.conn();
    let order = payments::find(db, &no)
        .await?
        .ok_or(RefundError::NotFound)?;
    let refunds = payments::refunds_of(db, &[order.id]).await?;
    let registration = registrations::find_by_id(db, order.registration_id)
        .await?
        .ok_or(RefundError::NotFound)?;
    Ok(OrderCase {
        refundable: examreg_domain::payment::refundable(&order, &refunds),
        order,
        refunds,
        registration_no: registration.no.to_string(),
    })
}

/// The orders finance must look at, with their refunds.
pub async fn flagged(app: &AppState) -> Result<Vec<OrderCase>, StoreError> {
    let db = app.store.conn();
    let orders = payments::flagged(db, 200).await?;
    let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
    let refunds = payments::refunds_of(db, &ids).await?;
    let mut cases = Vec::with_capacity(orders.len());
    for order in orders {
        let own: Vec<Refund> = refunds
            .iter()
            .filter(|r| r.order_id == order.id)
            .cloned()
            .collect();
        let registration_no = registrations::find_by_id(db, order.registration_id)
            .await?
            .map(|r| r.no.to_string())
            .unwrap_or_default();
        cases.push(OrderCase {
            refundable: examreg_domain::payment::refundable(&order, &own),
            order,
            refunds: own,
            registration_no,
        });
    }
    Ok(cases)
}

/// Asks the provider to give `amount` of `order_no` back. The refund is recorded (退款处理中)
/// before the provider is asked; if the provider cannot be reached it stays processing and
/// the query job asks about it later: never lost, never asked twice under two numbers.
pub async fn request(
    app: &AppState,
    staff: StaffId,
    order_no: &str,
    amount: Fen,
    reason: &str,
) -> Result<Refund, RefundError> {
    let found = case(app, order_no).await?;
    may_refund(&found.order, &found.refunds, amount, reason).map_err(RefundError::Refused)?;
    let now = app.clock.now();
    let day = now
        .to_offset(examreg_domain::clock::CHINA_STANDARD_TIME)
        .date();
    let refund = Refund {
        id: uuid::Uuid::now_v7(),
        order_id: found.order.id,
        refund_no: RefundNo::new(day, crate::secrets::random_array()),
        amount,
        reason: reason.trim().to_owned(),
        status: RefundStatus::Processing,
        requested_by: staff,
        requested_at: now,
        settled_at: None,
        provider_refund_id: None,
        revision: 0,
    };
    let row = refund.clone();
    let registration_id = found.order.registration_id;
    let merchant_no = found.order.merchant_no.to_string();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                payments::insert_refund(txn, &row).await?;
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::Staff(staff),
                        action: AuditAction::PAYMENT_REFUND_REQUESTED,
                        subject: Some(("registration", registration_id.to_string())),
                        outcome: Outcome::Success,
                        ip: None,
                        details: json!({
                            "order": merchant_no,
                            "refund": row.refund_no.as_str(),
                            "amount_fen": row.amount.0,
                            "reason": row.reason,
                        }),
                    },
                )
                .await
            })
        })
        .await?;
    match app.payments.refund(&found.order, &refund, now).await {
        Ok(RefundState::Settled(report)) => {
            settle(app, &report).await?;
        }
        Ok(RefundState::Processing | RefundState::Unknown) => {}
        Err(err) => {
            tracing::warn!(refund = %refund.refund_no, error = %err, "refund not confirmed by the provider; the query job will ask");
        }
    }
    let settled = payments::find_refund(app.store.conn(), &refund.refund_no)
        .await?
        .unwrap_or(refund);
    Ok(settled)
}

/// A write that lost a race: read again.
enum Attempt {
    Lost,
    Store(StoreError),
}

impl From<StoreError> for Attempt {
    fn from(err: StoreError) -> Self {
        Attempt::Store(err)
    }
}

/// Settles a refund the provider reported (verified).
pub async fn settle(app: &AppState, report: &RefundReport) -> Result<(), StoreError> {
    for _ in 0..5 {
        match settle_once(app, report).await {
            Ok(()) => return Ok(()),
            Err(Attempt::Lost) => continue,
            Err(Attempt::Store(err)) => return Err(err),
        }
    }
    Err(StoreError::Busy)
}

async fn settle_once(app: &AppState, report: &RefundReport) -> Result<(), Attempt> {
    let db = app.store.conn();
    let Some(refund) = payments::find_refund(db, &report.refund_no).await? else {
        tracing::warn!(refund = %report.refund_no, "refund reported for a refund we never asked for");
        return Ok(());
    };
    if refund.status != RefundStatus::Processing {
        return Ok(());
    }
    let all_refunds = payments::refunds_of(db, &[refund.order_id]).await?;
    let Some(order) = payments::find_by_id(db, refund.order_id).await? else {
        return Err(Attempt::Store(StoreError::Corrupt(format!(
            "refund {} without its order",
            refund.refund_no
        ))));
    };
    let (registration, exam) = super::registration_of(app, &order).await?;
    let now = app.clock.now();
    let to = if report.succeeded && report.amount == refund.amount {
        RefundStatus::Succeeded
    } else {
        RefundStatus::Failed
    };
    // With this one succeeded, is the whole payment back?
    let after: Vec<Refund> = all_refunds
        .into_iter()
        .map(|r| {
            if r.id == refund.id {
                Refund { status: to, ..r }
            } else {
                r
            }
        })
        .collect();
    let order_done = to == RefundStatus::Succeeded && fully_refunded(&order, &after);
    let report = report.clone();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                if !payments::settle_refund(txn, &refund, to, &report.provider_refund_id, now)
                    .await?
                {
                    return Err(Attempt::Lost);
                }
                if order_done
                    && let Ok(next) = transition(order.status, OrderEvent::Refund)
                    && !payments::set_status(txn, &order, next, None, None, now).await?
                {
                    return Err(Attempt::Lost);
                }
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::System,
                        action: if to == RefundStatus::Succeeded {
                            AuditAction::PAYMENT_REFUNDED
                        } else {
                            AuditAction::PAYMENT_REFUND_FAILED
                        },
                        subject: Some(("registration", registration.id.to_string())),
                        outcome: if to == RefundStatus::Succeeded {
                            Outcome::Success
                        } else {
                            Outcome::Failure
                        },
                        ip: None,
                        details: json!({
                            "order": order.merchant_no.as_str(),
                            "refund": refund.refund_no.as_str(),
                            "amount_fen": refund.amount.0,
                            "reason": refund.reason,
                            "provider_refund_id": report.provider_refund_id,
                        }),
                    },
                )
                .await?;
                if to == RefundStatus::Succeeded {
                    notify::registration_changed(
                        txn,
                        &exam,
                        &registration,
                        Notice::Refunded {
                            amount: refund.amount,
                            reason: &refund.reason,
                        },
                        now,
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
}

/// Asks the provider about a refund still processing and settles what it says.
pub async fn query(app: &AppState, refund: &Refund) -> Result<(), StoreError> {
    match app.payments.query_refund(&refund.refund_no).await {
        Ok(RefundState::Settled(report)) => settle(app, &report).await,
        Ok(RefundState::Processing) => Ok(()),
        Ok(RefundState::Unknown) => {
            // Never reached the provider: ask it again under the same number.
            let Some(order) = payments::find_by_id(app.store.conn(), refund.order_id).await? else {
                return Ok(());
            };
            match app.payments.refund(&order, refund, app.clock.now()).await {
                Ok(RefundState::Settled(report)) => settle(app, &report).await,
                Ok(_) => Ok(()),
                Err(err) => {
                    tracing::warn!(refund = %refund.refund_no, error = %err, "refund not accepted yet");
                    Ok(())
                }
            }
        }
        Err(err) => {
            tracing::warn!(refund = %refund.refund_no, error = %err, "cannot ask about a refund");
            Ok(())
        }
    }
}
