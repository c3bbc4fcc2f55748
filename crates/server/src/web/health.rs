//! Liveness, readiness and metrics for operators and load balancers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use crate::secrets::constant_time_eq;
use crate::web::extract::ClientIp;

use crate::state::AppState;

/// 200 while the process runs.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when the database and the file store answer, else 503 naming which did not.
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    let failing = crate::services::health::not_ready(&app).await;
    if failing.is_empty() {
        (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ready\n".to_owned(),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, "no-store")],
            format!("not ready: {}\n", failing.join(", ")),
        )
    }
}

/// Prometheus text format, for the local host or a scraper with the metrics token.
pub async fn metrics(
    State(app): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let with_token = match (&app.config.metrics_token, token) {
        (Some(expected), Some(given)) => constant_time_eq(expected.expose_secret(), given.trim()),
        _ => false,
    };
    if !client.is_loopback() && !with_token {
        return (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            "metrics are served to the local host or with the metrics token\n",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}
