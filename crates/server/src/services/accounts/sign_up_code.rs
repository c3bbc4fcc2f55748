//! 获取短信验证码: the code that proves, before an account exists, that the person
//! signing up holds the phone they name.
//!
//! Codes go to any number typed, so they are what a script would abuse (to create
//! accounts in bulk, or to flood someone's phone): an address that asked a few times
//! answers a captcha for each further code, and waits past a ceiling; a phone gets at
//! most the recipient's share of codes (see [`super::codes`]).

use examreg_domain::account::{Actor, Channel};
use examreg_domain::auth_policy::Gate;
use examreg_domain::identity::Phone;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::one_time_codes::Subject;
use serde_json::json;
use time::OffsetDateTime;

use super::codes::{self, CodeMessage, CodeRequestError};
use crate::services::captcha::{self, Answer};
use crate::state::AppState;

const SIGN_UP_MESSAGE: CodeMessage = CodeMessage {
    subject: "注册验证码",
    text: |code, minutes| {
        format!(
            "【卫生资格考试报名】您正在注册报名账号，验证码为 {code}，{minutes} 分钟内有效。请勿告诉他人；如非本人操作，请忽略本消息。"
        )
    },
};

/// A code on its way.
#[derive(Debug, Clone)]
pub struct CodeSent {
    /// The number, masked, to show where the code went.
    pub phone_masked: String,
    pub expires_at: OffsetDateTime,
    /// The code, on a demo server only (`serve --demo` sends no SMS).
    pub sandbox_code: Option<String>,
}

pub async fn request_sign_up_code(
    app: &AppState,
    phone: &str,
    captcha_answer: Option<Answer>,
    ip: String,
) -> Result<CodeSent, CodeRequestError> {
    let phone = Phone::parse(phone).map_err(|e| CodeRequestError::InvalidPhone(e.to_string()))?;
    let policy = codes::policy(app);
    let now = app.clock.now();
    let txn = app.store.write().await?;
    match codes::address_gate(&txn, &policy, &ip, now).await? {
        Gate::Open => {}
        Gate::Wait { retry_after } => {
            return Err(CodeRequestError::Wait {
                retry_after,
                recipient: false,
            });
        }
        Gate::CaptchaRequired => {
            let refusal = match &captcha_answer {
                None => Some(CodeRequestError::CaptchaRequired),
                Some(answer) if !captcha::check(&txn, answer, now).await? => {
                    Some(CodeRequestError::CaptchaWrong)
                }
                Some(_) => None,
            };
            if let Some(refusal) = refusal {
                // Asking on without a captcha, or with a wrong one, still counts.
                codes::record_asked(&txn, &ip, now).await?;
                txn.commit().await?;
                return Err(refusal);
            }
        }
    }
    if let Some(retry_after) = codes::recipient_wait(&txn, &policy, phone.as_str(), now).await? {
        return Err(CodeRequestError::Wait {
            retry_after,
            recipient: true,
        });
    }
    codes::record_asked(&txn, &ip, now).await?;
    let sent = codes::send(
        &txn,
        &policy,
        Subject::SignUp {
            phone: phone.as_str(),
        },
        Channel::Sms,
        phone.as_str(),
        &SIGN_UP_MESSAGE,
        now,
    )
    .await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Anonymous,
            action: AuditAction::SIGN_UP_CODE_SENT,
            subject: None,
            outcome: Outcome::Success,
            ip: Some(ip),
            details: json!({ "phone": phone.masked() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(CodeSent {
        phone_masked: phone.masked(),
        expires_at: sent.expires_at,
        sandbox_code: app.config.demo.then_some(sent.code),
    })
}
