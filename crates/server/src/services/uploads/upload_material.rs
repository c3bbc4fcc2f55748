//! 上传材料: one JPEG into one slot that applies to the registration.

use bytes::Bytes;
use examreg_domain::account::CandidateId;
use examreg_domain::exam::SlotId;
use examreg_domain::registration::{FormBarcode, UploadedFile};

use super::{Target, UploadError, check, editable, rules, store_file};
use crate::services::forms::{self, ScanVerdict};
use crate::state::AppState;

pub async fn upload_material(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    slot_id: &str,
    bytes: Bytes,
) -> Result<UploadedFile, UploadError> {
    let (record, exam) = editable(app, candidate, no).await?;
    let slot = exam
        .slot(slot_id)
        .ok_or_else(|| UploadError::UnknownSlot(slot_id.to_owned()))?;
    let facts = record.sections.applicant_facts(&exam);
    if slot.applies_to(&facts).is_none() {
        return Err(UploadError::NotApplicable {
            title: slot.title.clone(),
        });
    }
    let is_form = slot.id.as_str() == SlotId::FORM;
    let checked = check(app, bytes, rules(&exam.uploads.materials), is_form).await?;
    let barcode = if is_form {
        match forms::judge_barcode(&record, checked.barcode.as_deref()) {
            ScanVerdict::Current => Some(FormBarcode::Current),
            ScanVerdict::Unreadable => Some(FormBarcode::Unreadable),
            ScanVerdict::Stale { printed, current } => {
                return Err(UploadError::StaleForm { printed, current });
            }
            ScanVerdict::Foreign => return Err(UploadError::ForeignForm),
        }
    } else {
        None
    };
    let target = Target {
        slot: slot.id.as_str(),
        title: &slot.title,
        max_files: slot.max_files,
        replace_existing: false,
        barcode,
    };
    store_file(app, candidate, &record, target, checked).await
}
