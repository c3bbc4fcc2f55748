//! The one error type of the web boundary, and how each case reaches a client.
//!
//! Handlers return [`AppError`]; its response carries only a status and an [`ErrorBody`]
//! extension. The [`render_errors`] middleware then writes the body in the client's
//! language: the JSON shape of CONTRACT.md under `/api`, a plain Chinese page elsewhere.
//! Error responses made outside our handlers (an oversized body, a timeout, an unknown
//! route or method) get the same treatment, so every error looks like every other.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

/// Field name → messages, for 422 answers.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request cannot be read (malformed JSON or form).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: not signed in (API); pages redirect to the sign-in page instead.
    #[error("unauthorized")]
    Unauthorized,
    /// 401: a sign-in that did not succeed, with the reason a client may act on.
    #[error("unauthenticated: {code}")]
    Unauthenticated { code: &'static str, message: String },
    /// 403: signed in but not allowed, or a request that failed the CSRF checks.
    #[error("forbidden: {message}")]
    Forbidden { code: &'static str, message: String },
    /// 404: no such resource, or one that belongs to someone else.
    #[error("not found")]
    NotFound,
    /// 404 with a more specific reason (a path segment that names nothing).
    #[error("not found: {code}")]
    NotFoundBecause { code: &'static str, message: String },
    /// 413 with a specific reason (an uploaded file over its limit).
    #[error("payload too large: {message}")]
    PayloadTooLarge { code: &'static str, message: String },
    /// 415: the body is not of the content type the route takes.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 409: the resource is not in a state that allows this.
    #[error("conflict: {message}")]
    Conflict { code: &'static str, message: String },
    /// 422: fields that do not pass validation, each with its messages.
    #[error("invalid fields")]
    Invalid {
        message: String,
        fields: FieldErrors,
    },
    /// 429 with `Retry-After`: too many attempts; try again after that many seconds.
    #[error("too many requests")]
    TooManyRequests {
        code: &'static str,
        message: String,
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After`: the server is saturated; try again shortly.
    #[error("busy")]
    Busy,
    /// 408: the client stopped sending its body.
    #[error("request timeout")]
    RequestTimeout,
    /// 503 with `Retry-After`: the database or file store cannot be reached right now;
    /// nothing was written.
    #[error("unavailable")]
    Unavailable,
    /// 503 with `Retry-After`: an outside service (the payment provider) cannot be
    /// reached or answered an error; nothing changed here.
    #[error("upstream unavailable: {code}")]
    Upstream { code: &'static str, message: String },
    /// 507: the disk is full; nothing was written.
    #[error("storage full")]
    StorageFull,
    /// 500: logged in full with the request id; the client sees only the request id.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error renderer needs: a stable code, a Chinese message, per-field messages.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}

/// Seconds a client should wait after a 503 or 429, unless the error says otherwise.
const RETRY_AFTER_SECS: u64 = 2;

/// How long the client should wait, carried from [`AppError`] to the renderer.
#[derive(Debug, Clone, Copy)]
pub struct RetryAfter(pub u64);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            AppError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                ErrorBody::new("bad_request", format!("请求格式有误：{detail}")),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                default_body(StatusCode::UNAUTHORIZED),
            ),
            AppError::Unauthenticated { code, message } => {
                (StatusCode::UNAUTHORIZED, ErrorBody::new(code, message))
            }
            AppError::Forbidden { code, message } => {
                (StatusCode::FORBIDDEN, ErrorBody::new(code, message))
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, default_body(StatusCode::NOT_FOUND)),
            AppError::NotFoundBecause { code, message } => {
                (StatusCode::NOT_FOUND, ErrorBody::new(code, message))
            }
            AppError::PayloadTooLarge { code, message } => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorBody::new(code, message))
            }
            AppError::UnsupportedMediaType(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorBody::new("unsupported_media_type", message),
            ),
            AppError::Conflict { code, message } => {
                (StatusCode::CONFLICT, ErrorBody::new(code, message))
            }
            AppError::Invalid { message, fields } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    code: "invalid_fields",
                    message,
                    fields,
                },
            ),
            AppError::TooManyRequests {
                code,
                message,
                retry_after_secs,
            } => {
                let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
                response
                    .extensions_mut()
                    .insert(ErrorBody::new(code, message));
                response
                    .extensions_mut()
                    .insert(RetryAfter(retry_after_secs));
                return response;
            }
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody::new(
                    "service_unavailable",
                    "报名高峰，服务器正忙，本次操作没有完成，请稍等几秒后重试",
                ),
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody::new(
                    "unavailable",
                    "系统暂时无法访问数据，本次操作没有保存，请稍后重试",
                ),
            ),
            AppError::Upstream { code, message } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorBody::new(code, message),
            ),
            AppError::StorageFull => (
                StatusCode::INSUFFICIENT_STORAGE,
                ErrorBody::new(
                    "storage_full",
                    "服务器存储空间不足，本次提交没有保存。请稍后重试；如持续出现，请联系报名点",
                ),
            ),
            AppError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                ErrorBody::new(
                    "request_timeout",
                    "上传中断或网络过慢，没有收到完整的内容，请重新提交",
                ),
            ),
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    default_body(StatusCode::INTERNAL_SERVER_ERROR),
                )
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(body);
        response
    }
}

impl ErrorBody {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: FieldErrors::new(),
        }
    }
}

/// The body for an error status that carries no [`ErrorBody`] of its own.
fn default_body(status: StatusCode) -> ErrorBody {
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "请求格式有误"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "请先登录"),
        StatusCode::FORBIDDEN => ("forbidden", "您无权进行此操作"),
        StatusCode::NOT_FOUND => ("not_found", "您访问的页面或资源不存在"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "不支持该请求方法"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "请求超时，请重试"),
        StatusCode::CONFLICT => ("conflict", "数据已被修改，请刷新后重试"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "提交的内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "不支持的内容类型"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid_fields", "提交的内容有误"),
        StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "操作过于频繁，请稍后再试"),
        StatusCode::SERVICE_UNAVAILABLE => ("service_unavailable", "系统繁忙，请稍后再试"),
        s if s.is_client_error() => ("bad_request", "请求有误"),
        _ => ("internal_error", "系统出现错误，请稍后再试"),
    };
    ErrorBody::new(code, message)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: crate::web::page::Chrome,
    status: u16,
    message: &'a str,
    request_id: &'a str,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: &'a ErrorBody,
}

/// Writes the body of every error response (status ≥ 400) that has none of its own kind:
/// JSON under `/api`, an HTML page elsewhere.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // "Come back later" always says when, on a page a handler rendered itself too.
    if matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
    ) && !parts.headers.contains_key(header::RETRY_AFTER)
    {
        let secs = parts
            .extensions
            .get::<RetryAfter>()
            .map_or(RETRY_AFTER_SECS, |r| r.0);
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    let already_rendered = parts.extensions.get::<ErrorBody>().is_none()
        && parts.headers.get(header::CONTENT_TYPE).is_some_and(|ct| {
            let ct = ct.to_str().unwrap_or_default();
            (is_api && ct.starts_with("application/json"))
                || (!is_api && ct.starts_with("text/html"))
        });
    if already_rendered {
        return Response::from_parts(parts, body);
    }
    let error = parts
        .extensions
        .remove::<ErrorBody>()
        .unwrap_or_else(|| default_body(status));
    parts.headers.remove(header::CONTENT_LENGTH);
    let rendered = if is_api {
        let json = serde_json::to_vec(&ErrorEnvelope { error: &error }).unwrap_or_default();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Body::from(json)
    } else {
        let page = ErrorPage {
            chrome: crate::web::page::Chrome::default(),
            status: status.as_u16(),
            message: &error.message,
            request_id: &request_id,
        };
        match page.render() {
            Ok(html) => {
                let (html_parts, html_body) = Html(html).into_response().into_parts();
                if let Some(ct) = html_parts.headers.get(header::CONTENT_TYPE) {
                    parts.headers.insert(header::CONTENT_TYPE, ct.clone());
                }
                html_body
            }
            Err(err) => {
                tracing::error!(error = %err, "error page failed to render");
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                Body::from(error.message.clone())
            }
        }
    };
    Response::from_parts(parts, rendered)
}
