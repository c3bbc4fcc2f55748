//! When a deadline of the calendar passes, registrations still open change: drafts and
//! returned registrations not resubmitted are 视为自动放弃, submitted registrations no point
//! decided on go to the exam area, qualified registrations not paid are 视为自动放弃
//! ([`due_changes`] says which). Each change goes through the lifecycle as a
//! compare-and-set, with its audit row and the candidate's notification in the same
//! transaction, so the job is harmless when run twice or on several nodes at once.

use examreg_domain::account::Actor;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::payment::OrderStatus;
use examreg_domain::registration::deadlines::{DueChange, due_changes};
use examreg_domain::registration::lifecycle::{Event, transition};
use examreg_domain::registration::{Registration, Status};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::payments;
use examreg_store::registrations::{self, QueueFilter};
use serde_json::json;
use time::OffsetDateTime;

use crate::payments::TradeState;
use crate::services::notify::{self, Notice};
use crate::services::payments::checkout;
use crate::state::AppState;

/// Applies what the deadlines passed at `now` call for; returns how many changed.
pub async fn run_once(app: &AppState) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let mut changed = 0;
    for exam in app.exams.iter() {
        for due in due_changes(&exam.calendar, now) {
            loop {
                let filter = QueueFilter {
                    status: Some(due.status),
                    exam_id: Some(exam.id.to_string()),
                    per_page: 200,
                    ..QueueFilter::default()
                };
                let batch = registrations::queue(app.store.conn(), &filter).await?;
                let mut progressed = false;
                for record in batch {
                    if apply(app, exam, &record, due, now).await? {
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

/// One registration's change; `false` when it moved on meanwhile (another node did it).
async fn apply(
    app: &AppState,
    exam: &ExamDefinition,
    record: &Registration,
    due: DueChange,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let Ok(next) = transition(record.status, due.event) else {
        return Ok(false);
    };
    if record.status == Status::Qualified && due.event == Event::Abandon {
        // Nobody who paid at 16:59 is abandoned because the notification is late: ask
        // the provider about every order still open first. If it cannot answer, try
        // again on the next run rather than abandon.
        for order in payments::for_registration(app.store.conn(), record.id).await? {
            if order.status != OrderStatus::Open {
                continue;
            }
            match checkout::query(app, &order).await {
                Ok(TradeState::Paid(_)) => return Ok(false),
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(merchant_no = %order.merchant_no, error = %err, "cannot ask about an order before abandoning");
                    return Ok(false);
                }
            }
        }
    }
    let txn = app.store.write().await?;
    if !registrations::set_status(&*txn, record.id, record.status, next, record.revision, now)
        .await?
    {
        return Ok(false);
    }
    let (action, notice) = match due.event {
        Event::Escalate => (AuditAction::REGISTRATION_ESCALATED, Notice::Escalated),
        _ => (
            AuditAction::REGISTRATION_ABANDONED,
            Notice::Abandoned {
                because: due.because,
            },
        ),
    };
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::System,
            action,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "from": record.status.key(), "to": next.key(), "because": due.because.key() }),
        },
    )
    .await?;
    notify::registration_changed(&txn, exam, record, notice, now).await?;
    txn.commit().await?;
    Ok(true)
}
