//! HTML form bodies. CSRF has been checked by the middleware before this runs; this turns
//! the body into `T`, or answers 400 for a body that is not a form at all.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::state::AppState;
use crate::web::error::AppError;

#[derive(Debug, Clone)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest("须以表单方式提交".into()));
        }
        let bytes = axum::body::to_bytes(request.into_body(), app.config.max_body_bytes)
            .await
            .map_err(|e| super::body_error(&e, app.config.max_body_bytes))?;
        // A NUL is sent as `%00` (or raw); text with one is never meant, and PostgreSQL
        // refuses to store it.
        if bytes.contains(&0) || bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
            return Err(super::nul_refused());
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| AppError::BadRequest(format!("表单无法读取（{e}）")))
    }
}
