//! 找回密码: a one-time code sent to the phone or e-mail on file.
//!
//! Asking for a code answers the same whether or not the account exists. Codes are six
//! digits, stored hashed, live ten minutes, allow five tries, and are single-use; at most
//! one code a minute and five an hour per account. Setting the new password ends every
//! session of the account.

use examreg_domain::account::Channel;
use examreg_domain::account::{AccountKind, Actor, CandidateId, Password, PasswordError, Username};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::candidates::{self, CandidateAccount};
use examreg_store::notifications;
use examreg_store::{StoreError, password_resets, sessions};
use serde_json::json;
use time::Duration;

use crate::passwords::HashError;
use crate::secrets::{constant_time_eq, random_digits, sha256_hex};
use crate::state::AppState;

const CODE_LIFETIME: Duration = Duration::minutes(10);
const MAX_TRIES: u32 = 5;
const MAX_PER_HOUR: u64 = 5;

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

fn code_hash(account: CandidateId, code: &str) -> String {
    sha256_hex(&format!("{account}:{}", code.trim()))
}

/// Sends a code if the account exists and has the channel; says nothing either way.
pub async fn request_code(
    app: &AppState,
    login: &str,
    channel: Channel,
    ip: String,
) -> Result<(), StoreError> {
    let Some(account) = find(app, login).await? else {
        return Ok(());
    };
    let recipient = match channel {
        Channel::Sms => Some(account.phone.clone()),
        Channel::Email => account.email.clone(),
    };
    let Some(recipient) = recipient else {
        return Ok(());
    };
    let now = app.clock.now();
    let db = app.store.conn();
    let last_hour = password_resets::count_since(
        db,
        AccountKind::Candidate,
        account.id.0,
        now - Duration::hours(1),
    )
    .await?;
    let last_minute = password_resets::count_since(
        db,
        AccountKind::Candidate,
        account.id.0,
        now - Duration::minutes(1),
    )
    .await?;
    if last_hour >= MAX_PER_HOUR || last_minute >= 1 {
        return Ok(());
    }
    let code = random_digits(6);
    let text = format!(
        "【卫生资格考试报名】您的找回密码验证码为 {code}，{} 分钟内有效。如非本人操作，请忽略本消息。",
        CODE_LIFETIME.whole_minutes()
    );
    let txn = app.store.write().await?;
    password_resets::create(
        &*txn,
        AccountKind::Candidate,
        account.id.0,
        &code_hash(account.id, &code),
        channel.key(),
        now,
        now + CODE_LIFETIME,
    )
    .await?;
    notifications::enqueue(&*txn, channel, &recipient, "找回密码验证码", &text, now).await?;
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
    txn.commit().await
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
    let account = find(app, login).await?.ok_or(ResetError::InvalidCode)?;
    let now = app.clock.now();
    let active =
        password_resets::active(app.store.conn(), AccountKind::Candidate, account.id.0, now)
            .await?
            .filter(|c| c.attempts < MAX_TRIES)
            .ok_or(ResetError::InvalidCode)?;
    let right = constant_time_eq(&active.code_hash, &code_hash(account.id, code));
    let hash = if right {
        Some(app.passwords.hash(&new_password).await?)
    } else {
        None
    };

    let txn = app.store.write().await?;
    password_resets::record_attempt(&*txn, active.id).await?;
    let Some(hash) = hash else {
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
    };
    if !password_resets::mark_used(&*txn, active.id, now).await? {
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
