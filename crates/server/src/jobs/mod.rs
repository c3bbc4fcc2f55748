//! Background work, one job per file. Jobs read their work from the database, so any node
//! may run them, and each is harmless when run twice.

pub mod apply_deadlines;
pub mod collect_orphans;
pub mod deliver_notifications;
pub mod import_bills;
pub mod purge_expired;
pub mod settle_payments;

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// Runs the jobs until the task is aborted.
pub fn spawn(app: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut deliver = tokio::time::interval(Duration::from_secs(2));
        let mut purge = tokio::time::interval(Duration::from_secs(300));
        let mut deadlines = tokio::time::interval(Duration::from_secs(30));
        let mut orphans = tokio::time::interval(collect_orphans::EVERY);
        let mut payments = tokio::time::interval(Duration::from_secs(60));
        let mut bills = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = deliver.tick() => {
                    if let Err(err) = deliver_notifications::run_once(&app).await {
                        tracing::warn!(error = %err, "delivering notifications");
                    }
                }
                _ = deadlines.tick() => {
                    if let Err(err) = apply_deadlines::run_once(&app).await {
                        tracing::warn!(error = %err, "applying deadlines");
                    }
                }
                _ = payments.tick() => {
                    if let Err(err) = settle_payments::run_once(&app).await {
                        tracing::warn!(error = %err, "settling payment orders");
                    }
                }
                _ = bills.tick() => {
                    if let Err(err) = import_bills::run_once(&app).await {
                        tracing::warn!(error = %err, "importing the payment bill");
                    }
                }
                _ = orphans.tick() => {
                    if let Err(err) = collect_orphans::run_once(&app).await {
                        tracing::warn!(error = %err, "collecting orphaned files");
                    }
                }
                _ = purge.tick() => {
                    if let Err(err) = purge_expired::run_once(&app).await {
                        tracing::warn!(error = %err, "purging expired records");
                    }
                }
            }
        }
    })
}
