//! Staff review: the queue of a reviewer's scope, the case, and 报名确认.

pub mod confirmation;

use examreg_domain::account::{StaffRole, StaffScope};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::RegistrationNo;
use examreg_store::StoreError;
use examreg_store::registrations::{self, QueueFilter, RegistrationRecord};

use crate::state::AppState;

/// Who is reviewing: what they may do and see.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: examreg_domain::account::StaffId,
    pub role: StaffRole,
    pub scope: StaffScope,
}

/// The registration, if it exists and the reviewer's scope covers it; anything else is
/// "not found", so that a reviewer learns nothing about other points' registrations.
pub async fn case(
    app: &AppState,
    reviewer: &Reviewer,
    no: &str,
) -> Result<Option<(RegistrationRecord, ExamDefinition)>, StoreError> {
    let Ok(no) = RegistrationNo::parse(no) else {
        return Ok(None);
    };
    let Some(record) = registrations::find_by_no(app.store.conn(), &no).await? else {
        return Ok(None);
    };
    let point = record
        .sections
        .exam
        .as_ref()
        .map(|e| e.point.as_str())
        .unwrap_or_default();
    if !reviewer.scope.covers(point) {
        return Ok(None);
    }
    let Some(exam) = app.exams.get(&record.exam_id) else {
        return Ok(None);
    };
    Ok(Some((record, exam.clone())))
}

/// The reviewer's queue: only registrations of their points (or the whole area).
pub async fn queue(
    app: &AppState,
    reviewer: &Reviewer,
    mut filter: QueueFilter,
) -> Result<Vec<RegistrationRecord>, StoreError> {
    filter.points = match &reviewer.scope {
        StaffScope::Points(points) => Some(points.clone()),
        StaffScope::Area => None,
    };
    filter.per_page = filter.per_page.clamp(1, 100);
    registrations::queue(app.store.conn(), &filter).await
}
