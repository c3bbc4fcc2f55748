//! 上传照片 and 上传材料, one use case per file: which slots apply, storing files
//! durably, the milestones, serving the bytes back.
//!
//! Order of an upload: check the bytes (off the runtime, bounded) → write the file and
//! fsync it → in one transaction (the registration locked): re-check the slot's limit and
//! duplicates, insert the row, write the audit row → answer. A crash before the commit
//! leaves a file without a row, which [`collect_orphans`] removes an hour later (a job);
//! a committed row always has its bytes.

mod collect_orphans;
mod complete_materials;
mod confirm_photo;
mod delete_file;
mod read_file;
pub(crate) mod slots;
mod upload_material;
mod upload_photo;

pub use collect_orphans::collect_orphans;
pub use complete_materials::{CompleteError, complete_materials};
pub use confirm_photo::confirm_photo;
pub use delete_file::delete_file;
pub use read_file::{THUMBNAIL_SIDE, Variant, file_for_reviewer, own_file};
pub use slots::slots;
pub use upload_material::upload_material;
pub use upload_photo::upload_photo;

use bytes::Bytes;
use examreg_documents::jpeg::{self, ImageRules, JpegError};
use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::exam::{ExamDefinition, ImageLimits};
use examreg_domain::registration::{FormBarcode, Refusal, Registration, UploadedFile};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{registrations, uploads};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::registrations::{AccessError, owned};
use crate::admission::Saturated;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("not found")]
    NotFound,
    /// The slot id is not in this exam's catalog.
    #[error("unknown slot")]
    UnknownSlot(String),
    /// The slot exists but does not apply to this registration.
    #[error("slot does not apply")]
    NotApplicable { title: String },
    /// The registration's files may not change now (window or status).
    #[error("closed: {0:?}")]
    Closed(Refusal),
    /// The photo is confirmed before one was uploaded.
    #[error("no photo")]
    NoPhoto,
    #[error("slot full")]
    Full { title: String, max: u8 },
    #[error("duplicate")]
    Duplicate { slot: String },
    /// A signed form whose barcode names an older revision.
    #[error("stale form")]
    StaleForm { printed: u32, current: i32 },
    /// A signed form of another registration (or of a revision never printed).
    #[error("foreign form")]
    ForeignForm,
    #[error("rejected: {0}")]
    Rejected(#[from] JpegError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Image work is saturated: try again shortly.
    #[error(transparent)]
    Busy(#[from] Saturated),
    #[error("task failed: {0}")]
    Task(String),
}

impl From<AccessError> for UploadError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => UploadError::NotFound,
            AccessError::Store(e) => UploadError::Store(e),
        }
    }
}

fn rules(limits: &ImageLimits) -> ImageRules {
    ImageRules {
        min_bytes: limits.min_bytes,
        max_bytes: limits.max_bytes,
        min_width: limits.min_width,
        min_height: limits.min_height,
        max_width: limits.max_width,
        max_height: limits.max_height,
        max_pixels: limits.max_pixels,
        max_scans: 64,
    }
}

/// The registration, if its files may change now.
async fn editable(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(Registration, ExamDefinition), UploadError> {
    let (record, exam) = owned(app, candidate, no).await?;
    record
        .may_edit(&exam, app.clock.now())
        .map_err(UploadError::Closed)?;
    Ok((record, exam))
}

/// An upload that passed the check.
struct Checked {
    /// The bytes as they are kept: the same picture without its metadata.
    bytes: Bytes,
    info: jpeg::JpegInfo,
    /// For a form scan: the text of the barcode read from it, if any.
    barcode: Option<String>,
}

/// Permits of `app.decode_memory` (MiB) for work on an image that takes `bytes` bytes at
/// its peak (as its header says); never more than all of them.
pub(crate) fn memory_permits(app: &AppState, bytes: u64) -> u32 {
    let mib = bytes.div_ceil(1 << 20).max(1);
    u32::try_from(mib)
        .unwrap_or(u32::MAX)
        .min(app.config.decode_memory_mb.max(1))
}

/// Checks the bytes off the async runtime: at most one check per core and no more decode
/// memory than configured at a time. The check walks the coded data without making
/// pixels; only a form scan is decoded, for its barcode.
async fn check(
    app: &AppState,
    bytes: Bytes,
    rules: ImageRules,
    read_barcode: bool,
) -> Result<Checked, UploadError> {
    let task = |e: tokio::sync::AcquireError| UploadError::Task(e.to_string());
    let ticket = app.heavy_work.admit()?;
    let _memory = app
        .decode_memory
        .acquire_many(memory_permits(
            app,
            if read_barcode {
                jpeg::decode_memory(&bytes)
            } else {
                jpeg::check_memory(&bytes)
            },
        ))
        .await
        .map_err(task)?;
    let _cpu = app.heavy_work.run(ticket).await?;
    let (info, kept, barcode) = tokio::task::spawn_blocking(move || {
        let (info, barcode) = if read_barcode {
            let (info, luma) = jpeg::inspect_keeping_luma(&bytes, &rules)?;
            let barcode =
                examreg_documents::form::decode_code128(&luma, info.width, info.height).ok();
            (info, barcode)
        } else {
            (jpeg::inspect(&bytes, &rules)?, None)
        };
        Ok::<_, JpegError>((info, jpeg::strip_metadata(&bytes), barcode))
    })
    .await
    .map_err(|e| UploadError::Task(e.to_string()))??;
    Ok(Checked {
        info: jpeg::JpegInfo {
            bytes: kept.len() as u64,
            ..info
        },
        bytes: Bytes::from(kept),
        barcode,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a file goes and what it may displace.
struct Target<'a> {
    slot: &'a str,
    title: &'a str,
    max_files: u8,
    /// The photo replaces the one before; materials fill up to `max_files`.
    replace_existing: bool,
    barcode: Option<FormBarcode>,
}

/// Stores one file into a slot of the registration (materials or the photo).
async fn store_file(
    app: &AppState,
    candidate: CandidateId,
    record: &Registration,
    target: Target<'_>,
    checked: Checked,
) -> Result<UploadedFile, UploadError> {
    let Checked { bytes, info, .. } = checked;
    let Target {
        slot,
        title,
        max_files,
        replace_existing,
        barcode,
    } = target;
    let db = app.store.conn();
    let sha256 = sha256_hex(&bytes);
    if uploads::find_by_sha256(db, record.id, &sha256)
        .await?
        .is_some()
    {
        return Err(UploadError::Duplicate {
            slot: slot.to_owned(),
        });
    }
    if !replace_existing
        && uploads::count_in_slot(db, record.id, slot).await? >= u64::from(max_files)
    {
        return Err(UploadError::Full {
            title: title.to_owned(),
            max: max_files,
        });
    }
    let id = Uuid::new_v4();
    let key = format!("registrations/{}/{id}.jpg", record.id);
    app.files.put_durable(&key, bytes).await?;

    let now = app.clock.now();
    let upload = UploadedFile {
        id,
        registration_id: record.id,
        slot: slot.to_owned(),
        sha256,
        size: info.bytes,
        width: info.width,
        height: info.height,
        storage_key: key.clone(),
        created_at: now,
        form_revision: Some(record.form_revision),
        barcode,
    };
    let (photo, materials) = record.milestones_after_change(slot);
    let outcome: Result<Vec<String>, UploadError> = app
        .store
        .transaction({
            let (registration, upload) = (record.id, upload.clone());
            let (slot, title) = (slot.to_owned(), title.to_owned());
            move |txn| {
                Box::pin(async move {
                    registrations::lock(txn, registration).await?;
                    // The checks again, now that no other upload to this registration can
                    // interleave.
                    if uploads::find_by_sha256(txn, registration, &upload.sha256)
                        .await?
                        .is_some()
                    {
                        return Err(UploadError::Duplicate { slot });
                    }
                    let mut replaced = Vec::new();
                    if replace_existing {
                        for old in uploads::list_for_registration(txn, registration)
                            .await?
                            .into_iter()
                            .filter(|u| u.slot == slot)
                        {
                            uploads::delete(txn, old.id).await?;
                            replaced.push(old.storage_key);
                        }
                    } else if uploads::count_in_slot(txn, registration, &slot).await?
                        >= u64::from(max_files)
                    {
                        return Err(UploadError::Full {
                            title,
                            max: max_files,
                        });
                    }
                    uploads::insert(txn, &upload).await?;
                    registrations::set_milestones(txn, registration, photo, materials, now)
                        .await?;
                    audit::record(
                        txn,
                        AuditEntry {
                            at: now,
                            actor: &Actor::Candidate(candidate),
                            action: AuditAction::FILE_UPLOADED,
                            subject: Some(("registration", registration.to_string())),
                            outcome: Outcome::Success,
                            ip: None,
                            details: json!({ "slot": slot, "file": id, "size": upload.size, "sha256": upload.sha256 }),
                        },
                    )
                    .await?;
                    Ok(replaced)
                })
            }
        })
        .await;
    match outcome {
        Ok(replaced) => {
            for key in replaced {
                remove_stored(app, &key).await;
            }
            Ok(upload)
        }
        Err(err) => {
            // Nothing refers to the bytes: remove them now (or at the next start).
            let _ = app.files.delete(&key).await;
            Err(err)
        }
    }
}

/// Where the thumbnail of the file stored under `key` is kept.
fn thumbnail_key(key: &str) -> String {
    format!("{}.thumb.jpg", key.strip_suffix(".jpg").unwrap_or(key))
}

/// Removes a file's bytes and its thumbnail; a failure leaves them to orphan collection.
async fn remove_stored(app: &AppState, key: &str) {
    for key in [key.to_owned(), thumbnail_key(key)] {
        if let Err(err) = app.files.delete(&key).await {
            tracing::warn!(%key, error = %err, "stored file not removed; orphan collection will");
        }
    }
}
