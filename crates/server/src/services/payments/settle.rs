//! Settles a payment a provider reported (verified): the order is paid and the
//! registration becomes 缴费成功 with its audit row and message in one transaction; or the
//! money is recorded and flagged for refund; or the report did not match and only the
//! flag changes. Compare-and-set on the order and the registration: fifty identical
//! notifications at once make one transition, and each is answered success.

use examreg_domain::account::Actor;
use examreg_domain::payment::{
    Flag, Order, OrderEvent, OrderStatus, PaidWith, PaymentReport, Settlement, settle, transition,
};
use examreg_domain::registration::lifecycle::{self, Event};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, payments, registrations};
use serde_json::json;

use crate::services::notify::{self, Notice};
use crate::state::AppState;

/// Where the report came from, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The provider's notification.
    Notification,
    /// We asked the provider (我已支付, the query job, the deadline job).
    Query,
}

impl Source {
    fn key(self) -> &'static str {
        match self {
            Source::Notification => "notification",
            Source::Query => "query",
        }
    }
}

/// What settling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The registration is 缴费成功.
    Paid,
    /// Recorded before: nothing changed.
    AlreadyRecorded,
    /// Recorded, flagged (refund due, or a mismatch that changed nothing else).
    Flagged(Flag),
    /// No order of ours has this number: recorded in the audit trail only.
    UnknownOrder,
}

/// A write that lost a race: read again and settle again.
enum Attempt {
    Lost,
    Store(StoreError),
}

impl From<StoreError> for Attempt {
    fn from(err: StoreError) -> Self {
        Attempt::Store(err)
    }
}

/// Enough for any number of concurrent reports of one order: each retry sees the
/// winner's write.
const ATTEMPTS: usize = 5;

pub async fn record(
    app: &AppState,
    report: &PaymentReport,
    source: Source,
) -> Result<Settled, StoreError> {
    for _ in 0..ATTEMPTS {
        match attempt(app, report, source).await {
            Ok(settled) => return Ok(settled),
            Err(Attempt::Lost) => continue,
            Err(Attempt::Store(err)) => return Err(err),
        }
    }
    Err(StoreError::Busy)
}

async fn attempt(
    app: &AppState,
    report: &PaymentReport,
    source: Source,
) -> Result<Settled, Attempt> {
    let now = app.clock.now();
    let db = app.store.conn();
    let Some(order) = payments::find(db, &report.merchant_no).await? else {
        tracing::warn!(merchant_no = %report.merchant_no, "payment reported for an unknown order");
        let details = report_details(report, source);
        app.store
            .transaction(move |txn| {
                Box::pin(async move {
                    audit::record(
                        txn,
                        AuditEntry {
                            at: now,
                            actor: &Actor::System,
                            action: AuditAction::PAYMENT_UNKNOWN_ORDER,
                            subject: None,
                            outcome: Outcome::Failure,
                            ip: None,
                            details,
                        },
                    )
                    .await
                })
            })
            .await?;
        return Ok(Settled::UnknownOrder);
    };
    let (registration, exam) = super::registration_of(app, &order).await?;
    let settlement = settle(&order, registration.status, &exam.calendar, report);
    let paid = PaidWith {
        transaction_id: report.transaction_id.clone(),
        amount: report.amount,
        paid_at: report.paid_at,
    };
    let mut details = report_details(report, source);
    details["order"] = json!(order.merchant_no.as_str());
    let subject = ("registration", registration.id.to_string());
    match settlement {
        Settlement::AlreadyRecorded => Ok(Settled::AlreadyRecorded),
        Settlement::Counts => {
            let Ok(order_to) = transition(order.status, OrderEvent::Pay) else {
                return Err(Attempt::Lost);
            };
            let Ok(next) = lifecycle::transition(registration.status, Event::Pay) else {
                return Err(Attempt::Lost);
            };
            details["from"] = json!(registration.status.key());
            details["to"] = json!(next.key());
            app.store
                .transaction(move |txn| {
                    Box::pin(async move {
                        if !payments::set_status(txn, &order, order_to, Some(&paid), None, now)
                            .await?
                            || !registrations::set_status(
                                txn,
                                registration.id,
                                registration.status,
                                next,
                                registration.revision,
                                now,
                            )
                            .await?
                        {
                            return Err(Attempt::Lost);
                        }
                        audit::record(
                            txn,
                            AuditEntry {
                                at: now,
                                actor: &Actor::System,
                                action: AuditAction::REGISTRATION_PAID,
                                subject: Some(subject),
                                outcome: Outcome::Success,
                                ip: None,
                                details,
                            },
                        )
                        .await?;
                        notify::registration_changed(
                            txn,
                            &exam,
                            &registration,
                            Notice::Paid {
                                amount: paid.amount,
                            },
                            now,
                        )
                        .await?;
                        Ok(Settled::Paid)
                    })
                })
                .await
        }
        Settlement::Refund(flag) => {
            let Ok(order_to) = transition(order.status, OrderEvent::Pay) else {
                return Err(Attempt::Lost);
            };
            flagged(app, order, Some((order_to, paid)), flag, details, subject).await
        }
        Settlement::Mismatch(flag) => flagged(app, order, None, flag, details, subject).await,
    }
}

/// Records `flag` on `order` (and the payment, when money arrived), with its audit row.
async fn flagged(
    app: &AppState,
    order: Order,
    payment: Option<(OrderStatus, PaidWith)>,
    flag: Flag,
    mut details: serde_json::Value,
    subject: (&'static str, String),
) -> Result<Settled, Attempt> {
    let now = app.clock.now();
    tracing::warn!(merchant_no = %order.merchant_no, flag = flag.key(), "payment flagged");
    details["flag"] = json!(flag.key());
    details["flag_text"] = json!(flag.label());
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                let written = match &payment {
                    Some((to, paid)) => {
                        payments::set_status(txn, &order, *to, Some(paid), Some(flag), now).await?
                    }
                    None => payments::flag(txn, &order, flag).await?,
                };
                if !written {
                    return Err(Attempt::Lost);
                }
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::System,
                        action: AuditAction::PAYMENT_FLAGGED,
                        subject: Some(subject),
                        outcome: Outcome::Failure,
                        ip: None,
                        details,
                    },
                )
                .await?;
                Ok(Settled::Flagged(flag))
            })
        })
        .await
}

fn report_details(report: &PaymentReport, source: Source) -> serde_json::Value {
    json!({
        "order": report.merchant_no.as_str(),
        "transaction_id": report.transaction_id,
        "amount_fen": report.amount.0,
        "paid_at": crate::format::rfc3339(report.paid_at),
        "source": source.key(),
    })
}
