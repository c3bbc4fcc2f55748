//! 对账 every day: yesterday's bill is imported once it exists (WeChat Pay makes it after
//! 10:00 China time) and reconciled; the differences wait for finance at
//! `/staff/finance/reconciliation`. Importing a day again replaces it, so the job is
//! harmless on several nodes.

use examreg_domain::account::Actor;
use examreg_domain::clock::CHINA_STANDARD_TIME;
use examreg_store::payments;

use crate::payments::PaymentProvider;
use crate::services::payments::reconciliation::{self, day_key};
use crate::state::AppState;

/// The hour (China time) from which yesterday's bill is fetched.
const FROM_HOUR: u8 = 10;

/// Imports yesterday's bill if it is due and not imported; `true` when it imported.
pub async fn run_once(app: &AppState) -> anyhow::Result<bool> {
    let now = app.clock.now().to_offset(CHINA_STANDARD_TIME);
    if now.hour() < FROM_HOUR {
        return Ok(false);
    }
    let Some(yesterday) = now.date().previous_day() else {
        return Ok(false);
    };
    if payments::bill(app.store.conn(), app.payments.kind(), &day_key(yesterday))
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let done = reconciliation::import(app, yesterday, Actor::System).await?;
    if !done.mismatches.is_empty() {
        tracing::warn!(day = %day_key(yesterday), differences = done.mismatches.len(), "the payment bill does not match our orders");
    }
    Ok(true)
}
