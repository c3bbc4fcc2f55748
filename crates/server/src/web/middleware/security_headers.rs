//! Security headers on every response, so that no handler has to remember them.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No inline script or style, nothing from other origins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether to send `Strict-Transport-Security` (only when served over HTTPS).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

pub async fn security_headers(
    State(https): State<Https>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set_default = |name: HeaderName, value: &'static str| {
        // A handler may have set a stricter policy (e.g. for served images): keep it.
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set_default(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::REFERRER_POLICY, "same-origin");
    set_default(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set_default(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set_default(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if https.0 {
        set_default(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}
