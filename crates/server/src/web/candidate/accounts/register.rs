//! 注册: the phone code, then the account.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use examreg_domain::identity::Phone;
use examreg_domain::vocab::{IdType, Vocabulary};
use serde::Deserialize;

use crate::services::accounts::register_candidate::{RegisterInput, register_candidate};
use crate::services::accounts::sign_up_code::request_sign_up_code;
use crate::services::captcha::{self, Answer, Challenge};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::{ClientIp, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;

use super::{chrome, render};

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
