//! Sends queued notifications through the configured transport of their channel.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use examreg_store::notifications::{self, Channel, Message};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use time::Duration;

use crate::config::{EmailTransport, SmsTransport};
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
    let outbox = app.config.data_dir.join("outbox");
    let mut sent = 0;
    for message in claimed {
        let outcome = match message.channel {
            Channel::Email => match &app.config.notifications.email {
                EmailTransport::File => write_file(&outbox, &message).await,
                EmailTransport::Smtp { host, port, from } => {
                    send_smtp(host, *port, from, &message).await
                }
            },
            Channel::Sms => match &app.config.notifications.sms {
                SmsTransport::File => write_file(&outbox, &message).await,
            },
        };
        let txn = app.store.write().await?;
        match outcome {
            Ok(()) => {
                notifications::mark_sent(&*txn, message.id, app.clock.now()).await?;
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(id = %message.id, error = %err, "notification not delivered; will retry");
                // Back off: 1, 2, 4 … minutes, at most about an hour.
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
async fn write_file(dir: &Path, message: &Message) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let text = format!(
        "Channel: {}\nTo: {}\nSubject: {}\n\n{}\n",
        message.channel.key(),
        message.recipient,
        message.subject,
        message.body
    );
    let path: PathBuf = dir.join(format!("{}.txt", message.id));
    tokio::fs::write(path, text).await?;
    Ok(())
}

async fn send_smtp(host: &str, port: u16, from: &str, message: &Message) -> anyhow::Result<()> {
    let email = lettre::Message::builder()
        .from(from.parse()?)
        .to(message.recipient.parse()?)
        .subject(message.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(StdDuration::from_secs(10)))
        .build();
    transport.send(email).await?;
    Ok(())
}
