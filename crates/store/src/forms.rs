//! Printed application forms and the key their verification codes are made with.

use sea_orm::{ConnectionTrait, EntityTrait, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{form_print, server_secret};

/// The secret named `name`, created from `fresh` by whichever node asks first; every node
/// then reads the same value, so codes printed by one verify on all.
pub async fn secret(
    db: &impl ConnectionTrait,
    name: &str,
    fresh: impl FnOnce() -> String,
    now: OffsetDateTime,
) -> Result<String, StoreError> {
    let row = server_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(fresh()),
        created_at: Set(now),
    };
    server_secret::Entity::insert(row)
        .on_conflict_do_nothing_on([server_secret::Column::Name])
        .exec_without_returning(db)
        .await?;
    server_secret::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|row| row.value)
        .ok_or_else(|| StoreError::Corrupt(format!("secret {name} is missing after being written")))
}

/// Remembers that `revision` of the registration's form was printed with data of
/// `digest` (the first print of a revision is kept; the data of a revision never changes).
pub async fn record_print(
    db: &impl ConnectionTrait,
    registration: Uuid,
    revision: i32,
    digest: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = form_print::ActiveModel {
        registration_id: Set(registration),
        revision: Set(revision),
        digest: Set(digest.to_owned()),
        first_printed_at: Set(now),
    };
    form_print::Entity::insert(row)
        .on_conflict_do_nothing_on([
            form_print::Column::RegistrationId,
            form_print::Column::Revision,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The digest of the data printed as `revision`, if that revision was ever printed.
pub async fn printed_digest(
    db: &impl ConnectionTrait,
    registration: Uuid,
    revision: i32,
) -> Result<Option<String>, StoreError> {
    Ok(form_print::Entity::find_by_id((registration, revision))
        .one(db)
        .await?
        .map(|row| row.digest))
}
