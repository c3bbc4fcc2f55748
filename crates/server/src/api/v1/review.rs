//! The staff API of CONTRACT.md: queue, case, 报名确认.

use axum::Json;
use axum::extract::{Path, Query, State};
use examreg_domain::registration::DecisionKind;
use examreg_domain::vocab::Vocabulary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use super::registrations::{RegistrationDto, dto_for_staff};
use super::uploads::FileDto;
use crate::services::review::confirmation::{ReasonInput, decide};
use crate::services::review::{CaseFlag, QueueQuery, case_view, queue};
use crate::state::AppState;
use crate::web::error::{AppError, FieldErrors};
use crate::web::extract::{ApiJson, CurrentStaff};

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub registration_no: String,
    pub status: &'static str,
    pub name: Option<String>,
    pub point: Option<String>,
    pub level: Option<&'static str>,
    pub specialty_code: Option<String>,
    pub updated_at: String,
    pub revision: i32,
    /// `unreadable_form` (no barcode could be read from the signed form), `stale_form`
    /// (the signed form is of an older revision than the data).
    pub flags: Vec<&'static str>,
}

fn flag_key(flag: CaseFlag) -> &'static str {
    match flag {
        CaseFlag::UnreadableForm => "unreadable_form",
        CaseFlag::StaleForm => "stale_form",
    }
}

/// The queue the signed-in reviewer may see.
#[utoipa::path(get, path = "/staff/registrations", tag = "staff",
    params(
        ("status" = Option<String>, Query, description = "submitted, returned, confirmed …"),
        ("point" = Option<String>, Query, description = "A registration point code"),
        ("q" = Option<String>, Query, description = "A 网报号 or its beginning, or a name"),
        ("level" = Option<String>, Query, description = "junior, intermediate …"),
        ("specialty" = Option<String>, Query, description = "A specialty code"),
        ("from" = Option<String>, Query, description = "Changed on or after this day, YYYY-MM-DD (China time)"),
        ("to" = Option<String>, Query, description = "Changed on or before this day"),
        ("flag" = Option<String>, Query, description = "unreadable_form: the uploaded form has no readable barcode"),
        ("page" = Option<u64>, Query, description = "From 0; 50 a page"),
    ),
    responses((status = 200, body = Vec<QueueItem>), (status = 401, body = ApiErrorEnvelope), (status = 422, body = ApiErrorEnvelope)))]
pub async fn list(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Query(query): Query<QueueQuery>,
) -> Result<Json<Vec<QueueItem>>, AppError> {
    let filter = query.to_filter().map_err(|problems| {
        let mut fields = FieldErrors::new();
        for (field, message) in problems {
            fields.entry(field).or_default().push(message);
        }
        AppError::Invalid {
            message: "筛选条件有误".into(),
            fields,
        }
    })?;
    let rows = queue(&app, &staff.reviewer(), filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| {
                let r = &row.registration;
                QueueItem {
                    registration_no: r.no.to_string(),
                    status: r.status.key(),
                    name: r.sections.basic.as_ref().map(|b| b.name.clone()),
                    point: r.sections.exam.as_ref().map(|e| e.point.clone()),
                    level: r.sections.exam.as_ref().map(|e| e.level.key()),
                    specialty_code: r.sections.exam.as_ref().map(|e| e.specialty_code.clone()),
                    updated_at: crate::format::rfc3339(r.updated_at),
                    revision: r.revision,
                    flags: row.flags.iter().copied().map(flag_key).collect(),
                }
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    #[serde(flatten)]
    pub registration: RegistrationDto,
    pub files: Vec<CaseFile>,
    /// What changed since the latest decision (absent before any decision).
    pub changes_since_last_decision: Option<ChangesDto>,
    /// `unreadable_form`, `stale_form`.
    pub flags: Vec<&'static str>,
    /// The decisions the signed-in reviewer may take now (`confirm`, `return`,
    /// `qualify`, `disqualify`).
    pub open_decisions: Vec<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesDto {
    pub fields: Vec<FieldChangeDto>,
    /// Ids of files uploaded since.
    pub files_added: Vec<String>,
    /// Ids of files deleted since.
    pub files_removed: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeDto {
    #[schema(example = "work")]
    pub section: &'static str,
    #[schema(example = "employer")]
    pub field: &'static str,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

impl From<crate::services::review::changes::Changes> for ChangesDto {
    fn from(c: crate::services::review::changes::Changes) -> Self {
        ChangesDto {
            fields: c
                .fields
                .into_iter()
                .map(|f| FieldChangeDto {
                    section: f.section.key(),
                    field: f.field,
                    before: f.before,
                    after: f.after,
                })
                .collect(),
            files_added: c.files_added.into_iter().map(|f| f.id).collect(),
            files_removed: c.files_removed.into_iter().map(|f| f.id).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFile {
    pub slot: String,
    #[serde(flatten)]
    pub file: FileDto,
}

/// The case: every field, the eligibility pre-check, every file.
#[utoipa::path(get, path = "/staff/registrations/{no}", tag = "staff",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 200, body = CaseDto), (status = 404, description = "Not in the reviewer's scope, or none", body = ApiErrorEnvelope)))]
pub async fn get_case(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Path(no): Path<String>,
) -> Result<Json<CaseDto>, AppError> {
    let view = case_view(&app, &staff.reviewer(), &no)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(CaseDto {
        registration: dto_for_staff(&app, &view.registration),
        files: view
            .files
            .iter()
            .map(|f| CaseFile {
                slot: f.slot.clone(),
                file: FileDto::from(f),
            })
            .collect(),
        changes_since_last_decision: view.changes.map(ChangesDto::from),
        flags: view.flags.into_iter().map(flag_key).collect(),
        open_decisions: view.open_decisions.into_iter().map(|k| k.key()).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationBody {
    /// `confirm` or `return`.
    pub decision: String,
    #[serde(default)]
    pub reasons: Vec<ReasonBody>,
    /// The revision the decision was made on (from the case).
    pub revision: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub code: String,
    pub slot: Option<String>,
    pub note: Option<String>,
}

/// 报名确认: a registration point confirms, or returns with coded reasons (until the
/// exam's `returns_close`). A registration escalated at the confirmation close is
/// confirmed here by the exam area.
#[utoipa::path(post, path = "/staff/registrations/{no}/confirmation", tag = "staff", request_body = ConfirmationBody,
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, body = RegistrationDto),
        (status = 403, body = ApiErrorEnvelope),
        (status = 404, body = ApiErrorEnvelope),
        (status = 409, description = "Wrong status (`wrong_status`), a closed window (`decision_closed`), or changed since the given revision (`revision_conflict`)", body = ApiErrorEnvelope),
        (status = 422, description = "Unknown reason codes or slots; a return without reasons", body = ApiErrorEnvelope),
    ))]
pub async fn post_confirmation(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<ConfirmationBody>,
) -> Result<Json<RegistrationDto>, AppError> {
    decide_with(
        &app,
        &staff,
        &no,
        body,
        [
            ("confirm", DecisionKind::Confirm),
            ("return", DecisionKind::Return),
        ],
    )
    .await
}

/// Takes one of the two `decisions` named in the body, with its reasons.
async fn decide_with(
    app: &AppState,
    staff: &CurrentStaff,
    no: &str,
    body: ConfirmationBody,
    decisions: [(&'static str, DecisionKind); 2],
) -> Result<Json<RegistrationDto>, AppError> {
    let Some(decision) = decisions
        .iter()
        .find(|(key, _)| *key == body.decision)
        .map(|(_, d)| *d)
    else {
        let mut fields = FieldErrors::new();
        let expected = format!(
            "decision 只能是 {} 或 {}，收到 {}",
            decisions[0].0, decisions[1].0, body.decision
        );
        fields.insert("decision".into(), vec![expected]);
        return Err(AppError::Invalid {
            message: "审核意见有误".into(),
            fields,
        });
    };
    let reasons = body
        .reasons
        .into_iter()
        .map(|r| ReasonInput {
            code: r.code,
            slot: r.slot,
            note: r.note,
        })
        .collect();
    let record = decide(app, &staff.reviewer(), no, decision, reasons, body.revision).await?;
    Ok(Json(dto_for_staff(app, &record)))
}

/// 资格审核 by the exam area, inside the qualification review: approve, or reject with
/// reasons (also an escalated registration). The candidate sees the result from the
/// publication time of the exam definition.
#[utoipa::path(post, path = "/staff/registrations/{no}/qualification", tag = "staff", request_body = ConfirmationBody,
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, body = RegistrationDto),
        (status = 403, body = ApiErrorEnvelope),
        (status = 404, body = ApiErrorEnvelope),
        (status = 409, description = "Not confirmed or escalated (`wrong_status`), outside the qualification review (`decision_closed`), or changed since the given revision", body = ApiErrorEnvelope),
        (status = 422, body = ApiErrorEnvelope),
    ))]
pub async fn post_qualification(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Path(no): Path<String>,
    ApiJson(body): ApiJson<ConfirmationBody>,
) -> Result<Json<RegistrationDto>, AppError> {
    decide_with(
        &app,
        &staff,
        &no,
        body,
        [
            ("approve", DecisionKind::Qualify),
            ("reject", DecisionKind::Disqualify),
        ],
    )
    .await
}

/// An image of a case, for reviewers whose scope covers it.
#[utoipa::path(get, path = "/staff/registrations/{no}/files/{id}", tag = "staff",
    params(("no" = String, Path, description = "网报号"), ("id" = String, Path, description = "File id"),
        ("size" = Option<String>, Query, description = "`thumb` for a preview at most 320 pixels on the longer side")),
    responses((status = 200, content_type = "image/jpeg", description = "The image"), (status = 404, body = ApiErrorEnvelope)))]
pub async fn get_file(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Path((no, id)): Path<(String, String)>,
    Query(query): Query<super::uploads::FileQuery>,
) -> Result<axum::response::Response, AppError> {
    let variant = query.variant()?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let (upload, bytes) =
        crate::services::uploads::file_for_reviewer(&app, &staff.reviewer(), &no, id, variant)
            .await?;
    Ok(super::uploads::jpeg_response(&upload, bytes))
}
