//! Extractors: the only way handlers read requests. They turn raw input into checked
//! values or a fitting error, so handlers never see what they must not trust.

pub mod client_ip;
pub mod form;
pub mod json;
pub mod session;

pub use client_ip::ClientIp;
pub use form::Form;
pub use json::ApiJson;
pub use session::{CurrentCandidate, CurrentStaff, MaybeCandidate};

use crate::web::error::AppError;

/// Why a body could not be read: too large (413), stalled (408), or cut off (400).
pub(crate) fn body_error(err: &(dyn std::error::Error + 'static), limit: usize) -> AppError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.to_string().contains("length limit exceeded") {
            return AppError::PayloadTooLarge {
                code: "body_too_large",
                message: format!("提交的内容超过 {} KB", limit / 1024),
            };
        }
        if e.is::<tower_http::timeout::TimeoutError>() {
            return AppError::RequestTimeout;
        }
        source = e.source();
    }
    AppError::BadRequest("提交的内容不完整，请重试".into())
}

/// Text with a NUL character.
pub(crate) fn nul_refused() -> AppError {
    AppError::BadRequest("提交的内容含有空字符（\\0），请删除后重试".into())
}

/// The `file` field of a multipart body, read up to `cap` bytes (memory stays bounded;
/// names and declared types are ignored: the content decides). `None` without one.
/// Public for the fuzz target `multipart` (`fuzz/`).
pub async fn multipart_file(
    mut multipart: axum::extract::Multipart,
    cap: usize,
) -> Result<Option<axum::body::Bytes>, AppError> {
    let malformed = |e: axum::extract::multipart::MultipartError| match body_error(&e, cap) {
        AppError::BadRequest(_) => {
            AppError::BadRequest(format!("上传内容格式有误（{}）", e.body_text()))
        }
        other => other,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        if field.name() != Some("file") {
            continue;
        }
        let mut buffer = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if buffer.len() + chunk.len() > cap {
                return Err(AppError::PayloadTooLarge {
                    code: "file_too_large",
                    message: format!("文件超过 {} KB，请压缩后重新上传", cap / 1024),
                });
            }
            buffer.extend_from_slice(&chunk);
        }
        return Ok(Some(axum::body::Bytes::from(buffer)));
    }
    Ok(None)
}
