//! 上传全部证明材料: every required slot has a file, and there is at least one material.

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::registration::{MaterialsIncomplete, Refusal};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, registrations, uploads};
use serde_json::json;

use super::{UploadError, editable};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CompleteError {
    #[error("not found")]
    NotFound,
    #[error("closed: {0:?}")]
    Closed(Refusal),
    /// Required slots without files, or no material at all.
    #[error("missing")]
    Missing(MaterialsIncomplete),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<UploadError> for CompleteError {
    fn from(err: UploadError) -> Self {
        match err {
            UploadError::NotFound => CompleteError::NotFound,
            UploadError::Closed(refusal) => CompleteError::Closed(refusal),
            UploadError::Store(e) => CompleteError::Store(e),
            other => CompleteError::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}

pub async fn complete_materials(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(), CompleteError> {
    let (record, exam) = editable(app, candidate, no).await?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    if let Some(incomplete) = record.materials_incomplete(&exam, &files) {
        return Err(CompleteError::Missing(incomplete));
    }
    let now = app.clock.now();
    let txn = app.store.write().await?;
    registrations::set_milestones(&*txn, record.id, record.photo_confirmed_at, Some(now), now)
        .await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::MATERIALS_COMPLETED,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
