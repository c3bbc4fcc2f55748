//! What candidates read: one read service per screen, shared by the page and the API.
//! The registration decides what is shown (steps, to-do list, which decisions are visible
//! yet); these functions load what it needs in as few queries as they can.

use examreg_domain::account::CandidateId;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{
    DecisionKind, Eligibility, Registration, Todo, UploadedFile, decision_visible_to_candidate,
    evaluate,
};
use examreg_store::audit::{self, AuditAction};
use examreg_store::{StoreError, candidates, registrations, uploads};

use super::{AccessError, owned};
use crate::state::AppState;

/// A to-do of one of the candidate's registrations.
#[derive(Debug, Clone)]
pub struct TodoItem {
    pub todo: Todo,
    pub exam_title: String,
    pub registration_no: String,
}

/// The frame of every page of a signed-in candidate: their name and their to-do list
/// across all their registrations.
#[derive(Debug, Clone, Default)]
pub struct CandidateFrame {
    pub name: Option<String>,
    pub todos: Vec<TodoItem>,
}

/// The frame, in four queries whatever the number of registrations: the account, the
/// registrations, their latest decisions, their files.
pub async fn candidate_frame(
    app: &AppState,
    candidate: CandidateId,
) -> Result<CandidateFrame, StoreError> {
    let db = app.store.conn();
    let name = candidates::get(db, candidate).await?.map(|a| a.name);
    let mine = registrations::list_for_candidate(db, candidate).await?;
    let ids: Vec<_> = mine.iter().map(|r| r.id).collect();
    let files = uploads::list_for_registrations(db, &ids).await?;
    let now = app.clock.now();
    let mut todos = Vec::new();
    for registration in &mine {
        let Some(exam) = app.exams.get(&registration.exam_id) else {
            continue;
        };
        let own: Vec<UploadedFile> = files
            .iter()
            .filter(|f| f.registration_id == registration.id)
            .cloned()
            .collect();
        let seen = registration.as_seen_by_candidate(exam, now);
        todos.extend(
            seen.todos(exam, &own, now)
                .into_iter()
                .map(|todo| TodoItem {
                    todo,
                    exam_title: exam.title.clone(),
                    registration_no: registration.no.to_string(),
                }),
        );
    }
    Ok(CandidateFrame { name, todos })
}

/// The candidate's registrations, as they may see them now.
pub async fn my_registrations(
    app: &AppState,
    candidate: CandidateId,
) -> Result<Vec<Registration>, StoreError> {
    let now = app.clock.now();
    Ok(
        registrations::list_for_candidate(app.store.conn(), candidate)
            .await?
            .into_iter()
            .map(|r| match app.exams.get(&r.exam_id) {
                Some(exam) => r.as_seen_by_candidate(exam, now),
                None => r,
            })
            .collect(),
    )
}

/// One registration as its candidate sees it, with what its screens show.
#[derive(Debug, Clone)]
pub struct RegistrationScreen {
    /// As the candidate may see it now (a qualification result only once published).
    pub registration: Registration,
    pub exam: ExamDefinition,
    pub files: Vec<UploadedFile>,
    pub eligibility: Eligibility,
}

/// The candidate's own registration `no` (404 for anyone else's).
pub async fn registration_screen(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<RegistrationScreen, AccessError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    Ok(screen(app, record, exam, files))
}

/// The screen of `record` after a change the caller made (no reload).
pub fn screen(
    app: &AppState,
    record: Registration,
    exam: ExamDefinition,
    files: Vec<UploadedFile>,
) -> RegistrationScreen {
    let registration = record.as_seen_by_candidate(&exam, app.clock.now());
    let eligibility = evaluate(&exam, &registration.sections);
    RegistrationScreen {
        registration,
        exam,
        files,
        eligibility,
    }
}

/// One entry of a registration's history as its candidate may see it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub at: time::OffsetDateTime,
    /// The audit action, e.g. `registration.submitted`.
    pub action: String,
    /// `candidate`, `staff` or `system`: which staff member decided is not the
    /// candidate's business, that staff did is.
    pub by: String,
    pub details: serde_json::Value,
}

/// The decision an audit action records, if it is one.
fn decision_of(action: &str) -> Option<DecisionKind> {
    [
        (AuditAction::REVIEW_CONFIRMED, DecisionKind::Confirm),
        (AuditAction::REVIEW_RETURNED, DecisionKind::Return),
        (AuditAction::REVIEW_QUALIFIED, DecisionKind::Qualify),
        (AuditAction::REVIEW_DISQUALIFIED, DecisionKind::Disqualify),
    ]
    .into_iter()
    .find(|(a, _)| a.0 == action)
    .map(|(_, kind)| kind)
}

/// The registration's audit trail, without the decisions the candidate may not see yet.
pub async fn history(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<Vec<HistoryEntry>, AccessError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let now = app.clock.now();
    let rows = audit::for_subject(app.store.conn(), "registration", &record.id.to_string()).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            decision_of(&r.action)
                .is_none_or(|kind| decision_visible_to_candidate(kind, &exam, now))
        })
        .map(|r| HistoryEntry {
            at: r.at,
            action: r.action,
            by: r.actor_kind,
            details: r.details,
        })
        .collect())
}
