//! 修改密码 and 找回密码.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use examreg_domain::account::Channel;
use serde::Deserialize;

use crate::services::accounts::change_password::change_password;
use crate::services::accounts::password_reset::{request_code, reset_password};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::session::CurrentCandidate;
use crate::web::extract::{ClientIp, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;

use super::{chrome, render};

// ----- 修改密码 -----

#[derive(Template)]
#[template(path = "candidate/change_password.html")]
struct ChangePasswordPage {
    chrome: Chrome,
    errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn candidate_chrome(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
) -> Result<Chrome, AppError> {
    crate::web::candidate::candidate_chrome(app, csrf, candidate.id).await
}

pub async fn change_password_form(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
) -> Result<Response, AppError> {
    let page = ChangePasswordPage {
        chrome: candidate_chrome(&app, &csrf, &candidate).await?,
        errors: FormErrors::default(),
    };
    render(&page, StatusCode::OK)
}

pub async fn change_password_submit(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    candidate: CurrentCandidate,
    Form(form): Form<ChangePasswordForm>,
) -> Result<Response, AppError> {
    let result = change_password(
        &app,
        candidate.id,
        &candidate.session.id_hash,
        &form.current_password,
        &form.new_password,
        ip.to_string(),
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}?changed=1", urls::ACCOUNT)).into_response()),
        Err(err) => match AppError::from(err) {
            AppError::Invalid { fields, .. } => {
                let page = ChangePasswordPage {
                    chrome: candidate_chrome(&app, &csrf, &candidate).await?,
                    errors: FormErrors::from_fields(&fields, &["current_password", "new_password"]),
                };
                render(&page, StatusCode::UNPROCESSABLE_ENTITY)
            }
            other => Err(other),
        },
    }
}

// ----- 找回密码 -----

#[derive(Template)]
#[template(path = "candidate/reset_request.html")]
struct ResetRequestPage {
    chrome: Chrome,
    errors: FormErrors,
    login: String,
}

#[derive(Template)]
#[template(path = "candidate/reset_confirm.html")]
struct ResetConfirmPage {
    chrome: Chrome,
    errors: FormErrors,
    login: String,
}

#[derive(Debug, Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    channel: String,
}

#[derive(Debug, Deserialize)]
pub struct ResetConfirmForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
}

pub async fn reset_request_form(csrf: CsrfToken) -> Result<Response, AppError> {
    render(
        &ResetRequestPage {
            chrome: chrome(&csrf),
            errors: FormErrors::default(),
            login: String::new(),
        },
        StatusCode::OK,
    )
}

pub async fn reset_request(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    Form(form): Form<ResetRequestForm>,
) -> Result<Response, AppError> {
    let login = form.login.trim().to_owned();
    if login.is_empty() {
        let mut fields = crate::web::error::FieldErrors::new();
        fields.insert("login".into(), vec!["请填写用户名或证件号码".into()]);
        let page = ResetRequestPage {
            chrome: chrome(&csrf),
            errors: FormErrors::from_fields(&fields, &["login"]),
            login,
        };
        return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let channel = if form.channel == "email" {
        Channel::Email
    } else {
        Channel::Sms
    };
    request_code(&app, &login, channel, ip.to_string()).await?;
    render(
        &ResetConfirmPage {
            chrome: chrome(&csrf),
            errors: FormErrors::default(),
            login,
        },
        StatusCode::OK,
    )
}

pub async fn reset_confirm(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    Form(form): Form<ResetConfirmForm>,
) -> Result<Response, AppError> {
    match reset_password(
        &app,
        &form.login,
        &form.code,
        &form.new_password,
        ip.to_string(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{}?reset=1", urls::SIGN_IN)).into_response()),
        Err(err) => match AppError::from(err) {
            AppError::Invalid { fields, .. } => {
                let page = ResetConfirmPage {
                    chrome: chrome(&csrf),
                    errors: FormErrors::from_fields(&fields, &["login", "code", "new_password"]),
                    login: form.login,
                };
                render(&page, StatusCode::UNPROCESSABLE_ENTITY)
            }
            other => Err(other),
        },
    }
}
