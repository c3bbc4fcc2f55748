//! The candidate's side: what they owe and their orders (the 缴费 page), 去支付 (one open
//! order at a time, the same one when asked again), and 我已支付 (ask the provider now
//! rather than wait for its notification).

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::exam::{ExamDefinition, FeeBreakdown};
use examreg_domain::payment::{
    MerchantOrderNo, Order, OrderEvent, OrderStatus, order_expiry, transition,
};
use examreg_domain::registration::{Refusal, Registration, Status};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, payments};
use serde_json::json;
use time::Duration;

use super::settle::{self, Source};
use super::{PaymentError, description, fees_of};
use crate::payments::{Checkout, Device, PaymentProvider, ProviderError, TradeState};
use crate::services::registrations::owned;
use crate::state::AppState;

/// The 缴费 page's facts.
#[derive(Debug, Clone)]
pub struct PaymentScreen {
    /// As the candidate may see it now.
    pub registration: Registration,
    pub exam: ExamDefinition,
    /// What it costs; `None` before 报考信息 is saved.
    pub fees: Option<FeeBreakdown>,
    /// Its orders, newest first.
    pub orders: Vec<Order>,
    /// The refunds of those orders, oldest first.
    pub refunds: Vec<examreg_domain::payment::Refund>,
    /// Whether it may be paid now, and why not.
    pub may_pay: Result<Status, Refusal>,
}

impl PaymentScreen {
    /// The order that paid it.
    pub fn receipt(&self) -> Option<&Order> {
        self.orders
            .iter()
            .find(|o| o.status == OrderStatus::Paid && o.flag.is_none())
    }

    /// The order the candidate can pay now, if one is open.
    pub fn open_order(&self) -> Option<&Order> {
        self.orders.iter().find(|o| o.status == OrderStatus::Open)
    }
}

pub async fn screen(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<PaymentScreen, PaymentError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let now = app.clock.now();
    let registration = record.as_seen_by_candidate(&exam, now);
    let orders = payments::for_registration(app.store.conn(), record.id).await?;
    let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
    let refunds = payments::refunds_of(app.store.conn(), &ids).await?;
    Ok(PaymentScreen {
        refunds,
        fees: fees_of(&exam, &registration),
        may_pay: registration.may_pay(&exam, now),
        registration,
        exam,
        orders,
    })
}

/// 去支付: the open order (made now if there is none, or if the one there expired or
/// charges a different amount) and where to pay it.
pub async fn checkout(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    device: Device,
) -> Result<(Order, Checkout), PaymentError> {
    let screen = screen(app, candidate, no).await?;
    screen.may_pay.map_err(PaymentError::Refused)?;
    let record = &screen.registration;
    let exam = &screen.exam;
    let fees = screen.fees.clone().ok_or(PaymentError::NotFound)?;
    let now = app.clock.now();
    if let Some(open) = screen.open_order() {
        if open.reusable(&fees, now) {
            let checkout = app
                .payments
                .create(open, &description(exam, record), device, now)
                .await?;
            return Ok((open.clone(), checkout));
        }
        retire(app, open).await?;
        // It may have been paid just before it was closed: then there is nothing to pay.
        screen_again(app, candidate, no).await?;
    }
    // Two tabs asking at once: the partial unique index lets one order in; the other
    // takes it.
    for _ in 0..2 {
        let order = new_order(app, exam, record, &fees);
        match insert(app, &order, candidate).await {
            Ok(()) => {
                let checkout = app
                    .payments
                    .create(&order, &description(exam, record), device, now)
                    .await?;
                return Ok((order, checkout));
            }
            Err(StoreError::Conflict(_)) => {
                let orders = payments::for_registration(app.store.conn(), record.id).await?;
                if let Some(open) = orders
                    .iter()
                    .find(|o| o.status == OrderStatus::Open && o.reusable(&fees, now))
                {
                    let checkout = app
                        .payments
                        .create(open, &description(exam, record), device, now)
                        .await?;
                    return Ok((open.clone(), checkout));
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(PaymentError::Store(StoreError::Busy))
}

async fn screen_again(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(), PaymentError> {
    screen(app, candidate, no)
        .await?
        .may_pay
        .map(|_| ())
        .map_err(PaymentError::Refused)
}

fn new_order(
    app: &AppState,
    exam: &ExamDefinition,
    record: &Registration,
    fees: &FeeBreakdown,
) -> Order {
    let now = app.clock.now();
    let day = now
        .to_offset(examreg_domain::clock::CHINA_STANDARD_TIME)
        .date();
    let ttl = Duration::minutes(i64::from(app.config.payments.order_minutes.max(1)));
    Order {
        id: uuid::Uuid::now_v7(),
        merchant_no: MerchantOrderNo::new(day, crate::secrets::random_array()),
        registration_id: record.id,
        provider: app.payments.kind(),
        fees: fees.clone(),
        status: OrderStatus::Open,
        created_at: now,
        expires_at: order_expiry(now, ttl, exam.calendar.payment.closes),
        closed_at: None,
        paid: None,
        flag: None,
        revision: 0,
    }
}

async fn insert(app: &AppState, order: &Order, candidate: CandidateId) -> Result<(), StoreError> {
    let order = order.clone();
    let now = app.clock.now();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                payments::insert(txn, &order).await?;
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::Candidate(candidate),
                        action: AuditAction::PAYMENT_ORDER_CREATED,
                        subject: Some(("registration", order.registration_id.to_string())),
                        outcome: Outcome::Success,
                        ip: None,
                        details: json!({
                            "order": order.merchant_no.as_str(),
                            "provider": order.provider.key(),
                            "amount_fen": order.amount().0,
                            "expires_at": crate::format::rfc3339(order.expires_at),
                        }),
                    },
                )
                .await
            })
        })
        .await
}

/// Closes `order` at the provider, then ours: an order is never closed here while it can
/// still be paid there. If it was paid meanwhile, the payment is settled instead.
pub async fn retire(app: &AppState, order: &Order) -> Result<(), PaymentError> {
    let now = app.clock.now();
    match app.payments.close(&order.merchant_no, now).await {
        Ok(()) => {}
        Err(ProviderError::AlreadyPaid) => {
            query(app, order).await?;
            return Ok(());
        }
        Err(err) => return Err(err.into()),
    }
    let Ok(to) = transition(order.status, OrderEvent::Close) else {
        return Ok(());
    };
    let order = order.clone();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                if payments::set_status(txn, &order, to, None, None, now).await? {
                    audit::record(
                        txn,
                        AuditEntry {
                            at: now,
                            actor: &Actor::System,
                            action: AuditAction::PAYMENT_ORDER_CLOSED,
                            subject: Some(("registration", order.registration_id.to_string())),
                            outcome: Outcome::Success,
                            ip: None,
                            details: json!({ "order": order.merchant_no.as_str() }),
                        },
                    )
                    .await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
    Ok(())
}

/// Asks the provider what became of `order` and settles a payment it reports.
pub async fn query(app: &AppState, order: &Order) -> Result<TradeState, PaymentError> {
    let state = app.payments.query(&order.merchant_no).await?;
    if let TradeState::Paid(report) = &state {
        settle::record(app, report, Source::Query).await?;
    }
    Ok(state)
}

/// 我已支付: asks the provider about the candidate's open order now.
pub async fn check(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<Option<TradeState>, PaymentError> {
    let screen = screen(app, candidate, no).await?;
    match screen.open_order() {
        Some(order) => Ok(Some(query(app, order).await?)),
        None => Ok(None),
    }
}
