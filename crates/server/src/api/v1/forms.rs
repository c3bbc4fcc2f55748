//! The application form: `GET /api/v1/registrations/{no}/form.pdf` and the public check of
//! a printed form, `GET /api/v1/verify`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use crate::services::forms::{self, Verification};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentCandidate;

/// 打印报名表: the current application form as a one-page A4 PDF. Printing records the
/// revision so that its verification code stays checkable after later changes.
#[utoipa::path(get, path = "/registrations/{no}/form.pdf", tag = "forms",
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, content_type = "application/pdf", description = "The form"),
        (status = 404, body = ApiErrorEnvelope),
        (status = 409, body = ApiErrorEnvelope, description = "Sections or the photo are not finished; the message lists them")))]
pub async fn get_form_pdf(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    let printed = forms::print(&app, candidate.id, &no).await?;
    let ascii_name = format!("form-{no}-r{}.pdf", printed.revision);
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        percent_encode(&printed.file_name)
    );
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        printed.pdf,
    )
        .into_response())
}

/// RFC 8187 encoding of a UTF-8 file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    /// 网报号.
    pub no: String,
    /// 验证码 as printed on the form (case and hyphens do not matter).
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationDto {
    /// The number and code belong to a form this system printed.
    pub authentic: bool,
    /// The printed revision is the registration's current one.
    pub current: bool,
    pub revision: Option<i32>,
    pub current_revision: Option<i32>,
    /// The candidate's name with all but the first character masked.
    #[schema(example = "欧**")]
    pub name: Option<String>,
    pub exam: Option<String>,
}

impl From<Verification> for VerificationDto {
    fn from(v: Verification) -> Self {
        match v {
            Verification::NotAuthentic => VerificationDto {
                authentic: false,
                current: false,
                revision: None,
                current_revision: None,
                name: None,
                exam: None,
            },
            Verification::Authentic {
                revision,
                current_revision,
                masked_name,
                exam_title,
            } => VerificationDto {
                authentic: true,
                current: revision == current_revision,
                revision: Some(revision),
                current_revision: Some(current_revision),
                name: Some(masked_name),
                exam: Some(exam_title),
            },
        }
    }
}

/// Is this printed form authentic, and is it the current revision? Public; reveals no
/// personal data beyond a masked name, and only for a correct code.
#[utoipa::path(get, path = "/verify", tag = "forms",
    params(
        ("no" = String, Query, description = "网报号"),
        ("code" = String, Query, description = "验证码 as printed (case and hyphens do not matter)"),
    ),
    responses((status = 200, body = VerificationDto), (status = 422, body = ApiErrorEnvelope)))]
pub async fn verify(
    State(app): State<AppState>,
    Query(query): Query<VerifyQuery>,
) -> Result<Json<VerificationDto>, AppError> {
    Ok(Json(
        forms::verify(&app, &query.no, &query.code).await?.into(),
    ))
}
