//! 修改密码: needs the current password; ends every other session of the account.

use examreg_domain::account::{AccountKind, Actor, CandidateId, Password, PasswordError};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, candidates, sessions};
use serde_json::json;

use crate::passwords::HashError;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("{0}")]
    NewPassword(#[from] PasswordError),
    #[error("the new password is the current one")]
    Unchanged,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn change_password(
    app: &AppState,
    candidate: CandidateId,
    keep_session: &str,
    current: &str,
    new: &str,
    ip: String,
) -> Result<(), ChangePasswordError> {
    let account = candidates::get(app.store.conn(), candidate)
        .await?
        .ok_or(ChangePasswordError::WrongCurrentPassword)?;
    if !app
        .passwords
        .verify(current, &account.password_hash)
        .await?
    {
        return Err(ChangePasswordError::WrongCurrentPassword);
    }
    let new = Password::parse(new)?;
    if new.expose() == current {
        return Err(ChangePasswordError::Unchanged);
    }
    let hash = app.passwords.hash(&new).await?;
    let now = app.clock.now();
    let txn = app.store.write().await?;
    candidates::set_password_hash(&*txn, candidate, hash, now).await?;
    let ended = sessions::delete_for_account(
        &*txn,
        AccountKind::Candidate,
        candidate.0,
        Some(keep_session),
    )
    .await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::PASSWORD_CHANGED,
            subject: Some(("candidate", candidate.to_string())),
            outcome: Outcome::Success,
            ip: Some(ip),
            details: json!({ "other_sessions_ended": ended }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
