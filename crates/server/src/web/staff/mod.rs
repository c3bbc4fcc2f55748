//! The staff console at `/staff`: sign-in, and (later) the review queues.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::{AccountKind, StaffScope};

use crate::services::accounts::sign_out::sign_out;
use crate::state::AppState;
use crate::web::candidate::accounts::{EmptyForm, LoginForm, LoginPage, login_with_form};
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::extract::session::AuthRejection;
use crate::web::extract::{ClientIp, CurrentStaff, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;

#[derive(Template)]
#[template(path = "staff/home.html")]
struct StaffHome {
    chrome: Chrome,
    username: String,
    role: &'static str,
    scope: String,
}

/// `GET /staff`: the console for staff, the sign-in form for everyone else.
pub async fn home(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: Result<CurrentStaff, AuthRejection>,
) -> Result<Response, AppError> {
    let html = match staff {
        Ok(staff) => {
            let scope = match &staff.scope {
                StaffScope::Area => format!("{}全部报名点", area_name(&app)),
                StaffScope::Points(points) => points
                    .iter()
                    .map(|code| point_name(&app, code))
                    .collect::<Vec<_>>()
                    .join("、"),
            };
            StaffHome {
                chrome: Chrome {
                    csrf: csrf.0,
                    user: Some(staff.username.clone()),
                    staff: true,
                },
                username: staff.username,
                role: staff.role.label(),
                scope,
            }
            .render()
        }
        Err(_) => LoginPage {
            chrome: Chrome {
                csrf: csrf.0,
                user: None,
                staff: true,
            },
            errors: FormErrors::default(),
            username: String::new(),
            captcha: None,
            action: urls::STAFF_SIGN_IN,
        }
        .render(),
    };
    Ok((StatusCode::OK, Html(html.map_err(anyhow::Error::from)?)).into_response())
}

fn area_name(app: &AppState) -> String {
    app.exams
        .iter()
        .next()
        .map(|e| e.area.name.clone())
        .unwrap_or_default()
}

fn point_name(app: &AppState, code: &str) -> String {
    app.exams
        .iter()
        .find_map(|e| e.point(code))
        .map_or_else(|| code.to_owned(), |p| p.name.clone())
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
        AccountKind::Staff,
        &csrf,
        ip.to_string(),
        &headers,
        form,
        urls::STAFF,
    )
    .await
}

pub async fn logout(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Result<CurrentStaff, AuthRejection>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    if let Ok(staff) = staff {
        sign_out(
            &app,
            AccountKind::Staff,
            staff.id.0,
            &staff.session.id_hash,
            ip.to_string(),
        )
        .await?;
    }
    let mut response = Redirect::to(urls::STAFF).into_response();
    cookies::clear(
        response.headers_mut(),
        CookieName::Session(AccountKind::Staff),
        app.config.https,
    );
    Ok(response)
}
