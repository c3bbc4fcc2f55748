//! One-time codes (password reset, sign-up phone verification): stored hashed, limited
//! in time and attempts, single-use. Each belongs to a [`Subject`]; a new code for a
//! subject replaces its earlier ones.

use examreg_domain::account::AccountKind;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::one_time_code;

/// Whom or what a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// Resetting the password of an account.
    Account(AccountKind, Uuid),
    /// Proving, before an account exists, that the person holds this phone number.
    SignUp { phone: &'a str },
}

impl Subject<'_> {
    fn key(&self) -> String {
        match self {
            Subject::Account(kind, id) => format!("{}:{id}", kind.key()),
            Subject::SignUp { phone } => format!("sign_up:{phone}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeCode {
    pub id: Uuid,
    pub code_hash: String,
    pub attempts: u32,
    pub expires_at: OffsetDateTime,
}

pub async fn create(
    db: &impl ConnectionTrait,
    subject: Subject<'_>,
    code_hash: &str,
    channel: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    let subject = subject.key();
    // A new code replaces any earlier one.
    one_time_code::Entity::update_many()
        .col_expr(one_time_code::Column::UsedAt, Expr::value(Some(now)))
        .filter(one_time_code::Column::Subject.eq(&subject))
        .filter(one_time_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let row = one_time_code::ActiveModel {
        id: Set(Uuid::new_v4()),
        subject: Set(subject),
        code_hash: Set(code_hash.to_owned()),
        channel: Set(channel.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        attempts: Set(0),
    };
    one_time_code::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The live code of the subject, if any.
pub async fn active(
    db: &impl ConnectionTrait,
    subject: Subject<'_>,
    now: OffsetDateTime,
) -> Result<Option<OneTimeCode>, StoreError> {
    let row = one_time_code::Entity::find()
        .filter(one_time_code::Column::Subject.eq(subject.key()))
        .filter(one_time_code::Column::UsedAt.is_null())
        .filter(one_time_code::Column::ExpiresAt.gt(now))
        .order_by_desc(one_time_code::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(row.map(|r| OneTimeCode {
        id: r.id,
        code_hash: r.code_hash,
        attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
        expires_at: r.expires_at,
    }))
}

pub async fn record_attempt(db: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    one_time_code::Entity::update_many()
        .col_expr(
            one_time_code::Column::Attempts,
            Expr::col(one_time_code::Column::Attempts).add(1),
        )
        .filter(one_time_code::Column::Id.eq(id))
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
    let result = one_time_code::Entity::update_many()
        .col_expr(one_time_code::Column::UsedAt, Expr::value(Some(now)))
        .filter(one_time_code::Column::Id.eq(id))
        .filter(one_time_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Forgets codes that expired before `before`.
pub async fn purge_before(
    db: &impl ConnectionTrait,
    before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = one_time_code::Entity::delete_many()
        .filter(one_time_code::Column::ExpiresAt.lt(before))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
