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
    let info = check(app, bytes.clone(), rules(&exam.uploads.materials)).await?;
    let barcode = if slot.id.as_str() == SlotId::FORM {
        match forms::judge_scan(app, &record, bytes.clone()).await {
            Ok(ScanVerdict::Current) => Some(FormBarcode::Current),
            Ok(ScanVerdict::Unreadable) => Some(FormBarcode::Unreadable),
            Ok(ScanVerdict::Stale { printed, current }) => {
                return Err(UploadError::StaleForm { printed, current });
            }
            Ok(ScanVerdict::Foreign) => return Err(UploadError::ForeignForm),
            Err(e) => return Err(UploadError::Task(e.to_string())),
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
    store_file(app, candidate, &record, target, bytes, info).await
}
