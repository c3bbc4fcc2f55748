//! Liveness, readiness and metrics for operators and load balancers.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::state::AppState;

/// 200 while the process runs.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when the database and the file store answer, else 503 naming which did not.
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    let (db, files) = tokio::join!(app.store.ping(), app.files.check());
    let mut failing = Vec::new();
    if let Err(err) = db {
        tracing::warn!(error = %err, "readiness: database");
        failing.push("database");
    }
    if let Err(err) = files {
        tracing::warn!(error = %err, "readiness: file store");
        failing.push("file store");
    }
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

/// Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}
