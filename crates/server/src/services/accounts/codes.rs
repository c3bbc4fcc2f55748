//! One-time codes, for every purpose (verifying a phone before sign-up, resetting a
//! password): made, sent, limited and checked here, once.
//!
//! Codes are six digits, stored hashed, live and allow tries as the [`CodePolicy`] says,
//! and are single-use. Each code sent counts against its recipient (`to:…`), so one phone
//! is never flooded whatever accounts or requests name it; each request counts against
//! the address it came from (`codes_from:…`).

use examreg_domain::account::Channel;
use examreg_domain::auth_policy::{CodePolicy, Gate};
use examreg_store::one_time_codes::{self, Subject};
use examreg_store::{StoreError, WriteTxn, notifications, throttle};
use time::OffsetDateTime;

use crate::secrets::{constant_time_eq, random_digits, sha256_hex};
use crate::state::AppState;

fn asked_key(ip: &str) -> String {
    format!("codes_from:{ip}")
}

fn sent_key(recipient: &str) -> String {
    format!("to:{recipient}")
}

fn code_hash(subject: Subject<'_>, code: &str) -> String {
    let code = code.trim();
    match subject {
        Subject::Account(_, id) => sha256_hex(&format!("{id}:{code}")),
        Subject::SignUp { phone } => sha256_hex(&format!("sign_up:{phone}:{code}")),
    }
}

/// The policy in force: the domain's, with the operator's address limits.
pub(crate) fn policy(app: &AppState) -> CodePolicy {
    app.config.codes.policy()
}

/// What a request for a code from `ip` must clear.
pub(crate) async fn address_gate(
    txn: &WriteTxn,
    policy: &CodePolicy,
    ip: &str,
    now: OffsetDateTime,
) -> Result<Gate, StoreError> {
    let asked = throttle::times_since(
        &**txn,
        &asked_key(ip),
        now - policy.address_window,
        u64::from(policy.address_ceiling) + 1,
    )
    .await?;
    Ok(policy.address_gate(&asked, now))
}

/// Counts a request for a code against the address it came from.
pub(crate) async fn record_asked(
    txn: &WriteTxn,
    ip: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    throttle::record(&**txn, &asked_key(ip), now).await
}

/// How long `recipient` must wait for another code; `None` when one may go now.
pub(crate) async fn recipient_wait(
    txn: &WriteTxn,
    policy: &CodePolicy,
    recipient: &str,
    now: OffsetDateTime,
) -> Result<Option<time::Duration>, StoreError> {
    let most = policy
        .per_recipient
        .iter()
        .map(|(_, max)| u64::from(*max))
        .max()
        .unwrap_or(1);
    let sent = throttle::times_since(
        &**txn,
        &sent_key(recipient),
        now - policy.lookback(),
        most + 1,
    )
    .await?;
    Ok(policy.recipient_wait(&sent, now))
}

/// A message carrying a code: its subject line and its text, given the code.
pub(crate) struct CodeMessage {
    pub subject: &'static str,
    pub text: fn(code: &str, minutes: i64) -> String,
}

/// A code on its way.
pub(crate) struct Sent {
    pub expires_at: OffsetDateTime,
    /// The code itself: shown only by a demo server, which sends no SMS.
    pub code: String,
}

/// Makes a new code for `subject` (replacing any earlier one), queues it to `recipient`
/// and counts it against them. The caller has checked [`recipient_wait`].
pub(crate) async fn send(
    txn: &WriteTxn,
    policy: &CodePolicy,
    subject: Subject<'_>,
    channel: Channel,
    recipient: &str,
    message: &CodeMessage,
    now: OffsetDateTime,
) -> Result<Sent, StoreError> {
    let code = random_digits(6);
    let expires_at = now + policy.lifetime;
    one_time_codes::create(
        &**txn,
        subject,
        &code_hash(subject, &code),
        channel.key(),
        now,
        expires_at,
    )
    .await?;
    let text = (message.text)(&code, policy.lifetime.whole_minutes());
    notifications::enqueue(&**txn, channel, recipient, message.subject, &text, now).await?;
    throttle::record(&**txn, &sent_key(recipient), now).await?;
    Ok(Sent { expires_at, code })
}

/// Checks `typed` against the live code of `subject` in `txn`: a right code is used up, a
/// wrong one spends a try. Either way the caller commits (or, when what the code was
/// for fails, drops the transaction, and the code is as it was).
pub(crate) async fn check(
    txn: &WriteTxn,
    policy: &CodePolicy,
    subject: Subject<'_>,
    typed: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let Some(live) = one_time_codes::active(&**txn, subject, now)
        .await?
        .filter(|code| code.attempts < policy.max_tries)
    else {
        return Ok(false);
    };
    if !constant_time_eq(&live.code_hash, &code_hash(subject, typed)) {
        one_time_codes::record_attempt(&**txn, live.id).await?;
        return Ok(false);
    }
    one_time_codes::mark_used(&**txn, live.id, now).await
}

/// Why a code was not sent.
#[derive(Debug, thiserror::Error)]
pub enum CodeRequestError {
    /// The phone number typed is not one.
    #[error("invalid phone: {0}")]
    InvalidPhone(String),
    /// This address asked often: the request needs a captcha.
    #[error("captcha required")]
    CaptchaRequired,
    #[error("captcha wrong")]
    CaptchaWrong,
    /// The address (or the recipient) had its share: ask again after this long.
    #[error("too many codes; retry after {retry_after}")]
    Wait {
        retry_after: time::Duration,
        /// The recipient's limit rather than the address's.
        recipient: bool,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}
