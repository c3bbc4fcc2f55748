//! Static assets, compiled into the binary: no CDN, nothing fetched at run time.

use axum::http::header;
use axum::response::IntoResponse;

const APP_CSS: &str = include_str!("../../static/app.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}
