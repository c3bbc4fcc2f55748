//! Removes stored files that no upload refers to and that were written over an hour ago
//! (see [`crate::services::uploads::collect_orphans`]).

use std::time::Duration;

use crate::state::AppState;

/// How often the job runs (and first, at start).
pub const EVERY: Duration = Duration::from_secs(3600);

/// Files younger than this are left alone: their rows may be about to commit.
pub const AGE: Duration = Duration::from_secs(3600);

pub async fn run_once(app: &AppState) -> anyhow::Result<()> {
    let removed = crate::services::uploads::collect_orphans(app, AGE).await?;
    if removed > 0 {
        tracing::info!(removed, "removed stored files that no upload refers to");
    }
    Ok(())
}
