//! 上传照片 and 上传材料: which slots apply, storing files durably, the milestones.
//!
//! Order of an upload: check the bytes (off the runtime, bounded) → write the file and
//! fsync it → in one transaction (the registration locked): re-check the slot's limit and
//! duplicates, insert the row, write the audit row → answer. A crash before the commit
//! leaves a file without a row, which [`collect_orphans`] removes at start; a committed
//! row always has its bytes.

pub(crate) mod slots;

pub use slots::{SlotView, slots};

use bytes::Bytes;
use examreg_documents::jpeg::{self, ImageRules, JpegError};
use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::exam::{ExamDefinition, ImageLimits, SlotId};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations::{self, RegistrationRecord};
use examreg_store::uploads::{self, PHOTO_SLOT, UploadRecord};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::forms::{self, ScanVerdict};
use super::registrations::{AccessError, owned};
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
    /// Uploads are closed (window or status); the message says why.
    #[error("closed: {0}")]
    Closed(String),
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
        max_scans: 64,
    }
}

/// The registration, if its materials may change now.
async fn editable(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(RegistrationRecord, ExamDefinition), UploadError> {
    let (record, exam) = owned(app, candidate, no).await?;
    if !record.status.editable() {
        return Err(UploadError::Closed(format!(
            "报名状态为“{}”，不能修改材料",
            record.status.label()
        )));
    }
    let window = exam.calendar.registration;
    if !window.contains(app.clock.now()) {
        return Err(UploadError::Closed(format!(
            "网上报名时间为 {} 至 {}，现在不能上传或删除材料",
            crate::format::date_time(window.opens),
            crate::format::date_time(window.closes)
        )));
    }
    Ok((record, exam))
}

/// Checks the bytes off the async runtime, at most one check per core at a time.
async fn check(
    app: &AppState,
    bytes: Bytes,
    rules: ImageRules,
) -> Result<jpeg::JpegInfo, UploadError> {
    let _permit = app
        .heavy_work
        .acquire()
        .await
        .map_err(|e| UploadError::Task(e.to_string()))?;
    let info = tokio::task::spawn_blocking(move || jpeg::inspect(&bytes, &rules))
        .await
        .map_err(|e| UploadError::Task(e.to_string()))??;
    Ok(info)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The (photo confirmed, materials completed) milestones after a file of `slot` changed: a
/// new photo must be confirmed again; changed materials must be completed again.
fn milestones_after_change(
    record: &RegistrationRecord,
    slot: &str,
) -> (Option<time::OffsetDateTime>, Option<time::OffsetDateTime>) {
    if slot == PHOTO_SLOT {
        (None, record.materials_completed_at)
    } else {
        (record.photo_confirmed_at, None)
    }
}

/// Stores one file into `slot` of the registration (materials or the photo).
#[expect(
    clippy::too_many_arguments,
    reason = "one internal step with everything it checks"
)]
async fn store_file(
    app: &AppState,
    candidate: CandidateId,
    record: &RegistrationRecord,
    slot: &str,
    max_files: u8,
    title: &str,
    bytes: Bytes,
    info: jpeg::JpegInfo,
    replace_existing: bool,
    barcode: Option<&str>,
) -> Result<UploadRecord, UploadError> {
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
    let upload = UploadRecord {
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
        barcode: barcode.map(str::to_owned),
    };
    let outcome: Result<Vec<String>, UploadError> = async {
        let txn = app.store.write().await?;
        registrations::lock(&*txn, record.id).await?;
        // The checks again, now that no other upload to this registration can interleave.
        if uploads::find_by_sha256(&*txn, record.id, &upload.sha256).await?.is_some() {
            return Err(UploadError::Duplicate { slot: slot.to_owned() });
        }
        let mut replaced = Vec::new();
        if replace_existing {
            for old in uploads::list_for_registration(&*txn, record.id).await?.into_iter().filter(|u| u.slot == slot) {
                uploads::delete(&*txn, old.id).await?;
                replaced.push(old.storage_key);
            }
        } else if uploads::count_in_slot(&*txn, record.id, slot).await? >= u64::from(max_files) {
            return Err(UploadError::Full { title: title.to_owned(), max: max_files });
        }
        uploads::insert(&*txn, &upload).await?;
        let (photo, materials) = milestones_after_change(record, slot);
        registrations::set_milestones(&*txn, record.id, photo, materials, now).await?;
        audit::record(
            &*txn,
            AuditEntry {
                at: now,
                actor: &Actor::Candidate(candidate),
                action: AuditAction::FILE_UPLOADED,
                subject: Some(("registration", record.id.to_string())),
                outcome: Outcome::Success,
                ip: None,
                details: json!({ "slot": slot, "file": id, "size": info.bytes, "sha256": upload.sha256 }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(replaced)
    }
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

/// 上传材料: one JPEG into one slot that applies to the registration.
pub async fn upload_material(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    slot_id: &str,
    bytes: Bytes,
) -> Result<UploadRecord, UploadError> {
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
            Ok(ScanVerdict::Current) => Some(uploads::BARCODE_CURRENT),
            Ok(ScanVerdict::Unreadable) => Some(uploads::BARCODE_UNREADABLE),
            Ok(ScanVerdict::Stale { printed, current }) => {
                return Err(UploadError::StaleForm { printed, current });
            }
            Ok(ScanVerdict::Foreign) => return Err(UploadError::ForeignForm),
            Err(e) => return Err(UploadError::Task(e.to_string())),
        }
    } else {
        None
    };
    store_file(
        app,
        candidate,
        &record,
        slot.id.as_str(),
        slot.max_files,
        &slot.title,
        bytes,
        info,
        false,
        barcode,
    )
    .await
}

/// 上传照片: the registration photo, replacing an earlier one; it must then be confirmed.
pub async fn upload_photo(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    bytes: Bytes,
) -> Result<UploadRecord, UploadError> {
    let (record, exam) = editable(app, candidate, no).await?;
    let info = check(app, bytes.clone(), rules(&exam.uploads.photo)).await?;
    store_file(
        app,
        candidate,
        &record,
        PHOTO_SLOT,
        1,
        "报名照片",
        bytes,
        info,
        true,
        None,
    )
    .await
}

/// The candidate has looked at the photo and confirms it.
pub async fn confirm_photo(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(), UploadError> {
    let (record, _) = editable(app, candidate, no).await?;
    let has_photo = uploads::count_in_slot(app.store.conn(), record.id, PHOTO_SLOT).await? > 0;
    if !has_photo {
        return Err(UploadError::Closed("请先上传报名照片".into()));
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

/// 🗑: removes one of the candidate's files.
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
    let (photo, materials) = milestones_after_change(&record, &upload.slot);
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

#[derive(Debug, thiserror::Error)]
pub enum CompleteError {
    #[error("not found")]
    NotFound,
    #[error("closed: {0}")]
    Closed(String),
    /// Required slots without files (id, title), or no material at all.
    #[error("missing")]
    Missing {
        slots: Vec<(String, String)>,
        none_at_all: bool,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<UploadError> for CompleteError {
    fn from(err: UploadError) -> Self {
        match err {
            UploadError::NotFound => CompleteError::NotFound,
            UploadError::Closed(m) => CompleteError::Closed(m),
            UploadError::Store(e) => CompleteError::Store(e),
            other => CompleteError::Closed(other.to_string()),
        }
    }
}

/// 上传全部证明材料: every required slot has a file, and there is at least one material.
pub async fn complete_materials(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(), CompleteError> {
    let (record, exam) = editable(app, candidate, no).await?;
    let views = slots::evaluate(
        &exam,
        &record,
        uploads::list_for_registration(app.store.conn(), record.id).await?,
    );
    let missing: Vec<(String, String)> = views
        .iter()
        .filter(|v| v.required && v.files.is_empty())
        .map(|v| (v.slot.id.to_string(), v.slot.title.clone()))
        .collect();
    let none_at_all = views.iter().all(|v| v.files.is_empty());
    if !missing.is_empty() || none_at_all {
        return Err(CompleteError::Missing {
            slots: missing,
            none_at_all,
        });
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

/// The bytes of one of the candidate's own files.
pub async fn own_file(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    file: Uuid,
    variant: Variant,
) -> Result<(UploadRecord, Bytes), UploadError> {
    let (record, _) = owned(app, candidate, no).await?;
    let upload = uploads::find(app.store.conn(), file)
        .await?
        .filter(|u| u.registration_id == record.id);
    let upload = upload.ok_or(UploadError::NotFound)?;
    let bytes = bytes_of(app, &upload, variant).await?;
    Ok((upload, bytes))
}

/// Which rendering of a stored image to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    /// At most [`THUMBNAIL_SIDE`] pixels on the longer side.
    Thumbnail,
}

/// The longer side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;

/// Where the thumbnail of the file stored under `key` is kept.
fn thumbnail_key(key: &str) -> String {
    format!("{}.thumb.jpg", key.strip_suffix(".jpg").unwrap_or(key))
}

/// The bytes of `upload` in `variant`. A thumbnail is made on first request (off the
/// runtime, bounded like every decode) and kept beside the original; losing it costs only
/// its remaking, so its write is not waited on for durability.
async fn bytes_of(
    app: &AppState,
    upload: &UploadRecord,
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
    let _permit = app
        .heavy_work
        .acquire()
        .await
        .map_err(|e| UploadError::Task(e.to_string()))?;
    let thumb = tokio::task::spawn_blocking(move || jpeg::thumbnail(&original, THUMBNAIL_SIDE))
        .await
        .map_err(|e| UploadError::Task(e.to_string()))??;
    let thumb = Bytes::from(thumb);
    if let Err(err) = app.files.put_durable(&key, thumb.clone()).await {
        tracing::warn!(%key, error = %err, "thumbnail not kept; it will be made again");
    }
    Ok(thumb)
}

/// Removes a file's bytes and its thumbnail; a failure leaves them to orphan collection.
async fn remove_stored(app: &AppState, key: &str) {
    for key in [key.to_owned(), thumbnail_key(key)] {
        if let Err(err) = app.files.delete(&key).await {
            tracing::warn!(%key, error = %err, "stored file not removed; orphan collection will");
        }
    }
}

/// The signed forms of `record` uploaded at an older revision of its printed data: they
/// must be printed, signed and uploaded again.
pub fn stale_forms<'a>(
    record: &RegistrationRecord,
    files: impl IntoIterator<Item = &'a UploadRecord>,
) -> Vec<&'a UploadRecord> {
    files
        .into_iter()
        .filter(|f| f.slot == SlotId::FORM && f.form_revision != Some(record.form_revision))
        .collect()
}

/// Removes stored files that no row refers to (left by a crash between the write and the
/// commit). Run at start, before serving.
pub async fn collect_orphans(app: &AppState) -> Result<usize, StoreError> {
    let known: std::collections::HashSet<String> = uploads::storage_keys(app.store.conn())
        .await?
        .into_iter()
        .collect();
    let mut removed = 0;
    for key in app.files.list("registrations").await? {
        let original = key
            .strip_suffix(".thumb.jpg")
            .map_or_else(|| key.clone(), |base| format!("{base}.jpg"));
        if !known.contains(&original) {
            app.files.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The bytes of a file of a registration the reviewer's scope covers.
pub async fn file_for_reviewer(
    app: &AppState,
    reviewer: &crate::services::review::Reviewer,
    no: &str,
    file: Uuid,
    variant: Variant,
) -> Result<(UploadRecord, Bytes), UploadError> {
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
