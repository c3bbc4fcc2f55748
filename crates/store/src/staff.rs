//! Staff accounts and the registration points they may act for.

use examreg_domain::account::{StaffId, StaffRole, Username};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{staff_account, staff_point_scope};

/// A staff account to create. The password is already hashed (PHC string).
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub username: &'a Username,
    pub password_hash: String,
    pub role: StaffRole,
    pub points: &'a [String],
    pub created_at: OffsetDateTime,
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: StaffId,
    pub username: String,
    pub role: StaffRole,
    pub points: Vec<String>,
    pub password_hash: String,
    pub disabled: bool,
}

/// Creates the account; `StoreError::Conflict` when the username is taken.
pub async fn create(db: &impl ConnectionTrait, new: NewStaff<'_>) -> Result<StaffId, StoreError> {
    let id = Uuid::new_v4();
    let account = staff_account::ActiveModel {
        id: Set(id),
        username: Set(new.username.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        role: Set(new.role.key().to_owned()),
        created_at: Set(new.created_at),
        disabled_at: Set(None),
    };
    staff_account::Entity::insert(account)
        .exec_without_returning(db)
        .await?;
    if !new.points.is_empty() {
        let scopes = new
            .points
            .iter()
            .map(|code| staff_point_scope::ActiveModel {
                staff_id: Set(id),
                point_code: Set(code.clone()),
            });
        staff_point_scope::Entity::insert_many(scopes)
            .exec_without_returning(db)
            .await?;
    }
    Ok(StaffId(id))
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &Username,
) -> Result<Option<StaffAccount>, StoreError> {
    let row = staff_account::Entity::find()
        .filter(staff_account::Column::Username.eq(username.as_str()))
        .one(db)
        .await?;
    with_points(db, row).await
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: StaffId,
) -> Result<Option<StaffAccount>, StoreError> {
    let row = staff_account::Entity::find_by_id(id.0).one(db).await?;
    with_points(db, row).await
}

async fn with_points(
    db: &impl ConnectionTrait,
    row: Option<staff_account::Model>,
) -> Result<Option<StaffAccount>, StoreError> {
    let Some(row) = row else { return Ok(None) };
    let points = staff_point_scope::Entity::find()
        .filter(staff_point_scope::Column::StaffId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.point_code)
        .collect();
    let role = StaffRole::from_key(&row.role)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown staff role {:?}", row.role)))?;
    Ok(Some(StaffAccount {
        id: StaffId(row.id),
        username: row.username,
        role,
        points,
        password_hash: row.password_hash,
        disabled: row.disabled_at.is_some(),
    }))
}

/// Replaces the password hash of an account.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: StaffId,
    password_hash: String,
) -> Result<(), StoreError> {
    staff_account::Entity::update_many()
        .col_expr(
            staff_account::Column::PasswordHash,
            sea_orm::sea_query::Expr::value(password_hash),
        )
        .filter(staff_account::Column::Id.eq(id.0))
        .exec(db)
        .await?;
    Ok(())
}
