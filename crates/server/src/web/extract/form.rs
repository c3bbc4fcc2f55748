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
            .map_err(|_| AppError::BadRequest("表单内容过大或不完整".into()))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| AppError::BadRequest(format!("表单无法读取（{e}）")))
    }
}
