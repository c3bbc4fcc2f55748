//! 找回密码: a one-time code sent to the phone or e-mail on file.
//!
//! Asking for a code answers the same whether or not the account exists. The code's life,
//! tries and sending limits are those of every one-time code (see [`super::codes`]): a
//! recipient gets at most one a minute, five an hour, ten a day, whatever accounts name
//! it; an address that asks too often waits. Setting the new password ends every session
//! of the account.

use examreg_domain::account::Channel;
use examreg_domain::account::{AccountKind, Actor, Password, PasswordError, Username};
use examreg_domain::auth_policy::Gate;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::candidates::{self, CandidateAccount};
use examreg_store::one_time_codes::Subject;
use examreg_store::{StoreError, sessions};
use serde_json::json;

use super::codes::{self, CodeMessage, CodeRequestError};
use crate::passwords::HashError;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Wrong, expired, used up or unknown: one answer for all.
    #[error("invalid or expired code")]
    InvalidCode,
    #[error("{0}")]
    NewPassword(#[from] PasswordError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The account a candidate names by username or by document number.
async fn find(app: &AppState, login: &str) -> Result<Option<CandidateAccount>, StoreError> {
    let db = app.store.conn();
    if let Ok(username) = Username::parse(login)
        && let Some(account) = candidates::find_by_username(db, &username).await?
    {
        return Ok(Some(account));
    }
    candidates::find_by_document_number(db, login).await
}

const RESET_MESSAGE: CodeMessage = CodeMessage {
    subject: "找回密码验证码",
    text: |code, minutes| {
        format!(
            "【卫生资格考试报名】您的找回密码验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本消息。"
        )
    },
};

/// Sends a code if the account exists, has the channel and its recipient has not had
/// its share; says nothing either way. Only an address that asked too often is told (to
/// wait), whatever it asked about.
pub async fn request_code(
    app: &AppState,
    login: &str,
    channel: Channel,
    ip: String,
) -> Result<(), CodeRequestError> {
    let policy = codes::policy(app);
    let now = app.clock.now();
    let txn = app.store.write().await?;
    if let Gate::Wait { retry_after } = codes::address_gate(&txn, &policy, &ip, now).await? {
        return Err(CodeRequestError::Wait {
            retry_after,
            recipient: false,
        });
    }
    codes::record_asked(&txn, &ip, now).await?;
    let recipient = find(app, login).await?.and_then(|account| {
        let to = match channel {
            Channel::Sms => Some(account.phone.clone()),
            Channel::Email => account.email.clone(),
        };
        to.map(|to| (account, to))
    });
    let Some((account, recipient)) = recipient else {
        txn.commit().await?;
        return Ok(());
    };
    if codes::recipient_wait(&txn, &policy, &recipient, now)
        .await?
        .is_some()
    {
        txn.commit().await?;
        return Ok(());
    }
    codes::send(
        &txn,
        &policy,
        Subject::Account(AccountKind::Candidate, account.id.0),
        channel,
        &recipient,
        &RESET_MESSAGE,
        now,
    )
    .await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Anonymous,
            action: AuditAction::PASSWORD_RESET_REQUESTED,
            subject: Some(("candidate", account.id.to_string())),
            outcome: Outcome::Success,
            ip: Some(ip),
            details: json!({ "channel": channel.key() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a code from [`request_code`].
pub async fn reset_password(
    app: &AppState,
    login: &str,
    code: &str,
    new_password: &str,
    ip: String,
) -> Result<(), ResetError> {
    let new_password = Password::parse(new_password)?;
    // Hashed before the account is looked up and the code checked: every try costs the
    // same, whatever it names.
    let hash = app.passwords.hash(&new_password).await?;
    let account = find(app, login).await?.ok_or(ResetError::InvalidCode)?;
    let now = app.clock.now();
    let txn = app.store.write().await?;
    let subject = Subject::Account(AccountKind::Candidate, account.id.0);
    if !codes::check(&txn, &codes::policy(app), subject, code, now).await? {
        audit::record(
            &*txn,
            AuditEntry {
                at: now,
                actor: &Actor::Anonymous,
                action: AuditAction::PASSWORD_RESET,
                subject: Some(("candidate", account.id.to_string())),
                outcome: Outcome::Failure,
                ip: Some(ip),
                details: json!({ "reason": "wrong_code" }),
            },
        )
        .await?;
        txn.commit().await?;
        return Err(ResetError::InvalidCode);
    }
    candidates::set_password_hash(&*txn, account.id, hash, now).await?;
    let ended =
        sessions::delete_for_account(&*txn, AccountKind::Candidate, account.id.0, None).await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(account.id),
            action: AuditAction::PASSWORD_RESET,
            subject: Some(("candidate", account.id.to_string())),
            outcome: Outcome::Success,
            ip: Some(ip),
            details: json!({ "sessions_ended": ended }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
