//! Decisions on a registration: 报名确认 by the registration point (confirm, or return with
//! coded reasons) and 资格审核 by the exam area (qualify, or disqualify with reasons). A
//! decision names the revision it was made on: if the candidate changed something, or
//! another reviewer decided first, it is refused and nothing is written.

use examreg_domain::account::{Actor, StaffRole};
use examreg_domain::registration::lifecycle::{Event, transition};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations::{self, RegistrationRecord};
use serde_json::json;

use super::{Reviewer, case};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 报名确认通过.
    Confirm,
    /// 报名确认不通过 (reasons required).
    Return,
    /// 资格审核通过.
    Qualify,
    /// 资格审核不通过 (reasons required).
    Disqualify,
}

impl Decision {
    fn event(self) -> Event {
        match self {
            Decision::Confirm => Event::Confirm,
            Decision::Return => Event::Return,
            Decision::Qualify => Event::Qualify,
            Decision::Disqualify => Event::Disqualify,
        }
    }

    fn needs_reasons(self) -> bool {
        matches!(self, Decision::Return | Decision::Disqualify)
    }

    /// Who may take it: registration points confirm, the exam area qualifies; an
    /// administrator may do both.
    fn allowed(self, role: StaffRole) -> bool {
        match self {
            Decision::Confirm | Decision::Return => {
                matches!(role, StaffRole::PointReviewer | StaffRole::Admin)
            }
            Decision::Qualify | Decision::Disqualify => {
                matches!(role, StaffRole::AreaReviewer | StaffRole::Admin)
            }
        }
    }

    fn action(self) -> AuditAction {
        match self {
            Decision::Confirm => AuditAction::REVIEW_CONFIRMED,
            Decision::Return => AuditAction::REVIEW_RETURNED,
            Decision::Qualify => AuditAction::REVIEW_QUALIFIED,
            Decision::Disqualify => AuditAction::REVIEW_DISQUALIFIED,
        }
    }
}

/// One reason as the reviewer gave it.
#[derive(Debug, Clone)]
pub struct ReasonInput {
    pub code: String,
    pub slot: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Reasons to fix: (field, message).
    #[error("invalid")]
    Invalid(Vec<(String, String)>),
    /// The registration is not waiting for this decision.
    #[error("wrong status: {0}")]
    WrongStatus(String),
    /// It changed since the reviewer looked at it.
    #[error("stale revision")]
    Stale { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn decide(
    app: &AppState,
    reviewer: &Reviewer,
    no: &str,
    decision: Decision,
    reasons: Vec<ReasonInput>,
    revision: i32,
) -> Result<RegistrationRecord, ReviewError> {
    if !decision.allowed(reviewer.role) {
        return Err(ReviewError::Forbidden);
    }
    let (record, exam) = case(app, reviewer, no)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let next = transition(record.status, decision.event())
        .map_err(|e| ReviewError::WrongStatus(e.to_string()))?;
    if revision != record.revision {
        return Err(ReviewError::Stale {
            current: record.revision,
        });
    }
    let mut problems = Vec::new();
    if decision.needs_reasons() && reasons.is_empty() {
        problems.push((
            "reasons".to_owned(),
            "不通过时请至少选择一个原因".to_owned(),
        ));
    }
    let mut stored = Vec::new();
    for (i, reason) in reasons.iter().enumerate() {
        let Some(known) = exam.return_reason(&reason.code) else {
            problems.push((
                format!("reasons[{i}].code"),
                format!("没有原因代码 {}", reason.code),
            ));
            continue;
        };
        if let Some(slot) = &reason.slot
            && exam.slot(slot).is_none()
        {
            problems.push((format!("reasons[{i}].slot"), format!("没有材料框 {slot}")));
        }
        let note = reason.note.as_deref().map(str::trim).unwrap_or_default();
        if note.chars().count() > 200 || note.chars().any(char::is_control) {
            problems.push((
                format!("reasons[{i}].note"),
                "备注不能超过 200 个字，且不能包含控制字符".to_owned(),
            ));
        }
        stored.push(
            json!({ "code": known.code, "text": known.text, "slot": reason.slot, "note": note }),
        );
    }
    if !problems.is_empty() {
        return Err(ReviewError::Invalid(problems));
    }
    let files = examreg_store::uploads::list_for_registration(app.store.conn(), record.id).await?;
    let snapshot = super::changes::snapshot(&record, &files);
    let now = app.clock.now();
    let txn = app.store.write().await?;
    let won = registrations::decide(
        &*txn,
        record.id,
        record.status,
        next,
        record.revision,
        json!(stored),
        now,
    )
    .await?;
    if !won {
        drop(txn);
        let current = registrations::find_by_no(app.store.conn(), &record.no)
            .await?
            .map_or(record.revision, |r| r.revision);
        return Err(ReviewError::Stale { current });
    }
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Staff(reviewer.id),
            action: decision.action(),
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "from": record.status.key(), "to": next.key(), "revision": record.revision, "reasons": stored, "snapshot": snapshot }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RegistrationRecord {
        status: next,
        revision: record.revision + 1,
        return_reasons: json!(stored),
        updated_at: now,
        ..record
    })
}
