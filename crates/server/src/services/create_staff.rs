//! Creating a staff account (`examreg staff add`, later the admin console), and setting
//! the password of the demo accounts.

use examreg_domain::account::{
    Actor, Password, PasswordError, StaffId, StaffRole, Username, UsernameError,
};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, staff};
use serde_json::json;

use crate::passwords::HashError;
use crate::state::AppState;

/// What the operator or admin asked for, as typed.
#[derive(Debug, Clone)]
pub struct NewStaffInput {
    pub username: String,
    pub role: String,
    pub points: Vec<String>,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateStaffError {
    #[error("username: {0}")]
    Username(#[from] UsernameError),
    #[error("password: {0}")]
    Password(#[from] PasswordError),
    #[error("unknown role {0:?}: expected point-reviewer, area-reviewer or admin")]
    UnknownRole(String),
    #[error("a point reviewer needs at least one --point")]
    PointsRequired,
    #[error("only a point reviewer is limited to points; {0} sees the whole exam area")]
    PointsNotAllowed(&'static str),
    #[error("unknown registration point {0:?}: it is in none of the loaded exam definitions")]
    UnknownPoint(String),
    #[error("the username {0} is taken")]
    Taken(String),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CreateStaffError {
    fn from(err: StoreError) -> Self {
        CreateStaffError::Store(err)
    }
}

pub async fn create_staff(
    app: &AppState,
    actor: &Actor,
    input: NewStaffInput,
) -> Result<StaffId, CreateStaffError> {
    let username = Username::parse(&input.username)?;
    let role = StaffRole::from_key(&input.role).ok_or(CreateStaffError::UnknownRole(input.role))?;
    let mut points = input.points;
    points.sort();
    points.dedup();
    match (role.needs_points(), points.is_empty()) {
        (true, true) => return Err(CreateStaffError::PointsRequired),
        (false, false) => return Err(CreateStaffError::PointsNotAllowed(role.key())),
        _ => {}
    }
    if let Some(unknown) = points
        .iter()
        .find(|code| app.exams.iter().all(|e| e.point(code).is_none()))
    {
        return Err(CreateStaffError::UnknownPoint(unknown.clone()));
    }
    let password = Password::parse(&input.password)?;
    let password_hash = app.passwords.hash(&password).await?;

    let now = app.clock.now();
    let txn = app.store.write().await?;
    let id = staff::create(
        &*txn,
        staff::NewStaff {
            username: &username,
            password_hash,
            role,
            points: &points,
            created_at: now,
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => CreateStaffError::Taken(username.to_string()),
        other => CreateStaffError::Store(other),
    })?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor,
            action: AuditAction::STAFF_CREATED,
            subject: Some(("staff", id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "username": username.as_str(), "role": role.key(), "points": points }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Creates the account, or gives an existing one a new password: used for the demo
/// accounts, whose fresh passwords are printed at every `serve --demo`.
pub async fn ensure_staff_with_password(
    app: &AppState,
    actor: &Actor,
    input: NewStaffInput,
) -> Result<StaffId, CreateStaffError> {
    let username = Username::parse(&input.username)?;
    let Some(existing) = staff::find_by_username(app.store.conn(), &username).await? else {
        return create_staff(app, actor, input).await;
    };
    let password = Password::parse(&input.password)?;
    let password_hash = app.passwords.hash(&password).await?;
    let now = app.clock.now();
    let txn = app.store.write().await?;
    staff::set_password_hash(&*txn, existing.id, password_hash).await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor,
            action: AuditAction::STAFF_PASSWORD_SET,
            subject: Some(("staff", existing.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({ "username": username.as_str() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(existing.id)
}
