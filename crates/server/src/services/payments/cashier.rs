//! The sandbox provider's cashier: 支付成功 / 支付失败 / 放弃. On success the sandbox calls
//! back with a signed notification exactly as it would over HTTP — the same verification
//! and settling as `POST /api/v1/payments/sandbox/notify` — and the browser returns to
//! the 缴费 page. A notification that fails here is settled later by query (我已支付, the
//! query job, the deadline job), as with a real provider.

use examreg_domain::money::Fen;
use examreg_domain::payment::{MerchantOrderNo, ProviderKind};
use examreg_store::{payments, registrations};

use super::PaymentError;
use super::callback;
use crate::payments::sandbox::CashierChoice;
use crate::state::AppState;

/// What the cashier page shows.
#[derive(Debug, Clone)]
pub struct CashierView {
    pub merchant_no: MerchantOrderNo,
    pub amount: Fen,
    pub description: String,
    /// The sandbox's `trade_state`: `NOTPAY`, `PAYERROR`, `SUCCESS`, `CLOSED`.
    pub state: String,
    /// The registration the order belongs to (where the browser returns).
    pub registration_no: String,
}

pub async fn view(app: &AppState, order: &str) -> Result<CashierView, PaymentError> {
    let sandbox = app.payments.sandbox().ok_or(PaymentError::NotFound)?;
    let merchant_no = MerchantOrderNo::parse(order).ok_or(PaymentError::NotFound)?;
    let trade = sandbox
        .trade(&merchant_no)
        .await?
        .ok_or(PaymentError::NotFound)?;
    Ok(CashierView {
        registration_no: registration_of(app, &merchant_no).await?,
        merchant_no,
        amount: trade.amount,
        description: trade.description,
        state: trade.state,
    })
}

/// The registration number of an order, given its number as typed in a URL.
pub async fn registration_of_order(app: &AppState, order: &str) -> Result<String, PaymentError> {
    let merchant_no = MerchantOrderNo::parse(order).ok_or(PaymentError::NotFound)?;
    registration_of(app, &merchant_no).await
}

async fn registration_of(
    app: &AppState,
    merchant_no: &MerchantOrderNo,
) -> Result<String, PaymentError> {
    let db = app.store.conn();
    let order = payments::find(db, merchant_no)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let registration = registrations::find_by_id(db, order.registration_id)
        .await?
        .ok_or(PaymentError::NotFound)?;
    Ok(registration.no.to_string())
}

/// The candidate's choice; returns the registration number to go back to.
pub async fn choose(
    app: &AppState,
    order: &str,
    choice: CashierChoice,
) -> Result<String, PaymentError> {
    let sandbox = app.payments.sandbox().ok_or(PaymentError::NotFound)?;
    let merchant_no = MerchantOrderNo::parse(order).ok_or(PaymentError::NotFound)?;
    let registration_no = registration_of(app, &merchant_no).await?;
    if let Some(notification) = sandbox
        .choose(&merchant_no, choice, app.clock.now())
        .await?
        && let Err(err) = callback::receive(
            app,
            ProviderKind::Sandbox.key(),
            &notification.headers,
            &notification.body,
        )
        .await
    {
        tracing::warn!(merchant_no = %merchant_no, error = %err, "sandbox notification not settled; a query will settle it");
    }
    Ok(registration_no)
}
