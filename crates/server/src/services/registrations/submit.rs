//! 提交报名信息 and 撤回.
//!
//! The registration decides: whether it may be submitted or withdrawn now
//! ([`Registration::may_submit`], [`Registration::may_withdraw`]) and what it still lacks
//! ([`Registration::missing_for_submit`], everything at once). Submitting again, or from a
//! second tab, changes nothing more: the transition is a compare-and-set, and an already
//! submitted registration is simply returned.

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::registration::{Missing, Refusal, Registration, Status};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{registrations, uploads};
use serde_json::json;

use super::{AccessError, owned};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("not found")]
    NotFound,
    /// What still has to be done, in order.
    #[error("incomplete")]
    Incomplete(Vec<Missing>),
    /// Not submitted now: the window is closed or the status does not allow it.
    #[error("closed: {0:?}")]
    Closed(Refusal),
    /// Not withdrawn now.
    #[error("withdraw refused: {0:?}")]
    WithdrawRefused(Refusal),
    /// Someone changed the registration meanwhile.
    #[error("conflict")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AccessError> for SubmitError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => SubmitError::NotFound,
            AccessError::Store(e) => SubmitError::Store(e),
        }
    }
}

/// Writes `record`'s move to `next` with its audit row; `false` when someone changed it
/// first and nothing was written.
async fn change_status(
    app: &AppState,
    candidate: CandidateId,
    record: &Registration,
    next: Status,
    action: AuditAction,
) -> Result<bool, StoreError> {
    let now = app.clock.now();
    let (id, from, revision, form_revision) = (
        record.id,
        record.status,
        record.revision,
        record.form_revision,
    );
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                if !registrations::set_status(txn, id, from, next, revision, now).await? {
                    return Ok(false);
                }
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::Candidate(candidate),
                        action,
                        subject: Some(("registration", id.to_string())),
                        outcome: Outcome::Success,
                        ip: None,
                        details: json!({ "from": from.key(), "to": next.key(), "revision": revision + 1, "form_revision": form_revision }),
                    },
                )
                .await?;
                Ok(true)
            })
        })
        .await
}

fn moved(record: Registration, next: Status, app: &AppState) -> Registration {
    Registration {
        status: next,
        revision: record.revision + 1,
        updated_at: app.clock.now(),
        ..record
    }
}

pub async fn submit(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<Registration, SubmitError> {
    let (record, exam) = owned(app, candidate, no).await?;
    if record.status == Status::Submitted {
        return Ok(record);
    }
    let next = record
        .may_submit(&exam, app.clock.now())
        .map_err(SubmitError::Closed)?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let missing = record.missing_for_submit(&exam, &files);
    if !missing.is_empty() {
        return Err(SubmitError::Incomplete(missing));
    }
    if !change_status(
        app,
        candidate,
        &record,
        next,
        AuditAction::REGISTRATION_SUBMITTED,
    )
    .await?
    {
        // A second click or tab got there first: answer with what is there now.
        let current = registrations::find_by_no(app.store.conn(), &record.no).await?;
        return match current {
            Some(current) if current.status == Status::Submitted => Ok(current),
            _ => Err(SubmitError::Conflict),
        };
    }
    Ok(moved(record, next, app))
}

/// 撤回: back to the candidate while no decision has been made, and only while the
/// draft it becomes can still be submitted.
pub async fn withdraw(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<Registration, SubmitError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let next = record
        .may_withdraw(&exam, app.clock.now())
        .map_err(SubmitError::WithdrawRefused)?;
    if !change_status(
        app,
        candidate,
        &record,
        next,
        AuditAction::REGISTRATION_WITHDRAWN,
    )
    .await?
    {
        return Err(SubmitError::Conflict);
    }
    Ok(moved(record, next, app))
}
