//! 上传照片 and 上传材料 as pages: plain multipart forms (the CSRF token travels in the
//! query string, as multipart bodies are not read before the handler), preview 🔍 and
//! delete 🗑 per image, and 上传全部证明材料.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::registration::{Registration, SlotView, UploadedFile};
use serde::Deserialize;
use uuid::Uuid;

use crate::services::registrations::view;
use crate::services::uploads;
use crate::state::AppState;
use crate::web::candidate::registration::StepView;
use crate::web::error::AppError;
use crate::web::extract::{CurrentCandidate, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;
use crate::web::wording::{self, Attempt};

fn html(template: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    Ok((
        status,
        Html(template.render().map_err(anyhow::Error::from)?),
    )
        .into_response())
}

/// The `file` part of a page's multipart form.
async fn file_part(app: &AppState, multipart: Multipart) -> Result<axum::body::Bytes, AppError> {
    crate::web::extract::multipart_file(multipart, app.config.max_upload_body_bytes)
        .await?
        .ok_or_else(|| AppError::BadRequest("请选择要上传的文件".into()))
}

/// The message of a refused upload, for the page.
fn refusal(err: AppError) -> Result<(StatusCode, String), AppError> {
    match err {
        AppError::Invalid { message, .. } => Ok((StatusCode::UNPROCESSABLE_ENTITY, message)),
        AppError::PayloadTooLarge { message, .. } => Ok((StatusCode::PAYLOAD_TOO_LARGE, message)),
        AppError::UnsupportedMediaType(message) => {
            Ok((StatusCode::UNSUPPORTED_MEDIA_TYPE, message))
        }
        AppError::Conflict { message, .. } => Ok((StatusCode::CONFLICT, message)),
        AppError::BadRequest(message) => Ok((StatusCode::BAD_REQUEST, message)),
        AppError::StorageFull => Ok((
            StatusCode::INSUFFICIENT_STORAGE,
            "服务器存储空间不足，本次上传没有保存，请稍后重试".to_owned(),
        )),
        AppError::RequestTimeout => Ok((
            StatusCode::REQUEST_TIMEOUT,
            "上传中断或网络过慢，没有收到完整的文件，请重新上传".to_owned(),
        )),
        AppError::Busy => Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            "报名高峰，服务器正忙，本次上传没有保存。请稍等几秒后重新上传".to_owned(),
        )),
        other => Err(other),
    }
}

async fn chrome(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
) -> Result<Chrome, AppError> {
    super::candidate_chrome(app, csrf, candidate.id).await
}

/// Why the registration's files cannot change now, as the page says it.
fn locked(
    app: &AppState,
    record: &Registration,
    exam: &examreg_domain::exam::ExamDefinition,
) -> Option<String> {
    record
        .may_edit(exam, app.clock.now())
        .err()
        .map(|refusal| format!("{}。", wording::refusal(&refusal, Attempt::Files)))
}

// ----- photo -----

#[derive(Template)]
#[template(path = "candidate/photo.html")]
struct PhotoPage {
    chrome: Chrome,
    /// Why the photo cannot change now (the forms are not offered).
    locked: Option<String>,
    steps: Vec<StepView>,
    errors: FormErrors,
    no: String,
    rules: String,
    photo: Option<String>,
    confirmed: bool,
    upload_action: String,
    confirm_action: String,
    back: String,
    limits: ClientLimits,
    api: String,
}

/// What the upload script needs to fit an image into the limits before sending it.
struct ClientLimits {
    min_kb: u64,
    max_kb: u64,
    min_width: u32,
    min_height: u32,
}

impl From<&examreg_domain::exam::ImageLimits> for ClientLimits {
    fn from(l: &examreg_domain::exam::ImageLimits) -> Self {
        ClientLimits {
            min_kb: l.min_bytes.div_ceil(1024),
            max_kb: l.max_bytes / 1024,
            min_width: l.min_width,
            min_height: l.min_height,
        }
    }
}

async fn photo_page(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
    no: &str,
    error: Option<String>,
) -> Result<PhotoPage, AppError> {
    let screen = view::registration_screen(app, candidate.id, no).await?;
    let (record, exam) = (&screen.registration, &screen.exam);
    let photo = screen
        .files
        .iter()
        .find(|u| u.is_photo())
        .map(|u| urls::api_file(record.no.as_str(), &u.id.to_string()));
    let p = &exam.uploads.photo;
    Ok(PhotoPage {
        chrome: chrome(app, csrf, candidate).await?,
        locked: locked(app, record, exam),
        steps: crate::web::candidate::registration::steps_of(app, record, exam),
        errors: error.map(FormErrors::general).unwrap_or_default(),
        no: record.no.to_string(),
        rules: format!(
            "本人近期正面免冠白底彩色证件照，JPG 格式，{} KB 至 {} KB，像素不低于 {}×{}（宽×高）。照片将用于准考证和证书，确认后请勿随意更换。",
            p.min_bytes / 1024,
            p.max_bytes / 1024,
            p.min_width,
            p.min_height
        ),
        photo,
        confirmed: record.photo_confirmed_at.is_some(),
        upload_action: format!(
            "{}?csrf_token={}",
            urls::registration_photo(record.no.as_str()),
            csrf.0
        ),
        confirm_action: format!("{}/confirm", urls::registration_photo(record.no.as_str())),
        back: urls::registration(record.no.as_str()),
        limits: p.into(),
        api: format!("{}/photo", urls::api_registration(record.no.as_str())),
    })
}

pub async fn photo(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    html(
        &photo_page(&app, &csrf, &candidate, &no, None).await?,
        StatusCode::OK,
    )
}

pub async fn photo_upload(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let result = match file_part(&app, multipart).await {
        Ok(bytes) => uploads::upload_photo(&app, candidate.id, &no, bytes)
            .await
            .map_err(AppError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&urls::registration_photo(&no)).into_response()),
        Err(err) => {
            let (status, message) = refusal(err)?;
            html(
                &photo_page(&app, &csrf, &candidate, &no, Some(message)).await?,
                status,
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

pub async fn photo_confirm(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    uploads::confirm_photo(&app, candidate.id, &no).await?;
    Ok(Redirect::to(&urls::registration_materials(&no)).into_response())
}

// ----- materials -----

struct FileView {
    /// The preview shown in the list.
    thumb: String,
    /// The full image (🔍).
    src: String,
    delete_action: String,
    label: String,
}

struct SlotPageView {
    id: String,
    title: String,
    max_files: u8,
    required: bool,
    reason: String,
    files: Vec<FileView>,
    full: bool,
    upload_action: String,
    /// Where the upload script sends the file.
    api: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "candidate/materials.html")]
struct MaterialsPage {
    chrome: Chrome,
    /// Why the materials cannot change now (the forms are not offered).
    locked: Option<String>,
    steps: Vec<StepView>,
    errors: FormErrors,
    no: String,
    rules: String,
    slots: Vec<SlotPageView>,
    complete_action: String,
    completed: bool,
    back: String,
    form: FormPrintView,
    limits: ClientLimits,
}

/// 打印报名表: the button, or what to finish first, and whether an uploaded form is stale.
struct FormPrintView {
    href: Option<String>,
    revision: i32,
    missing: String,
    /// Printed revisions of uploaded forms that are no longer current.
    stale: Option<String>,
}

fn form_print_view(
    record: &Registration,
    views: &[SlotView],
    photo: Option<&UploadedFile>,
) -> FormPrintView {
    let files: Vec<UploadedFile> = views
        .iter()
        .flat_map(|v| v.files.iter())
        .chain(photo)
        .cloned()
        .collect();
    let missing = record.missing_for_print(&files);
    let no = record.no.to_string();
    let stale: Vec<String> = record
        .stale_forms(&files)
        .iter()
        .map(|f| format!("第{}版", f.form_revision.unwrap_or(0)))
        .collect();
    FormPrintView {
        href: missing.is_empty().then(|| urls::api_form_pdf(&no)),
        revision: record.form_revision,
        missing: missing
            .iter()
            .map(wording::missing_phrase)
            .collect::<Vec<_>>()
            .join("、"),
        stale: (!stale.is_empty()).then(|| {
            format!(
                "您上传的申请表为{}，报名信息已修改，当前为第{}版。请重新打印申请表，签字盖章后删除旧表并上传新表。",
                stale.join("、"),
                record.form_revision
            )
        }),
    }
}

async fn materials_page(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
    no: &str,
    slot_error: Option<(String, String)>,
    errors: FormErrors,
) -> Result<MaterialsPage, AppError> {
    let screen = view::registration_screen(app, candidate.id, no).await?;
    let (record, exam) = (&screen.registration, &screen.exam);
    let views = record.slots(exam, &screen.files);
    let m = &exam.uploads.materials;
    let no = record.no.to_string();
    let slots = views
        .iter()
        .map(|v: &SlotView| SlotPageView {
            id: v.slot.id.to_string(),
            title: v.slot.title.clone(),
            max_files: v.slot.max_files,
            required: v.required,
            reason: v.slot.reason.clone(),
            full: v.is_full(),
            files: v
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| FileView {
                    thumb: format!("{}?size=thumb", urls::api_file(&no, &f.id.to_string())),
                    src: urls::api_file(&no, &f.id.to_string()),
                    delete_action: format!("{}/files/{}/delete", urls::registration(&no), f.id),
                    label: format!("第 {} 个文件（{} KB）", i + 1, f.size.div_ceil(1024)),
                })
                .collect(),
            upload_action: format!(
                "{}/slots/{}/files?csrf_token={}",
                urls::registration(&no),
                v.slot.id,
                csrf.0
            ),
            api: format!("{}/slots/{}/files", urls::api_registration(&no), v.slot.id),
            error: slot_error
                .as_ref()
                .filter(|(id, _)| *id == v.slot.id.as_str())
                .map(|(_, m)| m.clone()),
        })
        .collect();
    Ok(MaterialsPage {
        chrome: chrome(app, csrf, candidate).await?,
        locked: locked(app, record, exam),
        steps: crate::web::candidate::registration::steps_of(app, record, exam),
        errors,
        rules: format!(
            "每个文件须为 JPG 格式，大于等于 {} KB、小于等于 {} KB。手机拍照的图片通常过大，请先用图片工具压缩，或降低相机分辨率后重新拍摄。",
            m.min_bytes / 1024,
            m.max_bytes / 1024
        ),
        slots,
        complete_action: format!("{}/complete", urls::registration_materials(&no)),
        completed: record.materials_completed_at.is_some(),
        back: urls::registration(&no),
        form: form_print_view(record, &views, screen.files.iter().find(|f| f.is_photo())),
        limits: m.into(),
        no,
    })
}

pub async fn materials(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    html(
        &materials_page(&app, &csrf, &candidate, &no, None, FormErrors::default()).await?,
        StatusCode::OK,
    )
}

pub async fn slot_upload(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path((no, slot)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let result = match file_part(&app, multipart).await {
        Ok(bytes) => uploads::upload_material(&app, candidate.id, &no, &slot, bytes)
            .await
            .map_err(AppError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}#slot-{slot}",
            urls::registration_materials(&no)
        ))
        .into_response()),
        Err(err) => {
            let (status, message) = refusal(err)?;
            let errors = FormErrors(vec![crate::web::page::FieldError {
                field: format!("slot-{slot}"),
                message: format!("材料框 {slot}：{message}"),
            }]);
            let page =
                materials_page(&app, &csrf, &candidate, &no, Some((slot, message)), errors).await?;
            html(&page, status)
        }
    }
}

pub async fn file_delete(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path((no, id)): Path<(String, String)>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    uploads::delete_file(&app, candidate.id, &no, id).await?;
    Ok(Redirect::to(&urls::registration_materials(&no)).into_response())
}

pub async fn materials_complete(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    match uploads::complete_materials(&app, candidate.id, &no)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(Redirect::to(&urls::registration(&no)).into_response()),
        Err(AppError::Invalid { message, fields }) => {
            let mut errors = vec![crate::web::page::FieldError {
                field: String::new(),
                message,
            }];
            for (name, messages) in fields {
                if let (Some(slot), Some(m)) = (name.strip_prefix("slots."), messages.first()) {
                    errors.push(crate::web::page::FieldError {
                        field: format!("slot-{slot}"),
                        message: m.clone(),
                    });
                }
            }
            let page =
                materials_page(&app, &csrf, &candidate, &no, None, FormErrors(errors)).await?;
            html(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(other),
    }
}
