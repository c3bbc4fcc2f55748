//! Photo and materials: `/api/v1/registrations/{no}/slots`, `…/files`, `…/photo`,
//! `…/materials/complete`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use examreg_domain::registration::{SlotView, UploadedFile};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ApiErrorEnvelope;
use crate::services::uploads;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentCandidate;

#[derive(Debug, Serialize, ToSchema)]
pub struct FileDto {
    pub id: String,
    pub sha256: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// For the signed application form: `current` (its barcode names the current
    /// revision) or `unreadable` (no barcode could be read: the reviewer checks by eye).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form_barcode: Option<String>,
}

impl From<&UploadedFile> for FileDto {
    fn from(u: &UploadedFile) -> Self {
        FileDto {
            id: u.id.to_string(),
            sha256: u.sha256.clone(),
            size: u.size,
            width: u.width,
            height: u.height,
            form_barcode: u.barcode.map(|b| b.key().to_owned()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    #[schema(example = "3-1")]
    pub id: String,
    pub title: String,
    pub max_files: u8,
    pub required: bool,
    /// Why the slot applies to this registration.
    pub reason: String,
    pub files: Vec<FileDto>,
}

impl From<&SlotView> for SlotDto {
    fn from(v: &SlotView) -> Self {
        SlotDto {
            id: v.slot.id.to_string(),
            title: v.slot.title.clone(),
            max_files: v.slot.max_files,
            required: v.required,
            reason: v.slot.reason.clone(),
            files: v.files.iter().map(FileDto::from).collect(),
        }
    }
}

/// The material slots that apply to the registration, with their files.
#[utoipa::path(get, path = "/registrations/{no}/slots", tag = "uploads",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 200, body = Vec<SlotDto>), (status = 404, body = ApiErrorEnvelope)))]
pub async fn list_slots(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<Vec<SlotDto>>, AppError> {
    let (_, _, views) = uploads::slots(&app, candidate.id, &no).await?;
    Ok(Json(views.iter().map(SlotDto::from).collect()))
}

/// 上传材料: multipart field `file`, one JPEG.
#[utoipa::path(post, path = "/registrations/{no}/slots/{slot}/files", tag = "uploads",
    params(("no" = String, Path, description = "网报号"), ("slot" = String, Path, description = "Slot id, e.g. 3-1")),
    request_body(content_type = "multipart/form-data", description = "field `file`: a JPEG"),
    responses(
        (status = 201, body = FileDto),
        (status = 404, description = "Not yours, or no such slot", body = ApiErrorEnvelope),
        (status = 409, description = "Slot full, duplicate, slot does not apply, or closed", body = ApiErrorEnvelope),
        (status = 413, body = ApiErrorEnvelope),
        (status = 415, description = "Not a JPEG (the message names what it is)", body = ApiErrorEnvelope),
        (status = 422, description = "A JPEG that fails the checks", body = ApiErrorEnvelope),
        (status = 503, description = "The rush: not stored; retry after Retry-After", body = ApiErrorEnvelope),
    ))]
pub async fn upload_file(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path((no, slot)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let bytes = crate::web::extract::multipart_file(multipart, app.config.max_upload_body_bytes)
        .await?
        .ok_or_else(|| AppError::BadRequest("缺少名为 file 的文件".into()))?;
    let upload = uploads::upload_material(&app, candidate.id, &no, &slot, bytes).await?;
    Ok((StatusCode::CREATED, Json(FileDto::from(&upload))).into_response())
}

/// 上传照片: the body is the JPEG (`Content-Type: image/jpeg`); replaces an earlier photo.
#[utoipa::path(put, path = "/registrations/{no}/photo", tag = "uploads",
    params(("no" = String, Path, description = "网报号")),
    request_body(content_type = "image/jpeg", description = "the photo"),
    responses((status = 201, body = FileDto), (status = 413, body = ApiErrorEnvelope), (status = 415, body = ApiErrorEnvelope), (status = 422, body = ApiErrorEnvelope)))]
pub async fn put_photo(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let declared = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !declared.starts_with("image/jpeg") {
        return Err(AppError::UnsupportedMediaType(
            "请以 Content-Type: image/jpeg 上传照片".into(),
        ));
    }
    let upload = uploads::upload_photo(&app, candidate.id, &no, body).await?;
    Ok((StatusCode::CREATED, Json(FileDto::from(&upload))).into_response())
}

/// The candidate confirms the photo they see (上传照片 turns green).
#[utoipa::path(post, path = "/registrations/{no}/photo/confirm", tag = "uploads",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 204), (status = 409, body = ApiErrorEnvelope)))]
pub async fn confirm_photo(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<StatusCode, AppError> {
    uploads::confirm_photo(&app, candidate.id, &no).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 上传全部证明材料: refused with the list of required slots still empty.
#[utoipa::path(post, path = "/registrations/{no}/materials/complete", tag = "uploads",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 204), (status = 422, description = "`fields` names each empty required slot as `slots.<id>`", body = ApiErrorEnvelope)))]
pub async fn complete(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<StatusCode, AppError> {
    uploads::complete_materials(&app, candidate.id, &no).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn file_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

/// Which rendering of an image a client asks for: `?size=thumb` for a preview.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    size: Option<String>,
}

impl FileQuery {
    pub(crate) fn variant(&self) -> Result<uploads::Variant, AppError> {
        match self.size.as_deref() {
            None | Some("original") => Ok(uploads::Variant::Original),
            Some("thumb") => Ok(uploads::Variant::Thumbnail),
            Some(other) => Err(AppError::BadRequest(format!(
                "size 只能是 thumb 或 original，收到“{other}”"
            ))),
        }
    }
}

/// One of the candidate's images, served so that no browser treats it as anything else.
#[utoipa::path(get, path = "/registrations/{no}/files/{id}", tag = "uploads",
    params(("no" = String, Path, description = "网报号"), ("id" = String, Path, description = "File id"),
        ("size" = Option<String>, Query, description = "`thumb` for a preview at most 320 pixels on the longer side")),
    responses((status = 200, content_type = "image/jpeg", description = "The image"), (status = 404, body = ApiErrorEnvelope)))]
pub async fn get_file(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path((no, id)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
) -> Result<Response, AppError> {
    let variant = query.variant()?;
    let (upload, bytes) =
        uploads::own_file(&app, candidate.id, &no, file_id(&id)?, variant).await?;
    Ok(jpeg_response(&upload, bytes))
}

/// The headers every served image carries.
pub(crate) fn jpeg_response(upload: &UploadedFile, bytes: Bytes) -> Response {
    (
        [
            (CONTENT_TYPE, "image/jpeg".to_owned()),
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (CACHE_CONTROL, "private, max-age=300".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("inline; filename=\"{}.jpg\"", upload.id),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// 🗑: removes one of the candidate's files.
#[utoipa::path(delete, path = "/registrations/{no}/files/{id}", tag = "uploads",
    params(("no" = String, Path, description = "网报号"), ("id" = String, Path, description = "File id")),
    responses((status = 204), (status = 404, body = ApiErrorEnvelope)))]
pub async fn delete_file(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path((no, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    uploads::delete_file(&app, candidate.id, &no, file_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
