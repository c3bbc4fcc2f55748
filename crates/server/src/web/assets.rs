//! Static assets, compiled into the binary: no CDN, nothing fetched at run time.

use axum::http::header;
use axum::response::IntoResponse;

const APP_CSS: &str = include_str!("../../static/app.css");
const UPLOAD_JS: &str = include_str!("../../static/upload.js");
const VIEWER_JS: &str = include_str!("../../static/viewer.js");
const PAYMENT_JS: &str = include_str!("../../static/payment.js");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

fn script(source: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        source,
    )
}

/// The upload enhancement of the photo and materials pages (resize, convert, progress).
pub async fn upload_script() -> impl IntoResponse {
    script(UPLOAD_JS)
}

/// The reviewer's image viewer (zoom, rotate, previous/next).
pub async fn viewer_script() -> impl IntoResponse {
    script(VIEWER_JS)
}

/// The 缴费 page's status poll.
pub async fn payment_script() -> impl IntoResponse {
    script(PAYMENT_JS)
}
