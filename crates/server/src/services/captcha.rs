//! Captcha challenges: made here, drawn by `documents`, checked once.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use examreg_store::{StoreError, WriteTxn, captchas};
use time::{Duration, OffsetDateTime};

use crate::secrets::{constant_time_eq, random_digits, random_seed, random_token, sha256_hex};
use crate::state::AppState;

/// How long a challenge can be answered.
pub const LIFETIME: Duration = Duration::minutes(10);

/// A challenge to show: its id and its picture as a `data:` URL.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub image: String,
    pub expires_at: OffsetDateTime,
}

/// An answer as the user typed it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: String,
    pub text: String,
}

fn answer_hash(id: &str, text: &str) -> String {
    sha256_hex(&format!("{id}:{}", text.trim()))
}

pub async fn new_challenge(app: &AppState) -> Result<Challenge, StoreError> {
    let id = random_token();
    let digits = random_digits(5);
    let now = app.clock.now();
    let expires_at = now + LIFETIME;
    let txn = app.store.write().await?;
    captchas::create(&*txn, &id, &answer_hash(&id, &digits), now, expires_at).await?;
    txn.commit().await?;
    let png = examreg_documents::captcha::draw_png(&digits, random_seed());
    Ok(Challenge {
        id,
        image: format!("data:image/png;base64,{}", STANDARD.encode(png)),
        expires_at,
    })
}

/// Whether the answer is right. The challenge is used up either way.
pub async fn check(
    txn: &WriteTxn,
    answer: &Answer,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let Some(expected) = captchas::consume(&**txn, &answer.id, now).await? else {
        return Ok(false);
    };
    Ok(constant_time_eq(
        &expected,
        &answer_hash(&answer.id, &answer.text),
    ))
}
