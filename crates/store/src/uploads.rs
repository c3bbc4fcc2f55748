//! Uploaded files: one row per file, written only after the bytes are durable.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entities::upload;

use examreg_domain::registration::{FormBarcode, UploadedFile};

fn from_row(row: upload::Model) -> UploadedFile {
    UploadedFile {
        id: row.id,
        registration_id: row.registration_id,
        slot: row.slot,
        sha256: row.sha256,
        size: u64::try_from(row.size).unwrap_or(0),
        width: u32::try_from(row.width).unwrap_or(0),
        height: u32::try_from(row.height).unwrap_or(0),
        storage_key: row.storage_key,
        created_at: row.created_at,
        form_revision: row.form_revision,
        barcode: row.barcode.as_deref().and_then(FormBarcode::from_key),
    }
}

pub async fn insert(db: &impl ConnectionTrait, record: &UploadedFile) -> Result<(), StoreError> {
    let row = upload::ActiveModel {
        id: Set(record.id),
        registration_id: Set(record.registration_id),
        slot: Set(record.slot.clone()),
        sha256: Set(record.sha256.clone()),
        size: Set(i64::try_from(record.size).unwrap_or(i64::MAX)),
        width: Set(i32::try_from(record.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(record.height).unwrap_or(i32::MAX)),
        storage_key: Set(record.storage_key.clone()),
        created_at: Set(record.created_at),
        form_revision: Set(record.form_revision),
        barcode: Set(record.barcode.map(|b| b.key().to_owned())),
    };
    upload::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn list_for_registration(
    db: &impl ConnectionTrait,
    registration: Uuid,
) -> Result<Vec<UploadedFile>, StoreError> {
    list_for_registrations(db, &[registration]).await
}

/// The files of several registrations in one query, oldest first.
pub async fn list_for_registrations(
    db: &impl ConnectionTrait,
    registrations: &[Uuid],
) -> Result<Vec<UploadedFile>, StoreError> {
    files_of(db, registrations, None).await
}

/// The signed application forms of several registrations, in one query.
pub async fn forms_of(
    db: &impl ConnectionTrait,
    registrations: &[Uuid],
) -> Result<Vec<UploadedFile>, StoreError> {
    files_of(db, registrations, Some(examreg_domain::exam::SlotId::FORM)).await
}

async fn files_of(
    db: &impl ConnectionTrait,
    registrations: &[Uuid],
    slot: Option<&str>,
) -> Result<Vec<UploadedFile>, StoreError> {
    if registrations.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = upload::Entity::find()
        .filter(upload::Column::RegistrationId.is_in(registrations.iter().copied()));
    if let Some(slot) = slot {
        query = query.filter(upload::Column::Slot.eq(slot));
    }
    Ok(query
        .order_by_asc(upload::Column::CreatedAt)
        .order_by_asc(upload::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

pub async fn count_in_slot(
    db: &impl ConnectionTrait,
    registration: Uuid,
    slot: &str,
) -> Result<u64, StoreError> {
    Ok(upload::Entity::find()
        .filter(upload::Column::RegistrationId.eq(registration))
        .filter(upload::Column::Slot.eq(slot))
        .count(db)
        .await?)
}

/// The file of this registration with this content, if it was uploaded already.
pub async fn find_by_sha256(
    db: &impl ConnectionTrait,
    registration: Uuid,
    sha256: &str,
) -> Result<Option<UploadedFile>, StoreError> {
    Ok(upload::Entity::find()
        .filter(upload::Column::RegistrationId.eq(registration))
        .filter(upload::Column::Sha256.eq(sha256))
        .one(db)
        .await?
        .map(from_row))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<UploadedFile>, StoreError> {
    Ok(upload::Entity::find_by_id(id).one(db).await?.map(from_row))
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    upload::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The storage keys of the uploads among `ids` that exist (by primary key), for
/// collecting orphaned files a batch at a time.
pub async fn storage_keys_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(upload::Entity::find()
        .select_only()
        .column(upload::Column::StorageKey)
        .filter(upload::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<String>()
        .all(db)
        .await?)
}
