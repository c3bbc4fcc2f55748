//! Sends queued notifications through the configured transport.

use std::path::PathBuf;

use examreg_store::notifications::{self, Message};
use time::Duration;

use crate::config::NotificationsConfig;
use crate::state::AppState;

/// A claimed message is retried by anyone after this long if it was neither sent nor
/// marked failed (its node died mid-send).
const LEASE: Duration = Duration::minutes(2);

/// Delivers what is due; returns how many went out.
pub async fn run_once(app: &AppState) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let claimed = {
        let txn = app.store.write().await?;
        let claimed = notifications::claim_due(&*txn, now, LEASE, 50).await?;
        txn.commit().await?;
        claimed
    };
    let mut sent = 0;
    for message in claimed {
        let outcome = match &app.config.notifications {
            NotificationsConfig::File => {
                write_file(app.config.data_dir.join("outbox"), &message).await
            }
        };
        let txn = app.store.write().await?;
        match outcome {
            Ok(()) => {
                notifications::mark_sent(&*txn, message.id, app.clock.now()).await?;
                sent += 1;
            }
            Err(err) => {
                // Back off: 1, 2, 4 … minutes, at most an hour.
                let backoff = Duration::minutes(1 << message.attempts.min(6));
                notifications::mark_failed(
                    &*txn,
                    message.id,
                    &err.to_string(),
                    app.clock.now() + backoff,
                )
                .await?;
            }
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// The development transport: one text file per message.
async fn write_file(dir: PathBuf, message: &Message) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(&dir).await?;
    let text = format!(
        "Channel: {}\nTo: {}\nSubject: {}\n\n{}\n",
        message.channel.key(),
        message.recipient,
        message.subject,
        message.body
    );
    tokio::fs::write(dir.join(format!("{}.txt", message.id)), text).await?;
    Ok(())
}
