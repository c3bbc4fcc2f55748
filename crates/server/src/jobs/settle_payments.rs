//! Lost notifications: orders open longer than `[payments] query_after_minutes` are
//! queried at the provider. A payment it reports is settled as a notification would have
//! been; an order the provider closed, or that expired unpaid, is closed here too (at the
//! provider first). Refunds still processing after as long are asked about the same way.
//! Harmless when run twice or on several nodes.

use examreg_domain::payment::Order;
use examreg_store::payments;
use time::Duration;

use crate::payments::TradeState;
use crate::services::payments::PaymentError;
use crate::services::payments::checkout::{query, retire};
use crate::services::payments::refunds;
use crate::state::AppState;

/// Orders asked about per run.
const BATCH: u64 = 200;

/// Settles or closes what it can; returns how many orders it asked about.
pub async fn run_once(app: &AppState) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let after = Duration::minutes(i64::from(app.config.payments.query_after_minutes));
    let due = payments::open_before(app.store.conn(), now - after, BATCH).await?;
    let mut asked = 0;
    for order in &due {
        asked += 1;
        if let Err(err) = settle_one(app, order).await {
            // One provider failure must not stop the others.
            tracing::warn!(merchant_no = %order.merchant_no, error = %err, "querying a payment order");
        }
    }
    let refunds = payments::refunds_processing_before(app.store.conn(), now - after, BATCH).await?;
    for refund in &refunds {
        asked += 1;
        refunds::query(app, refund).await?;
    }
    Ok(asked)
}

async fn settle_one(app: &AppState, order: &Order) -> Result<(), PaymentError> {
    let now = app.clock.now();
    match query(app, order).await? {
        TradeState::Paid(_) => Ok(()),
        TradeState::Closed | TradeState::Unknown => retire(app, order).await,
        TradeState::NotPaid if now >= order.expires_at => retire(app, order).await,
        TradeState::NotPaid => Ok(()),
    }
}
