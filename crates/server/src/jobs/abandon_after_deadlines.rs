//! 视为自动放弃: when a deadline passes, registrations that can no longer succeed end.
//!
//! From the resubmit deadline on, every registration not confirmed (draft, submitted,
//! returned) is abandoned; from the end of the payment window, every qualified one that
//! is unpaid. Each change goes through the lifecycle table as a compare-and-set, so the
//! job is harmless when run twice or on several nodes at once.

use examreg_domain::account::Actor;
use examreg_domain::registration::Status;
use examreg_domain::registration::lifecycle::{Event, transition};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations::{self, QueueFilter};
use serde_json::json;

use crate::state::AppState;

/// Abandons what the deadlines passed at `now` call for; returns how many changed.
pub async fn run_once(app: &AppState) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let mut changed = 0;
    for exam in app.exams.iter() {
        let mut due: Vec<(Status, &'static str)> = Vec::new();
        if now >= exam.calendar.resubmit_deadline {
            for status in [Status::Draft, Status::Submitted, Status::Returned] {
                due.push((status, "resubmit_deadline"));
            }
        }
        if now >= exam.calendar.payment.closes {
            due.push((Status::Qualified, "payment_closed"));
        }
        for (status, why) in due {
            loop {
                let filter = QueueFilter {
                    status: Some(status),
                    exam_id: Some(exam.id.to_string()),
                    per_page: 200,
                    ..QueueFilter::default()
                };
                let batch = registrations::queue(app.store.conn(), &filter).await?;
                let mut progressed = false;
                for record in batch {
                    let Ok(next) = transition(record.status, Event::Abandon) else {
                        continue;
                    };
                    let txn = app.store.write().await?;
                    if registrations::set_status(
                        &*txn,
                        record.id,
                        record.status,
                        next,
                        record.revision,
                        now,
                    )
                    .await?
                    {
                        audit::record(
                            &*txn,
                            AuditEntry {
                                at: now,
                                actor: &Actor::System,
                                action: AuditAction::REGISTRATION_ABANDONED,
                                subject: Some(("registration", record.id.to_string())),
                                outcome: Outcome::Success,
                                ip: None,
                                details: json!({ "from": record.status.key(), "to": next.key(), "because": why }),
                            },
                        )
                        .await?;
                        txn.commit().await?;
                        changed += 1;
                        progressed = true;
                    }
                }
                // An empty batch, or one where others got there first: nothing left to do.
                if !progressed {
                    break;
                }
            }
        }
    }
    Ok(changed)
}
