//! Which material slots apply to a registration, with their files.

use examreg_domain::account::CandidateId;
use examreg_domain::exam::{ExamDefinition, SlotDefinition};
use examreg_store::registrations::RegistrationRecord;
use examreg_store::uploads::{self, UploadRecord};

use crate::services::registrations::{AccessError, owned};
use crate::state::AppState;

/// A slot as it applies to one registration.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub slot: SlotDefinition,
    pub required: bool,
    pub files: Vec<UploadRecord>,
}

/// The applicable slots in catalog order, each with its files.
pub(crate) fn evaluate(
    exam: &ExamDefinition,
    record: &RegistrationRecord,
    files: Vec<UploadRecord>,
) -> Vec<SlotView> {
    let facts = record.sections.applicant_facts(exam);
    exam.slots
        .iter()
        .filter_map(|slot| slot.applies_to(&facts))
        .map(|status| SlotView {
            slot: status.slot.clone(),
            required: status.required,
            files: files
                .iter()
                .filter(|f| f.slot == status.slot.id.as_str())
                .cloned()
                .collect(),
        })
        .collect()
}

pub async fn slots(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(RegistrationRecord, ExamDefinition, Vec<SlotView>), AccessError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let views = evaluate(&exam, &record, files);
    Ok((record, exam, views))
}
