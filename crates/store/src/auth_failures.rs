//! Failed sign-in attempts, counted over a sliding window per key (`user:…`, `ip:…`). Kept
//! in the database so that every node sees the same counts.

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entities::auth_failure;

pub async fn record(
    db: &impl ConnectionTrait,
    key: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = auth_failure::ActiveModel {
        id: NotSet,
        key: Set(key.to_owned()),
        occurred_at: Set(at),
    };
    auth_failure::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn count_since(
    db: &impl ConnectionTrait,
    key: &str,
    since: OffsetDateTime,
) -> Result<u32, StoreError> {
    let count = auth_failure::Entity::find()
        .filter(auth_failure::Column::Key.eq(key))
        .filter(auth_failure::Column::OccurredAt.gt(since))
        .count(db)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The latest failure of a key after `since`.
pub async fn latest_since(
    db: &impl ConnectionTrait,
    key: &str,
    since: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(auth_failure::Entity::find()
        .filter(auth_failure::Column::Key.eq(key))
        .filter(auth_failure::Column::OccurredAt.gt(since))
        .order_by_desc(auth_failure::Column::OccurredAt)
        .one(db)
        .await?
        .map(|row| row.occurred_at))
}

/// Forgets the failures of a key (after a successful sign-in of that account).
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), StoreError> {
    auth_failure::Entity::delete_many()
        .filter(auth_failure::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn purge_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = auth_failure::Entity::delete_many()
        .filter(auth_failure::Column::OccurredAt.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
