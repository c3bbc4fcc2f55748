//! 提交报名信息 and 撤回.
//!
//! Submission needs every section, a confirmed photo, completed materials, a signed form
//! uploaded since the last change of printed data, an open window (the registration
//! window for a draft, the resubmit deadline for a returned registration), and — when
//! the exam definition says so — a passing eligibility pre-check. The answer lists
//! everything that is missing at once. Submitting again, or from a second tab, changes
//! nothing more: the transition is a compare-and-set, and an already submitted
//! registration is simply returned.

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::registration::lifecycle::{Event, transition};
use examreg_domain::registration::{Status, Verdict, evaluate};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations::{self, RegistrationRecord};
use examreg_store::uploads::{self, PHOTO_SLOT};
use serde_json::json;

use super::{AccessError, owned};
use crate::format::date_time;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("not found")]
    NotFound,
    /// What still has to be done: (field key, Chinese message).
    #[error("incomplete")]
    Incomplete(Vec<(String, String)>),
    /// The window is closed or the status does not allow it; the message says which.
    #[error("closed: {0}")]
    Closed(String),
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

pub async fn submit(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<RegistrationRecord, SubmitError> {
    let (record, exam) = owned(app, candidate, no).await?;
    if record.status == Status::Submitted {
        return Ok(record);
    }
    let next =
        transition(record.status, Event::Submit).map_err(|e| SubmitError::Closed(e.to_string()))?;
    let now = app.clock.now();
    let calendar = &exam.calendar;
    match record.status {
        Status::Returned if now >= calendar.resubmit_deadline => {
            return Err(SubmitError::Closed(format!(
                "退回修改后重新提交的截止时间为 {}，已过截止时间",
                date_time(calendar.resubmit_deadline)
            )));
        }
        Status::Draft if !calendar.registration.contains(now) => {
            return Err(SubmitError::Closed(format!(
                "网上报名时间为 {} 至 {}，现在不能提交",
                date_time(calendar.registration.opens),
                date_time(calendar.registration.closes)
            )));
        }
        _ => {}
    }

    let mut missing = Vec::new();
    for section in record.sections.missing() {
        missing.push((
            format!("sections.{}", section.key()),
            format!("请填写“{}”", section.label()),
        ));
    }
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    if !files.iter().any(|f| f.slot == PHOTO_SLOT) {
        missing.push(("photo".into(), "请上传报名照片".into()));
    } else if record.photo_confirmed_at.is_none() {
        missing.push(("photo".into(), "请确认报名照片".into()));
    }
    if record.materials_completed_at.is_none() {
        missing.push((
            "materials".into(),
            "请上传材料并点击“上传全部证明材料”".into(),
        ));
    }
    let forms: Vec<_> = files
        .iter()
        .filter(|f| f.slot == examreg_domain::exam::SlotId::FORM)
        .collect();
    if forms.is_empty() {
        missing.push(("form".into(), "请上传签字盖章后的《申请表》".into()));
    } else if !forms
        .iter()
        .any(|f| f.form_revision == Some(record.form_revision))
    {
        missing.push((
            "form".into(),
            format!(
                "报名信息在上传《申请表》之后修改过，当前为第 {} 版：请重新打印《申请表》，签字盖章后重新上传",
                record.form_revision
            ),
        ));
    }
    if exam.eligibility.blocks_submission {
        let eligibility = evaluate(&exam, &record.sections);
        if eligibility.verdict == Verdict::NotEligible {
            missing.push((
                "eligibility".into(),
                format!("不符合报考条件：{}", eligibility.reasons.join("；")),
            ));
        }
    }
    if !missing.is_empty() {
        return Err(SubmitError::Incomplete(missing));
    }

    let txn = app.store.write().await?;
    if !registrations::set_status(&*txn, record.id, record.status, next, record.revision, now)
        .await?
    {
        drop(txn);
        // A second click or tab got there first: answer with what is there now.
        let current = registrations::find_by_no(app.store.conn(), &record.no).await?;
        return match current {
            Some(current) if current.status == Status::Submitted => Ok(current),
            _ => Err(SubmitError::Conflict),
        };
    }
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::REGISTRATION_SUBMITTED,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "from": record.status.key(), "to": next.key(), "revision": record.revision + 1, "form_revision": record.form_revision }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RegistrationRecord {
        status: next,
        revision: record.revision + 1,
        updated_at: now,
        ..record
    })
}

/// 撤回: back to the candidate while no decision has been made.
pub async fn withdraw(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<RegistrationRecord, SubmitError> {
    let (record, _) = owned(app, candidate, no).await?;
    let next = transition(record.status, Event::Withdraw)
        .map_err(|e| SubmitError::Closed(e.to_string()))?;
    let now = app.clock.now();
    let txn = app.store.write().await?;
    if !registrations::set_status(&*txn, record.id, record.status, next, record.revision, now)
        .await?
    {
        return Err(SubmitError::Conflict);
    }
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::REGISTRATION_WITHDRAWN,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "from": record.status.key(), "to": next.key(), "revision": record.revision + 1 }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RegistrationRecord {
        status: next,
        revision: record.revision + 1,
        updated_at: now,
        ..record
    })
}
