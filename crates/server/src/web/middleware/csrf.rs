//! Cross-site request forgery defence, for every state-changing request in one place.
//!
//! 1. Origin: a browser's `Sec-Fetch-Site` must be `same-origin` (or `none`, typed by the
//!    user); without it, an `Origin` header must name this host.
//! 2. Token: a request that carries cookies must echo the token bound to its session (the
//!    CSRF cookie's value before sign-in) — in the `X-CSRF-Token` header (scripts, API
//!    clients), the `csrf_token` form field (plain HTML forms), or the `csrf_token` query
//!    parameter (multipart uploads). Requests without cookies carry no ambient authority,
//!    and neither does one with `Authorization: Bearer …`: its session comes from the
//!    bearer token only, never from a cookie (see `extract::session`). Any other
//!    `Authorization` header changes nothing.
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

use examreg_domain::account::AccountKind;

use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::services::accounts::session::csrf_token_of;
use crate::state::AppState;
use crate::web::cookies::{self, CookieName};
use crate::web::error::AppError;
use crate::web::urls;

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

/// Whether the request signs in (and so starts a new session whatever it carries).
fn signs_in(request: &Request) -> bool {
    request.method() == Method::POST
        && [
            urls::SIGN_IN,
            urls::STAFF_SIGN_IN,
            urls::API_SESSION,
            urls::API_STAFF_SESSION,
        ]
        .contains(&request.uri().path())
}

/// Whether the request authenticates with a bearer token (and so never with a cookie).
fn bearer(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|token| !token.trim().is_empty())
}

/// The tokens bound to the valid sessions the request's cookies carry (a browser may be
/// signed in as a candidate and as staff at once).
async fn session_tokens(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Vec<String>, crate::services::StoreError> {
    let mut tokens = Vec::new();
    for kind in [AccountKind::Candidate, AccountKind::Staff] {
        let Some(token) = cookies::get(headers, CookieName::Session(kind).name(app.config.https))
        else {
            continue;
        };
        if token.is_empty() || token.len() > 128 {
            continue;
        }
        if let Some(csrf) = csrf_token_of(app, kind, &sha256_hex(token)).await? {
            tokens.push(csrf);
        }
    }
    Ok(tokens)
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
        if !bearer(request.headers()) && cookies::any(request.headers()) {
            let mut expected = match session_tokens(&app, request.headers()).await {
                Ok(tokens) => tokens,
                Err(err) => return AppError::from(err).into_response(),
            };
            // Without a session the CSRF cookie is the token. Signing in replaces whatever
            // session the browser carries (a planted one included), so there the cookie
            // counts as well.
            if expected.is_empty() || signs_in(&request) {
                expected.extend(existing.clone());
            }
            if expected.is_empty() {
                return refused(EXPIRED_PAGE);
            }
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
            if !provided.is_some_and(|p| expected.iter().any(|e| constant_time_eq(&p, e))) {
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
