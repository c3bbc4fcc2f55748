//! 🗑: removes one of the candidate's files.

use examreg_domain::account::{Actor, CandidateId};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{registrations, uploads};
use serde_json::json;
use uuid::Uuid;

use super::{UploadError, editable, remove_stored};
use crate::state::AppState;

pub async fn delete_file(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    file: Uuid,
) -> Result<(), UploadError> {
    let (record, _) = editable(app, candidate, no).await?;
    let upload = uploads::find(app.store.conn(), file)
        .await?
        .filter(|u| u.registration_id == record.id);
    let upload = upload.ok_or(UploadError::NotFound)?;
    let now = app.clock.now();
    let txn = app.store.write().await?;
    registrations::lock(&*txn, record.id).await?;
    uploads::delete(&*txn, upload.id).await?;
    let (photo, materials) = record.milestones_after_change(&upload.slot);
    registrations::set_milestones(&*txn, record.id, photo, materials, now).await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::FILE_DELETED,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "slot": upload.slot, "file": upload.id }),
        },
    )
    .await?;
    txn.commit().await?;
    // The row is gone; the bytes follow (or orphan collection takes them).
    remove_stored(app, &upload.storage_key).await;
    Ok(())
}
