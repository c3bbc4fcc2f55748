//! Captcha challenges: the answer is stored hashed, and each challenge is good for one
//! try before it expires.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::StoreError;
use crate::entities::captcha;

pub async fn create(
    db: &impl ConnectionTrait,
    id: &str,
    answer_hash: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    let row = captcha::ActiveModel {
        id: Set(id.to_owned()),
        answer_hash: Set(answer_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    };
    captcha::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Uses up the challenge and returns its answer hash; `None` when it does not exist, has
/// expired or was already used. Two concurrent tries cannot both get the answer.
pub async fn consume(
    db: &impl ConnectionTrait,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<String>, StoreError> {
    let updated = captcha::Entity::update_many()
        .col_expr(captcha::Column::UsedAt, Expr::value(Some(now)))
        .filter(captcha::Column::Id.eq(id))
        .filter(captcha::Column::UsedAt.is_null())
        .filter(captcha::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    Ok(captcha::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(|c| c.answer_hash))
}

pub async fn purge_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = captcha::Entity::delete_many()
        .filter(captcha::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The stored answer hash of a challenge, used or not (for tests, which must solve
/// captchas without eyes, and for diagnostics).
pub async fn answer_hash(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(captcha::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .map(|c| c.answer_hash))
}
