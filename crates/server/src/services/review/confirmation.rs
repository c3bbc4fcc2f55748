//! Decisions on a registration: 报名确认 by the registration point (confirm, or return with
//! coded reasons), 资格审核 by the exam area (qualify, or disqualify with reasons), and the
//! area's decision on a registration a point left at the confirmation close. The
//! registration says who may decide what, and until when; a decision names the revision
//! it was made on: if the candidate changed something, or another reviewer decided first,
//! it is refused and nothing is written.

use examreg_domain::account::Actor;
use examreg_domain::registration::{
    Decision, DecisionKind, DecisionReason, Refusal, Registration, Status,
};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{decisions, registrations, uploads};
use serde_json::json;

use super::{Reviewer, case};
use crate::services::notify::{self, Notice};
use crate::state::AppState;

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
    /// Not this reviewer, not in this status, or not now.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// Reasons to fix: (field, message).
    #[error("invalid")]
    Invalid(Vec<(String, String)>),
    /// It changed since the reviewer looked at it.
    #[error("stale revision")]
    Stale { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn audit_action(kind: DecisionKind) -> AuditAction {
    match kind {
        DecisionKind::Confirm => AuditAction::REVIEW_CONFIRMED,
        DecisionKind::Return => AuditAction::REVIEW_RETURNED,
        DecisionKind::Qualify => AuditAction::REVIEW_QUALIFIED,
        DecisionKind::Disqualify => AuditAction::REVIEW_DISQUALIFIED,
    }
}

/// The reasons as the exam defines them, or every one that is wrong.
fn checked_reasons(
    exam: &examreg_domain::exam::ExamDefinition,
    kind: DecisionKind,
    reasons: &[ReasonInput],
) -> Result<Vec<DecisionReason>, ReviewError> {
    let mut problems = Vec::new();
    if kind.needs_reasons() && reasons.is_empty() {
        problems.push((
            "reasons".to_owned(),
            "不通过时请至少选择一个原因".to_owned(),
        ));
    }
    let mut checked = Vec::new();
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
        checked.push(DecisionReason {
            code: known.code.clone(),
            text: known.text.clone(),
            slot: reason.slot.clone(),
            note: note.to_owned(),
        });
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(ReviewError::Invalid(problems))
    }
}

pub async fn decide(
    app: &AppState,
    reviewer: &Reviewer,
    no: &str,
    kind: DecisionKind,
    reasons: Vec<ReasonInput>,
    revision: i32,
) -> Result<Registration, ReviewError> {
    let now = app.clock.now();
    let (record, exam) = match case(app, reviewer, no).await? {
        Some(found) => found,
        // Out of scope reads as absent; a role that never takes this decision hears so.
        None if !kind.ever_decided_by(reviewer.role) => {
            return Err(ReviewError::Refused(Refusal::Role {
                role: reviewer.role,
                kind,
                status: Status::Submitted,
            }));
        }
        None => return Err(ReviewError::NotFound),
    };
    let next = record
        .may_decide(kind, reviewer.role, &exam, now)
        .map_err(ReviewError::Refused)?;
    if revision != record.revision {
        return Err(ReviewError::Stale {
            current: record.revision,
        });
    }
    let reasons = checked_reasons(&exam, kind, &reasons)?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let snapshot = super::changes::snapshot(&record, &files);
    let decision = Decision {
        kind,
        from: record.status,
        reasons,
        staff: reviewer.id,
        revision: record.revision,
        at: now,
    };
    let txn = app.store.write().await?;
    let won =
        registrations::set_status(&*txn, record.id, record.status, next, record.revision, now)
            .await?;
    if !won {
        drop(txn);
        let current = registrations::find_by_no(app.store.conn(), &record.no)
            .await?
            .map_or(record.revision, |r| r.revision);
        return Err(ReviewError::Stale { current });
    }
    decisions::record(&*txn, record.id, &decision, snapshot).await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Staff(reviewer.id),
            action: audit_action(kind),
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "from": record.status.key(), "to": next.key(), "revision": record.revision, "reasons": decision.reasons }),
        },
    )
    .await?;
    let lines: Vec<String> = decision.reasons.iter().map(DecisionReason::line).collect();
    let notice = match kind {
        DecisionKind::Confirm => Notice::Confirmed,
        DecisionKind::Return => Notice::Returned { reasons: &lines },
        DecisionKind::Qualify | DecisionKind::Disqualify => Notice::Qualification {
            qualified: kind == DecisionKind::Qualify,
            reasons: &lines,
        },
    };
    notify::registration_changed(&txn, &exam, &record, notice, now).await?;
    txn.commit().await?;
    Ok(Registration {
        status: next,
        revision: record.revision + 1,
        updated_at: now,
        last_decision: Some(decision),
        ..record
    })
}
