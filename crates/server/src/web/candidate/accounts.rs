//! Account pages: 注册, 登录, 退出, 我的账号, 修改密码, 找回密码.

use askama::Template;
use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::AccountKind;
use examreg_domain::account::Channel;
use examreg_domain::identity::{IdNumber, Phone};
use examreg_domain::vocab::{IdType, Vocabulary};
use serde::Deserialize;

use crate::services::accounts::password_reset::{request_code, reset_password};
use crate::services::accounts::register_candidate::{RegisterInput, register_candidate};
use crate::services::accounts::sign_in::{SignInInput, sign_in};
use crate::services::accounts::sign_up_code::request_sign_up_code;
use crate::services::accounts::{change_password::change_password, sign_out::sign_out};
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

// ----- 注册 -----
//
// Two steps, each a plain form (no script needed): the phone number (and a captcha when
// this address asked often) gets a code; the code and the account's fields create it.

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_type: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    phone_code: String,
    #[serde(default)]
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct PhoneCodeForm {
    #[serde(default)]
    phone: String,
    captcha_id: Option<String>,
    captcha: Option<String>,
}

/// Where the code went, shown above the second step.
struct CodeSentNotice {
    phone_masked: String,
    /// How long the code lives, when it was just sent.
    minutes: Option<i64>,
    /// The code itself, on a demo server only (it sends no SMS).
    sandbox_code: Option<String>,
}

#[derive(Template)]
#[template(path = "candidate/register.html")]
struct RegisterPage {
    chrome: Chrome,
    errors: FormErrors,
    form: RegisterForm,
    id_types: Vec<(&'static str, &'static str)>,
    /// Set on the second step.
    code_sent: Option<CodeSentNotice>,
    captcha: Option<Challenge>,
}

const REGISTER_FIELDS: &[&str] = &[
    "phone_code",
    "username",
    "password",
    "name",
    "id_type",
    "id_number",
    "email",
];

impl RegisterPage {
    fn new(csrf: &CsrfToken, form: RegisterForm, errors: FormErrors) -> RegisterPage {
        RegisterPage {
            chrome: chrome(csrf),
            errors,
            form: RegisterForm {
                // Never sent back to the browser.
                password: String::new(),
                ..form
            },
            id_types: IdType::ALL.iter().map(|t| (t.key(), t.label())).collect(),
            code_sent: None,
            captcha: None,
        }
    }
}

/// Whole minutes left until `until`, rounded up (a code sent a second ago has its ten).
fn minutes_left(app: &AppState, until: time::OffsetDateTime) -> i64 {
    ((until - app.clock.now()).whole_seconds() + 59)
        .div_euclid(60)
        .max(1)
}

pub async fn register_form(csrf: CsrfToken) -> Result<Response, AppError> {
    render(
        &RegisterPage::new(&csrf, RegisterForm::default(), FormErrors::default()),
        StatusCode::OK,
    )
}

/// Step 1: sends the code, then shows the second step.
pub async fn register_phone_code(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    Form(form): Form<PhoneCodeForm>,
) -> Result<Response, AppError> {
    let answer = match (form.captcha_id, form.captcha) {
        (Some(id), Some(text)) => Some(Answer { id, text }),
        _ => None,
    };
    let typed = RegisterForm {
        phone: form.phone.trim().to_owned(),
        id_type: IdType::ResidentId.key().to_owned(),
        ..RegisterForm::default()
    };
    match request_sign_up_code(&app, &form.phone, answer, ip.to_string()).await {
        Ok(sent) => {
            let mut page = RegisterPage::new(&csrf, typed, FormErrors::default());
            page.code_sent = Some(CodeSentNotice {
                minutes: Some(minutes_left(&app, sent.expires_at)),
                phone_masked: sent.phone_masked,
                sandbox_code: sent.sandbox_code,
            });
            render(&page, StatusCode::OK)
        }
        Err(err) => {
            let (status, field, message, needs_captcha) = match AppError::from(err) {
                AppError::Invalid { mut fields, .. } => {
                    let message = fields
                        .remove("phone")
                        .and_then(|m| m.into_iter().next())
                        .unwrap_or_default();
                    (StatusCode::UNPROCESSABLE_ENTITY, "phone", message, false)
                }
                AppError::Unauthenticated { message, .. } => {
                    (StatusCode::UNAUTHORIZED, "captcha", message, true)
                }
                AppError::TooManyRequests { message, .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "phone", message, false)
                }
                other => return Err(other),
            };
            let mut fields = crate::web::error::FieldErrors::new();
            fields.insert(field.to_owned(), vec![message]);
            let mut page = RegisterPage::new(
                &csrf,
                typed,
                FormErrors::from_fields(&fields, &["phone", "captcha"]),
            );
            if needs_captcha {
                page.captcha = Some(captcha::new_challenge(&app).await?);
            }
            render(&page, status)
        }
    }
}

/// Step 2: creates the account (or, for a document that has one, says the same and
/// tells both phones).
pub async fn register(
    State(app): State<AppState>,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let input = RegisterInput {
        username: form.username.clone(),
        password: form.password.clone(),
        name: form.name.clone(),
        id_type: form.id_type.clone(),
        id_number: form.id_number.clone(),
        phone: form.phone.clone(),
        phone_code: form.phone_code.clone(),
        email: Some(form.email.clone()),
    };
    let (status, fields) = match register_candidate(&app, input, Some(ip.to_string())).await {
        Ok(accepted) => {
            let to = format!("{}?registered={}", urls::SIGN_IN, accepted.phone_masked);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(err) => match AppError::from(err) {
            AppError::Invalid { fields, .. } => (StatusCode::UNPROCESSABLE_ENTITY, fields),
            AppError::Conflict { message, .. } => {
                let mut fields = crate::web::error::FieldErrors::new();
                fields.insert("username".to_owned(), vec![message]);
                (StatusCode::CONFLICT, fields)
            }
            other => return Err(other),
        },
    };
    // A phone that is not one cannot have been sent a code: back to the first step.
    let first_step = fields.contains_key("phone");
    let mut page = RegisterPage::new(
        &csrf,
        form,
        FormErrors::from_fields(
            &fields,
            if first_step {
                &["phone"]
            } else {
                REGISTER_FIELDS
            },
        ),
    );
    if !first_step {
        page.code_sent = Some(CodeSentNotice {
            phone_masked: Phone::parse(&page.form.phone)
                .map_or_else(|_| String::new(), |p| p.masked()),
            minutes: None,
            sandbox_code: None,
        });
    }
    render(&page, status)
}

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
    super::candidate_chrome(app, csrf, candidate.id).await
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
