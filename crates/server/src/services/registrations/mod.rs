//! The registration: starting one, filling its sections, reading it back.

pub mod save_section;
pub mod start_registration;
pub mod submit;
pub mod view;

use examreg_domain::account::CandidateId;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{Registration, RegistrationNo};
use examreg_store::StoreError;
use examreg_store::registrations;

use crate::state::AppState;

/// Why a registration cannot be read or changed by this candidate.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No such registration, or someone else's: the same answer for both.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The candidate's own registration and its exam.
pub async fn owned(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(Registration, ExamDefinition), AccessError> {
    let no = RegistrationNo::parse(no).map_err(|_| AccessError::NotFound)?;
    let record = registrations::find_by_no(app.store.conn(), &no)
        .await?
        .ok_or(AccessError::NotFound)?;
    if record.candidate_id != candidate {
        return Err(AccessError::NotFound);
    }
    let exam = app
        .exams
        .get(&record.exam_id)
        .ok_or(AccessError::NotFound)?
        .clone();
    Ok((record, exam))
}
