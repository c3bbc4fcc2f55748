//! `POST /api/v1/payments/{provider}/notify`: verified before it is read, then settled.
//! The same notification twice is one transition and is answered success both times.

use axum::http::HeaderMap;
use examreg_domain::payment::ProviderKind;
use examreg_store::StoreError;

use super::refunds;
use super::settle::{self, Settled, Source};
use crate::payments::{NotificationRefused, PaymentProvider, Reported};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// Not the provider this deployment uses.
    #[error("unknown provider")]
    UnknownProvider,
    #[error("refused: {0}")]
    Refused(NotificationRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn receive(
    app: &AppState,
    provider: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<Settled>, CallbackError> {
    let kind = ProviderKind::from_key(provider)
        .filter(|kind| *kind == app.payments.kind())
        .ok_or(CallbackError::UnknownProvider)?;
    let report = match app.payments.verify(headers, body, app.clock.now()) {
        Ok(Reported::Payment(report)) => report,
        Ok(Reported::Refund(report)) => {
            refunds::settle(app, &report).await?;
            return Ok(None);
        }
        Ok(Reported::Nothing) => return Ok(None),
        Err(refused) => {
            tracing::warn!(provider = kind.key(), reason = %refused, "payment notification refused");
            metrics::counter!("examreg_payment_notifications_refused_total", "reason" => refused.to_string())
                .increment(1);
            return Err(CallbackError::Refused(refused));
        }
    };
    Ok(Some(
        settle::record(app, &report, Source::Notification).await?,
    ))
}
