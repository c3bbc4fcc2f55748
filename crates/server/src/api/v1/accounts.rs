//! Candidate accounts and sessions: `/api/v1/accounts/phone-codes`, `/api/v1/accounts`,
//! `/api/v1/session`, `/api/v1/me`, `/api/v1/captcha`, `/api/v1/password-resets`.

use axum::Json;
use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use examreg_domain::account::AccountKind;
use examreg_domain::account::Channel;
use examreg_domain::vocab::Vocabulary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use crate::format::rfc3339;
use crate::services::accounts::change_password::change_password;
use crate::services::accounts::password_reset::{request_code, reset_password};
use crate::services::accounts::register_candidate::{RegisterInput, register_candidate};
use crate::services::accounts::sign_in::{SignInInput, sign_in};
use crate::services::accounts::sign_out::sign_out;
use crate::services::accounts::sign_up_code::request_sign_up_code;
use crate::services::captcha::{self, Answer};
use crate::state::AppState;
use crate::web::candidate::accounts::set_session_cookies;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::extract::{ApiJson, ClientIp, CurrentCandidate};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 3–32 letters, digits, `_`, `.`, `-`.
    pub username: String,
    /// 8–128 characters; common passwords are refused.
    pub password: String,
    pub name: String,
    #[schema(example = "resident_id")]
    pub id_type: String,
    pub id_number: String,
    pub phone: String,
    /// The code sent to `phone` by `POST /api/v1/accounts/phone-codes` (required: a
    /// missing one is named in `fields.phone_code` with the other fields to fix).
    #[serde(default)]
    pub phone_code: String,
    pub email: Option<String>,
}

/// The same whether an account was created or the identity document already had one:
/// the SMS to the phone says which.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpAccepted {
    pub username: String,
    /// Where the outcome was sent, masked: `138****5678`.
    pub phone: String,
    pub message: String,
}

/// 注册: create a candidate account, with the code sent to the phone.
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = NewAccount,
    responses(
        (status = 201, description = "Accepted: an account was created, or the document already had one (the SMS says which)", body = SignUpAccepted),
        (status = 409, description = "Username taken", body = ApiErrorEnvelope),
        (status = 422, description = "Fields to fix (a wrong or expired code: `phone_code`)", body = ApiErrorEnvelope),
    ))]
pub async fn create_account(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<NewAccount>,
) -> Result<Response, AppError> {
    let input = RegisterInput {
        username: body.username,
        password: body.password,
        name: body.name,
        id_type: body.id_type,
        id_number: body.id_number,
        phone: body.phone,
        phone_code: body.phone_code,
        email: body.email,
    };
    let accepted = register_candidate(&app, input, Some(ip.to_string())).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignUpAccepted {
            message: crate::web::wording::sign_up_accepted(&accepted.phone_masked),
            username: accepted.username,
            phone: accepted.phone_masked,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneCodeRequest {
    pub phone: String,
    /// Required when this address asked for several codes (error `captcha_required`):
    /// from `POST /api/v1/captcha`.
    pub captcha: Option<CaptchaAnswer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneCodeSent {
    /// Where the code went, masked.
    pub phone: String,
    #[schema(example = "2024-12-01T22:10:00+08:00")]
    pub expires_at: String,
    /// The code itself, only from a demo server (`serve --demo`), which sends no SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox_code: Option<String>,
}

/// 获取短信验证码: sends the code that `POST /api/v1/accounts` needs to the phone.
#[utoipa::path(post, path = "/accounts/phone-codes", tag = "accounts", request_body = PhoneCodeRequest,
    responses(
        (status = 202, body = PhoneCodeSent),
        (status = 401, description = "captcha_required or captcha_wrong", body = ApiErrorEnvelope),
        (status = 422, description = "Not a phone number", body = ApiErrorEnvelope),
        (status = 429, description = "too_many_codes: this phone or this address had its share; retry after Retry-After", body = ApiErrorEnvelope),
    ))]
pub async fn post_phone_code(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PhoneCodeRequest>,
) -> Result<Response, AppError> {
    let sent = request_sign_up_code(
        &app,
        &body.phone,
        body.captcha.map(|c| Answer {
            id: c.id,
            text: c.answer,
        }),
        ip.to_string(),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PhoneCodeSent {
            phone: sent.phone_masked,
            expires_at: rfc3339(sent.expires_at),
            sandbox_code: sent.sandbox_code,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// Required after repeated failures (error code `captcha_required`): from
    /// `POST /api/v1/captcha`.
    pub captcha: Option<CaptchaAnswer>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptchaAnswer {
    pub id: String,
    pub answer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    #[schema(example = "2024-12-01T22:00:00+08:00")]
    pub expires_at: String,
    /// For cookie clients: echo in `X-CSRF-Token` on state-changing requests.
    pub csrf_token: String,
}

pub(crate) async fn create_session(
    app: &AppState,
    kind: AccountKind,
    ip: String,
    headers: &HeaderMap,
    body: Credentials,
) -> Result<Response, AppError> {
    let input = SignInInput {
        kind,
        username: body.username,
        password: body.password,
        captcha: body.captcha.map(|c| Answer {
            id: c.id,
            text: c.answer,
        }),
        ip,
        user_agent: headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        previous_session: cookies::get(headers, CookieName::Session(kind).name(app.config.https))
            .map(crate::secrets::sha256_hex),
    };
    let session = sign_in(app, input).await?;
    let body = SessionCreated {
        token: session.token.clone(),
        expires_at: rfc3339(session.expires_at),
        csrf_token: session.csrf_token.clone(),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    set_session_cookies(
        response.headers_mut(),
        app,
        kind,
        &session.token,
        &session.csrf_token,
    );
    Ok(response)
}

/// 登录: returns a token and sets the session cookie.
#[utoipa::path(post, path = "/session", tag = "accounts", request_body = Credentials,
    responses(
        (status = 201, body = SessionCreated),
        (status = 401, description = "invalid_credentials, captcha_required or captcha_wrong", body = ApiErrorEnvelope),
        (status = 429, description = "Too many failures from this address", body = ApiErrorEnvelope),
        (status = 503, description = "Sign-in is saturated; retry after Retry-After", body = ApiErrorEnvelope),
    ))]
pub async fn post_session(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, AppError> {
    create_session(&app, AccountKind::Candidate, ip.to_string(), &headers, body).await
}

/// 退出登录: ends the session on the server.
#[utoipa::path(delete, path = "/session", tag = "accounts",
    responses((status = 204), (status = 401, body = ApiErrorEnvelope)))]
pub async fn delete_session(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    candidate: CurrentCandidate,
) -> Result<Response, AppError> {
    sign_out(
        &app,
        AccountKind::Candidate,
        candidate.id.0,
        &candidate.session.id_hash,
        ip.to_string(),
    )
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    cookies::clear(
        response.headers_mut(),
        CookieName::Session(AccountKind::Candidate),
        app.config.https,
    );
    Ok(response)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub name: String,
    pub id_type: &'static str,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub csrf_token: String,
}

/// Who am I.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ApiErrorEnvelope)))]
pub async fn me(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
) -> Result<Json<Me>, AppError> {
    let account = crate::services::accounts::profile::profile(&app, candidate.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(Me {
        id: account.id.to_string(),
        username: account.username,
        name: account.name,
        id_type: account.id_type.key(),
        id_number: account.id_number,
        phone: account.phone,
        email: account.email,
        csrf_token: candidate.session.csrf_token,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// 修改密码: ends every other session of the account.
#[utoipa::path(put, path = "/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ApiErrorEnvelope), (status = 422, body = ApiErrorEnvelope)))]
pub async fn put_password(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    candidate: CurrentCandidate,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    change_password(
        &app,
        candidate.id,
        &candidate.session.id_hash,
        &body.current_password,
        &body.new_password,
        ip.to_string(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptchaChallenge {
    pub id: String,
    /// A PNG as a `data:` URL.
    pub image: String,
    pub expires_at: String,
}

/// A captcha challenge, for sign-in after repeated failures and for sign-up codes asked
/// often from one address.
#[utoipa::path(post, path = "/captcha", tag = "accounts", responses((status = 201, body = CaptchaChallenge)))]
pub async fn post_captcha(State(app): State<AppState>) -> Result<Response, AppError> {
    let challenge = captcha::new_challenge(&app).await?;
    let body = CaptchaChallenge {
        id: challenge.id,
        image: challenge.image,
        expires_at: rfc3339(challenge.expires_at),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// Username or identity document number.
    pub login: String,
    #[schema(example = "sms")]
    pub channel: String,
}

/// 找回密码, step 1: sends a code if the account exists; answers the same either way
/// (only an address that asked too often is told to wait).
#[utoipa::path(post, path = "/password-resets", tag = "accounts", request_body = ResetRequest,
    responses((status = 202), (status = 422, body = ApiErrorEnvelope),
        (status = 429, description = "too_many_codes: retry after Retry-After", body = ApiErrorEnvelope)))]
pub async fn post_password_reset(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<StatusCode, AppError> {
    let channel = match body.channel.as_str() {
        "sms" => Channel::Sms,
        "email" => Channel::Email,
        _ => {
            let mut fields = crate::web::error::FieldErrors::new();
            fields.insert("channel".into(), vec!["只能是 sms 或 email".into()]);
            return Err(AppError::Invalid {
                message: "验证码发送方式不正确".into(),
                fields,
            });
        }
    };
    request_code(&app, &body.login, channel, ip.to_string()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub login: String,
    pub code: String,
    pub new_password: String,
}

/// 找回密码, step 2: sets the new password and ends every session of the account.
#[utoipa::path(post, path = "/password-resets/confirm", tag = "accounts", request_body = ResetConfirm,
    responses((status = 204), (status = 422, body = ApiErrorEnvelope)))]
pub async fn post_password_reset_confirm(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ResetConfirm>,
) -> Result<StatusCode, AppError> {
    reset_password(
        &app,
        &body.login,
        &body.code,
        &body.new_password,
        ip.to_string(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
