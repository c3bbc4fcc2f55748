//! Cross-site request forgery defence, for every state-changing request in one place.
//!
//! 1. Origin: a browser's `Sec-Fetch-Site` must be `same-origin` (or `none`, typed by the
//!    user); without it, an `Origin` header must name this host.
//! 2. Token: a request that carries cookies (and is not authenticated by a bearer token)
//!    must echo the CSRF cookie's value — in the `X-CSRF-Token` header (scripts, API
//!    clients), the `csrf_token` form field (plain HTML forms), or the `csrf_token` query
//!    parameter (multipart uploads). Requests without cookies carry no ambient authority.
//!
//! The middleware also makes sure every browser has a CSRF cookie, and hands its value to
//! handlers as [`CsrfToken`] so that pages can put it into their forms.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::secrets::{constant_time_eq, random_token};
use crate::state::AppState;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;

/// The CSRF token of this browser, for forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CSRF middleware is not installed")))
    }
}

fn refused(message: &str) -> Response {
    AppError::Forbidden {
        code: "csrf_failed",
        message: message.to_owned(),
    }
    .into_response()
}

const EXPIRED_PAGE: &str = "页面已过期或来源不明，请刷新页面后重试";

/// Whether the request comes from a page of this site, as far as the browser tells.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host),
        // Not a browser request (or a very old browser): the token decides.
        (None, _) => true,
        (Some(_), None) => false,
    }
}

fn form_field(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == "csrf_token").then_some(v))
}

fn query_field(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find_map(|(k, v)| (k == "csrf_token").then_some(v))
}

pub async fn csrf(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let https = app.config.https;
    let cookie_name = CookieName::Csrf.name(https);
    let existing = cookies::get(request.headers(), cookie_name)
        .filter(|t| t.len() == 43)
        .map(str::to_owned);
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );

    let mut request = request;
    if unsafe_method {
        if !same_origin(request.headers()) {
            return refused(EXPIRED_PAGE);
        }
        let bearer = request.headers().get(AUTHORIZATION).is_some();
        if !bearer && cookies::any(request.headers()) {
            let Some(expected) = existing.clone() else {
                return refused(EXPIRED_PAGE);
            };
            let mut provided = request
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .or_else(|| query_field(&request));
            let is_form = request
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
            if provided.is_none() && is_form {
                // Read the (size-limited) form to find the field, then hand it on intact.
                let (parts, body) = request.into_parts();
                let bytes = match to_bytes(body, app.config.max_body_bytes).await {
                    Ok(bytes) => bytes,
                    Err(_) => {
                        return AppError::BadRequest("表单内容过大或不完整".into()).into_response();
                    }
                };
                provided = form_field(&bytes);
                request = Request::from_parts(parts, Body::from(bytes));
            }
            if !provided.is_some_and(|p| constant_time_eq(&p, &expected)) {
                return refused(EXPIRED_PAGE);
            }
        }
    }

    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => (random_token(), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    let handler_set_one = response.headers().get_all(SET_COOKIE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(&format!("{cookie_name}=")))
    });
    if fresh && !handler_set_one {
        cookies::set(
            response.headers_mut(),
            CookieName::Csrf,
            &token,
            https,
            None,
        );
    }
    response
}
