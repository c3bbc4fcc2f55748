//! Staff sign-in: `/api/v1/staff/session`, `/api/v1/staff/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use examreg_domain::account::{AccountKind, StaffScope};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use super::accounts::{Credentials, SessionCreated, create_session};
use crate::services::accounts::sign_out::sign_out;
use crate::state::AppState;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::extract::{ApiJson, ClientIp, CurrentStaff};

/// Staff sign-in.
#[utoipa::path(post, path = "/staff/session", tag = "staff", request_body = Credentials,
    responses(
        (status = 201, body = SessionCreated),
        (status = 401, body = ApiErrorEnvelope),
        (status = 429, body = ApiErrorEnvelope),
    ))]
pub async fn post_session(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, AppError> {
    create_session(&app, AccountKind::Staff, ip.to_string(), &headers, body).await
}

/// Staff sign-out.
#[utoipa::path(delete, path = "/staff/session", tag = "staff",
    responses((status = 204), (status = 401, body = ApiErrorEnvelope)))]
pub async fn delete_session(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: CurrentStaff,
) -> Result<Response, AppError> {
    sign_out(
        &app,
        AccountKind::Staff,
        staff.id.0,
        &staff.session.id_hash,
        ip.to_string(),
    )
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    cookies::clear(
        response.headers_mut(),
        CookieName::Session(AccountKind::Staff),
        app.config.https,
    );
    Ok(response)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMe {
    pub id: String,
    pub username: String,
    #[schema(example = "point-reviewer")]
    pub role: &'static str,
    /// The registration point codes this reviewer works for; `null` for the whole area.
    pub points: Option<Vec<String>>,
    pub csrf_token: String,
}

/// The signed-in staff member, with role and scope.
#[utoipa::path(get, path = "/staff/me", tag = "staff",
    responses((status = 200, body = StaffMe), (status = 401, body = ApiErrorEnvelope)))]
pub async fn me(staff: CurrentStaff) -> Json<StaffMe> {
    Json(StaffMe {
        id: staff.id.to_string(),
        username: staff.username,
        role: staff.role.key(),
        points: match staff.scope {
            StaffScope::Points(points) => Some(points),
            StaffScope::Area => None,
        },
        csrf_token: staff.session.csrf_token,
    })
}
