//! Account pages: 注册, 登录, 退出, 我的账号, 修改密码, 找回密码.

use askama::Template;
use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::AccountKind;
use examreg_domain::identity::{IdNumber, Phone};
use examreg_domain::vocab::Vocabulary;
use serde::Deserialize;

use crate::services::accounts::sign_in::{SignInInput, sign_in};
use crate::services::accounts::sign_out::sign_out;
use crate::services::captcha::{self, Answer, Challenge};
use crate::state::AppState;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::extract::session::CurrentCandidate;
use crate::web::extract::{ClientIp, Form, MaybeCandidate};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;

fn render(template: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    Ok((
        status,
        Html(template.render().map_err(anyhow::Error::from)?),
    )
        .into_response())
}

fn chrome(csrf: &CsrfToken) -> Chrome {
    Chrome {
        csrf: csrf.0.clone(),
        user: None,
        staff: false,
        todos: Vec::new(),
    }
}

/// Sets the session cookie of a new sign-in and the CSRF cookie bound to it.
pub(crate) fn set_session_cookies(
    headers: &mut HeaderMap,
    app: &AppState,
    kind: AccountKind,
    token: &str,
    csrf_token: &str,
) {
    let https = app.config.https;
    let max_age = i64::from(app.config.session.absolute_hours) * 3600;
    cookies::set(
        headers,
        CookieName::Session(kind),
        token,
        https,
        Some(max_age),
    );
    cookies::set(headers, CookieName::Csrf, csrf_token, https, None);
}

mod password;
mod register;

pub use password::{
    ChangePasswordForm, ResetConfirmForm, ResetRequestForm, change_password_form,
    change_password_submit, reset_confirm, reset_request, reset_request_form,
};
pub use register::{PhoneCodeForm, RegisterForm, register, register_form, register_phone_code};

// ----- 登录 -----

#[derive(Template)]
#[template(path = "candidate/login.html")]
pub(crate) struct LoginPage {
    pub(crate) chrome: Chrome,
    pub(crate) errors: FormErrors,
    /// Shown above the form: what happened before coming here.
    pub(crate) notice: Option<String>,
    pub(crate) username: String,
    pub(crate) captcha: Option<Challenge>,
    pub(crate) action: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) password: String,
    pub(crate) captcha_id: Option<String>,
    pub(crate) captcha: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    /// After a sign-up: the masked phone its outcome went to.
    registered: Option<String>,
    /// After a password reset.
    reset: Option<String>,
}

impl LoginQuery {
    /// What to tell someone arriving from a sign-up or a reset. The masked number comes
    /// from the address bar, so only a masked number is ever shown.
    fn notice(&self) -> Option<String> {
        if let Some(phone) = &self.registered {
            let masked =
                phone.len() == 11 && phone.bytes().all(|b| b.is_ascii_digit() || b == b'*');
            return Some(if masked {
                crate::web::wording::sign_up_accepted(phone)
            } else {
                "注册申请已受理，结果已通过短信发送，请查收短信后登录。".to_owned()
            });
        }
        self.reset
            .as_ref()
            .map(|_| "密码已重设，其他设备上的登录已全部退出。请用新密码登录。".to_owned())
    }
}

pub async fn login_form(
    csrf: CsrfToken,
    axum::extract::Query(query): axum::extract::Query<LoginQuery>,
) -> Result<Response, AppError> {
    let page = LoginPage {
        chrome: chrome(&csrf),
        errors: FormErrors::default(),
        notice: query.notice(),
        username: String::new(),
        captcha: None,
        action: urls::SIGN_IN,
    };
    render(&page, StatusCode::OK)
}

/// Signs in from a form, for candidates and staff alike: sets the cookies and redirects,
/// or renders the form again with the reason (and a captcha when one is needed).
pub(crate) async fn login_with_form(
    app: &AppState,
    kind: AccountKind,
    csrf: &CsrfToken,
    ip: String,
    headers: &HeaderMap,
    form: LoginForm,
    success: &'static str,
) -> Result<Response, AppError> {
    let previous = load_previous_session(app, headers, kind);
    let input = SignInInput {
        kind,
        username: form.username.clone(),
        password: form.password,
        captcha: match (form.captcha_id, form.captcha) {
            (Some(id), Some(text)) => Some(Answer { id, text }),
            _ => None,
        },
        ip,
        user_agent: headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        previous_session: previous,
    };
    match sign_in(app, input).await {
        Ok(session) => {
            let mut response = Redirect::to(success).into_response();
            set_session_cookies(
                response.headers_mut(),
                app,
                kind,
                &session.token,
                &session.csrf_token,
            );
            Ok(response)
        }
        Err(err) => {
            let (status, body) = match AppError::from(err) {
                AppError::Unauthenticated { code, message } => {
                    (StatusCode::UNAUTHORIZED, (code, message))
                }
                AppError::TooManyRequests { code, message, .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, (code, message))
                }
                other => return Err(other),
            };
            let (code, message) = body;
            let needs_captcha = matches!(
                code,
                "captcha_required" | "captcha_wrong" | "invalid_credentials_captcha_required"
            );
            let captcha = if needs_captcha {
                Some(captcha::new_challenge(app).await?)
            } else {
                None
            };
            let field = if code.starts_with("captcha") {
                "captcha"
            } else {
                ""
            };
            let errors = if field.is_empty() {
                FormErrors::general(message)
            } else {
                let mut fields = crate::web::error::FieldErrors::new();
                fields.insert(field.to_owned(), vec![message]);
                FormErrors::from_fields(&fields, &["captcha"])
            };
            let page = LoginPage {
                chrome: Chrome {
                    csrf: csrf.0.clone(),
                    user: None,
                    staff: kind == AccountKind::Staff,
                    todos: Vec::new(),
                },
                errors,
                notice: None,
                username: form.username,
                captcha,
                action: if kind == AccountKind::Staff {
                    urls::STAFF_SIGN_IN
                } else {
                    urls::SIGN_IN
                },
            };
            render(&page, status)
        }
    }
}

/// The hash of the session cookie this browser sends, to end it at sign-in.
fn load_previous_session(app: &AppState, headers: &HeaderMap, kind: AccountKind) -> Option<String> {
    cookies::get(headers, CookieName::Session(kind).name(app.config.https))
        .map(crate::secrets::sha256_hex)
}

pub async fn login(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    login_with_form(
        &app,
        AccountKind::Candidate,
        &csrf,
        ip.to_string(),
        &headers,
        form,
        urls::ACCOUNT,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn logout(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    MaybeCandidate(candidate): MaybeCandidate,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    if let Some(c) = candidate {
        sign_out(
            &app,
            AccountKind::Candidate,
            c.id.0,
            &c.session.id_hash,
            ip.to_string(),
        )
        .await?;
    }
    let mut response = Redirect::to(urls::HOME).into_response();
    cookies::clear(
        response.headers_mut(),
        CookieName::Session(AccountKind::Candidate),
        app.config.https,
    );
    Ok(response)
}

// ----- 我的账号 -----

#[derive(Template)]
#[template(path = "candidate/account.html")]
struct AccountPage {
    chrome: Chrome,
    changed: bool,
    username: String,
    name: String,
    id_type: &'static str,
    id_number: String,
    phone: String,
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
}

pub async fn account(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Result<Response, AppError> {
    let account = crate::services::accounts::profile::profile(&app, candidate.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = app.clock.now().date();
    let id_number = IdNumber::parse(account.id_type, &account.id_number, today)
        .map_or_else(|_| account.id_number.clone(), |n| n.masked());
    let phone = Phone::parse(&account.phone).map_or_else(|_| account.phone.clone(), |p| p.masked());
    let page = AccountPage {
        chrome: super::candidate_chrome(&app, &csrf, candidate.id).await?,
        changed: query.changed.is_some(),
        username: account.username,
        name: account.name,
        id_type: account.id_type.label(),
        id_number,
        phone,
        email: account.email.unwrap_or_else(|| "未填写".to_owned()),
    };
    render(&page, StatusCode::OK)
}
