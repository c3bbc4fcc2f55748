//! JSON bodies for the API, with errors in the contract's shape: 415 for another content
//! type, 400 for JSON that does not parse, 422 for JSON of the wrong shape (an unknown or
//! missing field, a wrong type), naming the field.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::state::AppState;
use crate::web::error::{AppError, FieldErrors};

#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, app: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType(
                "请以 application/json 提交".into(),
            ));
        }
        let bytes = axum::body::to_bytes(request.into_body(), app.config.max_body_bytes)
            .await
            .map_err(|e| super::body_error(&e, app.config.max_body_bytes))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => {
                // Text with a NUL is never meant, and PostgreSQL refuses to store it.
                if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| has_nul(&v)) {
                    return Err(super::nul_refused());
                }
                Ok(ApiJson(value))
            }
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    return Err(AppError::BadRequest(format!(
                        "JSON 格式错误（第 {} 行）",
                        inner.line()
                    )));
                }
                let message = shape_message(&inner.to_string());
                let field = if path == "." { "body".to_owned() } else { path };
                let mut fields = FieldErrors::new();
                fields.insert(field, vec![message.clone()]);
                Err(AppError::Invalid { message, fields })
            }
        }
    }
}

fn has_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// serde's English explanation, said in Chinese where it is one of the common cases.
fn shape_message(serde: &str) -> String {
    if let Some(rest) = serde.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        format!("不认识的字段 {name}")
    } else if let Some(rest) = serde.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        format!("缺少字段 {name}")
    } else if serde.starts_with("invalid type") {
        format!("字段类型不正确（{serde}）")
    } else {
        format!("内容不符合要求（{serde}）")
    }
}
