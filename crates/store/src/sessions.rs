//! Sessions, keyed by the SHA-256 of their token: the token itself is never stored.

use examreg_domain::account::AccountKind;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::session;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub kind: AccountKind,
    pub account_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// The absolute end, whatever the activity.
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub kind: AccountKind,
    pub account_id: Uuid,
    pub csrf_token: &'a str,
    pub now: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewSession<'_>) -> Result<(), StoreError> {
    let row = session::ActiveModel {
        id_hash: Set(new.id_hash.to_owned()),
        account_kind: Set(new.kind.key().to_owned()),
        account_id: Set(new.account_id),
        csrf_token: Set(new.csrf_token.to_owned()),
        created_at: Set(new.now),
        last_seen_at: Set(new.now),
        expires_at: Set(new.expires_at),
        ip: Set(new.ip.map(|ip| ip.chars().take(64).collect())),
        user_agent: Set(new.user_agent.map(|ua| ua.chars().take(256).collect())),
    };
    session::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    id_hash: &str,
) -> Result<Option<SessionRecord>, StoreError> {
    let Some(row) = session::Entity::find_by_id(id_hash.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let kind = AccountKind::from_key(&row.account_kind).ok_or_else(|| {
        StoreError::Corrupt(format!("unknown account kind {:?}", row.account_kind))
    })?;
    Ok(Some(SessionRecord {
        id_hash: row.id_hash,
        kind,
        account_id: row.account_id,
        csrf_token: row.csrf_token,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
    }))
}

/// Records activity (for the idle timeout).
pub async fn touch(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), StoreError> {
    session::Entity::delete_by_id(id_hash.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of an account, except `keep` (the one changing its password).
pub async fn delete_for_account(
    db: &impl ConnectionTrait,
    kind: AccountKind,
    account_id: Uuid,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let mut query = session::Entity::delete_many()
        .filter(session::Column::AccountKind.eq(kind.key()))
        .filter(session::Column::AccountId.eq(account_id));
    if let Some(keep) = keep {
        query = query.filter(session::Column::IdHash.ne(keep));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// Removes sessions past their absolute end or idle since before `idle_before`.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    idle_before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = session::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(session::Column::ExpiresAt.lte(now))
                .add(session::Column::LastSeenAt.lt(idle_before)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
