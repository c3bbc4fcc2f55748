//! The bytes of a stored image, for its candidate or for a reviewer whose scope covers the
//! registration, as the original or as a thumbnail.

use bytes::Bytes;
use examreg_documents::jpeg;
use examreg_domain::account::CandidateId;
use examreg_domain::registration::UploadedFile;
use examreg_store::uploads;
use uuid::Uuid;

use super::{UploadError, thumbnail_key};
use crate::services::registrations::owned;
use crate::state::AppState;

/// Which rendering of a stored image to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    /// At most [`THUMBNAIL_SIDE`] pixels on the longer side.
    Thumbnail,
}

/// The longer side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;

/// The bytes of one of the candidate's own files.
pub async fn own_file(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    file: Uuid,
    variant: Variant,
) -> Result<(UploadedFile, Bytes), UploadError> {
    let (record, _) = owned(app, candidate, no).await?;
    let upload = uploads::find(app.store.conn(), file)
        .await?
        .filter(|u| u.registration_id == record.id);
    let upload = upload.ok_or(UploadError::NotFound)?;
    let bytes = bytes_of(app, &upload, variant).await?;
    Ok((upload, bytes))
}

/// The bytes of a file of a registration the reviewer's scope covers.
pub async fn file_for_reviewer(
    app: &AppState,
    reviewer: &crate::services::review::Reviewer,
    no: &str,
    file: Uuid,
    variant: Variant,
) -> Result<(UploadedFile, Bytes), UploadError> {
    let (record, _) = crate::services::review::case(app, reviewer, no)
        .await?
        .ok_or(UploadError::NotFound)?;
    let upload = uploads::find(app.store.conn(), file)
        .await?
        .filter(|u| u.registration_id == record.id);
    let upload = upload.ok_or(UploadError::NotFound)?;
    let bytes = bytes_of(app, &upload, variant).await?;
    Ok((upload, bytes))
}

/// The bytes of `upload` in `variant`. A thumbnail is made on first request (off the
/// runtime, bounded like every decode) and kept beside the original; losing it costs only
/// its remaking, so its write is not waited on for durability.
async fn bytes_of(
    app: &AppState,
    upload: &UploadedFile,
    variant: Variant,
) -> Result<Bytes, UploadError> {
    if variant == Variant::Original {
        return Ok(app.files.get(&upload.storage_key).await?);
    }
    let key = thumbnail_key(&upload.storage_key);
    if let Some(bytes) = app.files.get_if_exists(&key).await? {
        return Ok(bytes);
    }
    let original = app.files.get(&upload.storage_key).await?;
    let task = |e: tokio::sync::AcquireError| UploadError::Task(e.to_string());
    let ticket = app.heavy_work.admit()?;
    // At most a colour decode: about three times the grey one.
    let _memory = app
        .decode_memory
        .acquire_many(super::memory_permits(
            app,
            jpeg::decode_memory(&original) * 3,
        ))
        .await
        .map_err(task)?;
    let _cpu = app.heavy_work.run(ticket).await?;
    let thumb = tokio::task::spawn_blocking(move || jpeg::thumbnail(&original, THUMBNAIL_SIDE))
        .await
        .map_err(|e| UploadError::Task(e.to_string()))??;
    let thumb = Bytes::from(thumb);
    if let Err(err) = app.files.put_durable(&key, thumb.clone()).await {
        tracing::warn!(%key, error = %err, "thumbnail not kept; it will be made again");
    }
    Ok(thumb)
}
