//! One-time password reset codes, stored hashed, limited in time and attempts.

use examreg_domain::account::AccountKind;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::password_reset;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetCode {
    pub id: Uuid,
    pub code_hash: String,
    pub attempts: u32,
    pub expires_at: OffsetDateTime,
}

pub async fn create(
    db: &impl ConnectionTrait,
    kind: AccountKind,
    account_id: Uuid,
    code_hash: &str,
    channel: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    // A new code replaces any earlier one.
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::AccountKind.eq(kind.key()))
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let row = password_reset::ActiveModel {
        id: Set(Uuid::new_v4()),
        account_kind: Set(kind.key().to_owned()),
        account_id: Set(account_id),
        code_hash: Set(code_hash.to_owned()),
        channel: Set(channel.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        attempts: Set(0),
    };
    password_reset::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// How many codes were issued for the account since `since` (to throttle requests).
pub async fn count_since(
    db: &impl ConnectionTrait,
    kind: AccountKind,
    account_id: Uuid,
    since: OffsetDateTime,
) -> Result<u64, StoreError> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::AccountKind.eq(kind.key()))
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// The live code of the account, if any.
pub async fn active(
    db: &impl ConnectionTrait,
    kind: AccountKind,
    account_id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<ResetCode>, StoreError> {
    let row = password_reset::Entity::find()
        .filter(password_reset::Column::AccountKind.eq(kind.key()))
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .order_by_desc(password_reset::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(row.map(|r| ResetCode {
        id: r.id,
        code_hash: r.code_hash,
        attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
        expires_at: r.expires_at,
    }))
}

pub async fn record_attempt(db: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::Attempts,
            Expr::col(password_reset::Column::Attempts).add(1),
        )
        .filter(password_reset::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Uses the code up; false when someone used it first.
pub async fn mark_used(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::Id.eq(id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
