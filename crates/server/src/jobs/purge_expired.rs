//! Removes what has expired: sessions, old sign-in failures, captchas.

use examreg_store::{auth_failures, captchas, sessions};
use time::Duration;

use crate::state::AppState;

pub async fn run_once(app: &AppState) -> anyhow::Result<()> {
    let now = app.clock.now();
    let idle = Duration::minutes(i64::from(app.config.session.idle_minutes));
    let txn = app.store.write().await?;
    sessions::delete_expired(&*txn, now, now - idle).await?;
    auth_failures::purge_before(&*txn, now - Duration::days(1)).await?;
    captchas::purge_before(&*txn, now - Duration::hours(1)).await?;
    txn.commit().await?;
    Ok(())
}
