//! Throttling events, counted over a sliding window per key: failed sign-ins (`user:…`,
//! `ip:…`), one-time codes sent to a recipient (`to:…`) and asked for from an address
//! (`codes_from:…`). Kept in the database so that every node sees the same counts.

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entities::throttle_event;

pub async fn record(
    db: &impl ConnectionTrait,
    key: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = throttle_event::ActiveModel {
        id: NotSet,
        key: Set(key.to_owned()),
        occurred_at: Set(at),
    };
    throttle_event::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn count_since(
    db: &impl ConnectionTrait,
    key: &str,
    since: OffsetDateTime,
) -> Result<u32, StoreError> {
    let count = throttle_event::Entity::find()
        .filter(throttle_event::Column::Key.eq(key))
        .filter(throttle_event::Column::OccurredAt.gt(since))
        .count(db)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The times of a key's events after `since`, at most `limit` of the latest.
pub async fn times_since(
    db: &impl ConnectionTrait,
    key: &str,
    since: OffsetDateTime,
    limit: u64,
) -> Result<Vec<OffsetDateTime>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(throttle_event::Entity::find()
        .filter(throttle_event::Column::Key.eq(key))
        .filter(throttle_event::Column::OccurredAt.gt(since))
        .order_by_desc(throttle_event::Column::OccurredAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.occurred_at)
        .collect())
}

/// The latest event of a key after `since`.
pub async fn latest_since(
    db: &impl ConnectionTrait,
    key: &str,
    since: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(throttle_event::Entity::find()
        .filter(throttle_event::Column::Key.eq(key))
        .filter(throttle_event::Column::OccurredAt.gt(since))
        .order_by_desc(throttle_event::Column::OccurredAt)
        .one(db)
        .await?
        .map(|row| row.occurred_at))
}

/// Forgets the events of a key (the failures of an account after it signed in).
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), StoreError> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn purge_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::OccurredAt.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
