//! The staff console at `/staff`: sign-in, the review queue, cases and decisions.

pub mod finance;
pub mod review;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::AccountKind;

use crate::services::accounts::sign_out::sign_out;
use crate::services::review::{QueueQuery, waiting_for_points};
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
    /// 缴费与退款, for the roles that handle payments.
    finance_href: Option<&'static str>,
    errors: FormErrors,
    /// "N 条待确认，截止 …" for each exam with registrations waiting for points.
    waiting: Vec<String>,
    queue: review::QueueView,
}

/// `GET /staff`: the console for staff, the sign-in form for everyone else.
pub async fn home(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: Result<CurrentStaff, AuthRejection>,
    Query(query): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let html = match staff {
        Ok(staff) => {
            let scope = review::scope_label(&app, &staff.scope);
            let waiting = waiting_for_points(&app, &staff.reviewer())
                .await?
                .into_iter()
                .map(|w| {
                    format!(
                        "{}：{} 条待报名点确认，报名确认截止 {}。逾期未确认的将转考区审核。",
                        w.exam_title,
                        w.count,
                        crate::format::date_time(w.closes)
                    )
                })
                .collect();
            let mut queue = review::queue_view(&app, &staff, &query).await?;
            let errors = std::mem::take(&mut queue.errors);
            StaffHome {
                chrome: Chrome {
                    csrf: csrf.0,
                    user: Some(staff.username.clone()),
                    staff: true,
                    todos: Vec::new(),
                },
                username: staff.username,
                role: staff.role.label(),
                finance_href: staff.role.handles_payments().then_some(urls::STAFF_FINANCE),
                scope,
                errors,
                waiting,
                queue,
            }
            .render()
        }
        Err(_) => LoginPage {
            chrome: Chrome {
                csrf: csrf.0,
                user: None,
                staff: true,
                todos: Vec::new(),
            },
            errors: FormErrors::default(),
            notice: None,
            username: String::new(),
            captcha: None,
            action: urls::STAFF_SIGN_IN,
        }
        .render(),
    };
    Ok((StatusCode::OK, Html(html.map_err(anyhow::Error::from)?)).into_response())
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
