//! The candidate has looked at the photo and confirms it (上传照片 turns green).

use examreg_domain::account::CandidateId;
use examreg_domain::registration::PHOTO_SLOT;
use examreg_store::{registrations, uploads};

use super::{UploadError, editable};
use crate::state::AppState;

pub async fn confirm_photo(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(), UploadError> {
    let (record, _) = editable(app, candidate, no).await?;
    let has_photo = uploads::count_in_slot(app.store.conn(), record.id, PHOTO_SLOT).await? > 0;
    if !has_photo {
        return Err(UploadError::NoPhoto);
    }
    let now = app.clock.now();
    let txn = app.store.write().await?;
    registrations::set_milestones(
        &*txn,
        record.id,
        Some(now),
        record.materials_completed_at,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
