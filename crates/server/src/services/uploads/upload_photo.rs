//! 上传照片: the registration photo, replacing an earlier one; it must then be confirmed.

use bytes::Bytes;
use examreg_domain::account::CandidateId;
use examreg_domain::registration::{PHOTO_SLOT, UploadedFile};

use super::{Target, UploadError, check, editable, rules, store_file};
use crate::state::AppState;

pub async fn upload_photo(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    bytes: Bytes,
) -> Result<UploadedFile, UploadError> {
    let (record, exam) = editable(app, candidate, no).await?;
    let checked = check(app, bytes, rules(&exam.uploads.photo), false).await?;
    let target = Target {
        slot: PHOTO_SLOT,
        title: "报名照片",
        max_files: 1,
        replace_existing: true,
        barcode: None,
    };
    store_file(app, candidate, &record, target, checked).await
}
