//! 登录, for candidates and staff alike.
//!
//! The answer is the same for an unknown user and a wrong password, and takes the same
//! time (a dummy hash is verified when there is no account). Failures are counted per
//! account and per address in the database; the throttle policy then asks for a captcha
//! or, for an address, refuses for a while. A successful sign-in always creates a new
//! session (the old one, if any, is ended), so a session id planted before sign-in is
//! worth nothing after it.

use examreg_domain::account::{AccountKind, Actor, CandidateId, StaffId, Username};
use examreg_domain::auth_policy::{Gate, RecentFailures, ThrottlePolicy};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::sessions::{self, NewSession};
use examreg_store::{StoreError, Txn, candidates, staff, throttle};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::passwords::HashError;
use crate::secrets::{random_token, sha256_hex};
use crate::services::captcha::{self, Answer};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct SignInInput {
    pub kind: AccountKind,
    pub username: String,
    pub password: String,
    pub captcha: Option<Answer>,
    pub ip: String,
    pub user_agent: Option<String>,
    /// The session hash this browser had before, ended on success.
    pub previous_session: Option<String>,
}

/// A new session. The token is shown once (cookie or API answer) and stored only hashed.
#[derive(Debug, Clone)]
pub struct NewSessionToken {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    pub account_id: Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown user or wrong password; `captcha_required` tells whether the next try
    /// needs a captcha.
    #[error("invalid credentials")]
    InvalidCredentials { captcha_required: bool },
    /// This attempt needs a captcha and has none.
    #[error("captcha required")]
    CaptchaRequired,
    #[error("captcha wrong")]
    CaptchaWrong,
    /// This address failed too often; try again later.
    #[error("throttled")]
    Throttled { retry_after: Duration },
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn account_key(kind: AccountKind, username: &str) -> String {
    // Bounded: the key column is 160 characters.
    let username: String = username.trim().to_lowercase().chars().take(64).collect();
    format!("user:{}:{username}", kind.key())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The stored hash of the account, if it exists and may sign in.
async fn find_account(
    app: &AppState,
    kind: AccountKind,
    username: &str,
) -> Result<Option<(Uuid, String)>, StoreError> {
    let Ok(username) = Username::parse(username) else {
        return Ok(None);
    };
    let db = app.store.conn();
    Ok(match kind {
        AccountKind::Candidate => candidates::find_by_username(db, &username)
            .await?
            .map(|a| (a.id.0, a.password_hash)),
        AccountKind::Staff => staff::find_by_username(db, &username)
            .await?
            .filter(|a| !a.disabled)
            .map(|a| (a.id.0, a.password_hash)),
    })
}

fn actor(kind: AccountKind, id: Uuid) -> Actor {
    match kind {
        AccountKind::Candidate => Actor::Candidate(CandidateId(id)),
        AccountKind::Staff => Actor::Staff(StaffId(id)),
    }
}

/// The audit row of a refused sign-in, with why it was refused.
async fn audit_failure(
    txn: &Txn,
    input: &SignInInput,
    why: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    audit::record(
        txn,
        AuditEntry {
            at: now,
            actor: &Actor::Anonymous,
            action: AuditAction::SIGN_IN_FAILED,
            subject: None,
            outcome: Outcome::Failure,
            ip: Some(input.ip.clone()),
            details: json!({
                "kind": input.kind.key(),
                "username": input.username.chars().take(64).collect::<String>(),
                "why": why,
            }),
        },
    )
    .await
}

pub async fn sign_in(app: &AppState, input: SignInInput) -> Result<NewSessionToken, SignInError> {
    // First of all a place in the hashing queue: when it is full, answer at once.
    let admission = app.passwords.admit()?;
    let policy = ThrottlePolicy::default();
    let now = app.clock.now();
    let user_key = account_key(input.kind, &input.username);
    let ip_key = ip_key(&input.ip);
    let db = app.store.conn();
    let account_since = now - policy.account_window;
    let failures = RecentFailures {
        account: throttle::count_since(db, &user_key, account_since).await?,
        account_last: throttle::latest_since(db, &user_key, account_since).await?,
        ip: throttle::count_since(db, &ip_key, now - policy.ip_window).await?,
    };

    match policy.gate(failures, now) {
        Gate::Wait { retry_after } => return Err(SignInError::Throttled { retry_after }),
        Gate::CaptchaRequired => {
            let Some(answer) = &input.captcha else {
                // Hammering on without a captcha counts against the address.
                let txn = app.store.write().await?;
                throttle::record(&*txn, &ip_key, now).await?;
                audit_failure(&txn, &input, "captcha_missing", now).await?;
                txn.commit().await?;
                return Err(SignInError::CaptchaRequired);
            };
            let txn = app.store.write().await?;
            let right = captcha::check(&txn, answer, now).await?;
            if !right {
                throttle::record(&*txn, &ip_key, now).await?;
                audit_failure(&txn, &input, "captcha_wrong", now).await?;
            }
            txn.commit().await?;
            if !right {
                return Err(SignInError::CaptchaWrong);
            }
        }
        Gate::Open => {}
    }

    let account = find_account(app, input.kind, &input.username).await?;
    let matches = app
        .passwords
        .verify_or_dummy(
            admission,
            &input.password,
            account.as_ref().map(|(_, h)| h.as_str()),
        )
        .await?;

    let Some((account_id, _)) = account.filter(|_| matches) else {
        let (user_key, ip_key) = (user_key.clone(), ip_key.clone());
        app.store
            .transaction(move |txn| {
                Box::pin(async move {
                    throttle::record(txn, &user_key, now).await?;
                    throttle::record(txn, &ip_key, now).await?;
                    audit_failure(txn, &input, "wrong_credentials", now).await
                })
            })
            .await?;
        let after = RecentFailures {
            account: failures.account + 1,
            account_last: Some(now),
            ip: failures.ip + 1,
        };
        let captcha_required = !matches!(policy.gate(after, now), Gate::Open);
        return Err(SignInError::InvalidCredentials { captcha_required });
    };

    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now + Duration::hours(i64::from(app.config.session.absolute_hours));
    let id_hash = sha256_hex(&token);
    app.store
        .transaction({
            let csrf_token = csrf_token.clone();
            move |txn| {
                Box::pin(async move {
                    if let Some(previous) = &input.previous_session {
                        sessions::delete(txn, previous).await?;
                    }
                    throttle::clear(txn, &user_key).await?;
                    sessions::create(
                        txn,
                        NewSession {
                            id_hash: &id_hash,
                            kind: input.kind,
                            account_id,
                            csrf_token: &csrf_token,
                            now,
                            expires_at,
                            ip: Some(input.ip.clone()),
                            user_agent: input.user_agent.clone(),
                        },
                    )
                    .await?;
                    audit::record(
                        txn,
                        AuditEntry {
                            at: now,
                            actor: &actor(input.kind, account_id),
                            action: AuditAction::SIGNED_IN,
                            subject: Some((input.kind.key(), account_id.to_string())),
                            outcome: Outcome::Success,
                            ip: Some(input.ip),
                            details: json!({}),
                        },
                    )
                    .await?;
                    Ok::<_, StoreError>(())
                })
            }
        })
        .await?;
    Ok(NewSessionToken {
        token,
        csrf_token,
        expires_at,
        account_id,
    })
}
