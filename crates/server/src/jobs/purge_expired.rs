//! Removes what has expired: sessions, throttling events no limit looks back to, captchas,
//! one-time codes.

use examreg_domain::auth_policy::{CodePolicy, ThrottlePolicy};
use examreg_store::{captchas, one_time_codes, sessions, throttle};
use time::Duration;

use crate::state::AppState;

pub async fn run_once(app: &AppState) -> anyhow::Result<()> {
    let now = app.clock.now();
    let idle = Duration::minutes(i64::from(app.config.session.idle_minutes));
    let txn = app.store.write().await?;
    sessions::delete_expired(&*txn, now, now - idle).await?;
    let lookback = ThrottlePolicy::default()
        .account_window
        .max(CodePolicy::default().lookback());
    throttle::purge_before(&*txn, now - lookback).await?;
    captchas::purge_before(&*txn, now - Duration::hours(1)).await?;
    one_time_codes::purge_before(&*txn, now - Duration::hours(1)).await?;
    txn.commit().await?;
    Ok(())
}
