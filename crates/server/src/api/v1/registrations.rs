//! `/api/v1/registrations`: starting a registration, reading it, saving its sections.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{Registration, Section, TaskStatus, evaluate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use crate::services::registrations::save_section::save_section;
use crate::services::registrations::start_registration::start_registration;
use crate::services::registrations::view;
use crate::state::AppState;
use crate::web::error::{AppError, FieldErrors};
use crate::web::extract::{ApiJson, CurrentCandidate};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    /// The exam id, e.g. `2025-shanghai`.
    pub exam: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationCreated {
    /// 网报号.
    #[schema(example = "253112345678")]
    pub registration_no: String,
}

/// Starts a registration for an open exam (one per candidate per exam).
#[utoipa::path(post, path = "/registrations", tag = "registrations", request_body = NewRegistration,
    responses(
        (status = 201, body = RegistrationCreated),
        (status = 409, description = "Registration closed (with the dates), or already registered", body = ApiErrorEnvelope),
        (status = 422, body = ApiErrorEnvelope),
    ))]
pub async fn create(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    ApiJson(body): ApiJson<NewRegistration>,
) -> Result<Response, AppError> {
    let no = start_registration(&app, candidate.id, &body.exam).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationCreated {
            registration_no: no.to_string(),
        }),
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub section: &'static str,
    pub label: &'static str,
    /// `not_started` or `completed`.
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub label: &'static str,
    pub reached: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityDto {
    /// `eligible`, `not_eligible` or `needs_review`.
    pub verdict: &'static str,
    pub label: &'static str,
    pub reasons: Vec<String>,
    /// Whether a `not_eligible` result stops submission in this exam.
    pub blocks_submission: bool,
}

/// A registration as its candidate sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationDto {
    pub registration_no: String,
    pub exam: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Send back with a save to detect a concurrent change (409).
    pub revision: i32,
    /// Moves on with every change of the data printed on the application form.
    pub form_revision: i32,
    #[schema(value_type = Object)]
    pub sections: serde_json::Value,
    pub tasks: Vec<TaskDto>,
    /// The seven nodes of the progress bar.
    pub steps: Vec<StepDto>,
    pub eligibility: EligibilityDto,
    /// Reasons of the latest decision (a return, or a published rejection), one line each
    /// in Chinese.
    pub return_reasons: Vec<String>,
    /// The latest decision the candidate may see (absent before any).
    pub decision: Option<DecisionDto>,
    /// What the candidate may do now.
    pub allowed: AllowedDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    /// `confirm`, `return`, `qualify` or `disqualify`.
    pub kind: &'static str,
    pub label: &'static str,
    pub reasons: Vec<ReasonDto>,
    #[schema(example = "2024-12-05T10:00:00+08:00")]
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonDto {
    #[schema(example = "material_unclear")]
    pub code: String,
    #[schema(example = "材料不清晰")]
    pub text: String,
    /// The material slot it concerns, if any.
    pub slot: Option<String>,
    pub note: String,
}

/// Whether each of the candidate's actions is open now (windows and status).
#[derive(Debug, Serialize, ToSchema)]
pub struct AllowedDto {
    /// Save sections, upload and delete files.
    pub edit: bool,
    pub submit: bool,
    pub withdraw: bool,
}

/// The registration as its candidate sees it now: a qualification decision shows only from
/// the publication time of the exam definition.
pub(crate) fn dto(app: &AppState, record: &Registration) -> RegistrationDto {
    let exam = app.exams.get(&record.exam_id);
    match exam {
        Some(exam) => dto_of(
            app,
            &record.as_seen_by_candidate(exam, app.clock.now()),
            Some(exam),
        ),
        None => dto_of(app, record, None),
    }
}

/// The registration as it is (for staff).
pub(crate) fn dto_for_staff(app: &AppState, record: &Registration) -> RegistrationDto {
    dto_of(app, record, app.exams.get(&record.exam_id))
}

/// `exam` is `None` only when its definition was withdrawn from the server: nothing is
/// allowed then, and eligibility cannot be judged.
fn dto_of(app: &AppState, record: &Registration, exam: Option<&ExamDefinition>) -> RegistrationDto {
    let now = app.clock.now();
    let eligibility = exam.map(|exam| evaluate(exam, &record.sections));
    RegistrationDto {
        registration_no: record.no.to_string(),
        exam: record.exam_id.clone(),
        status: record.status.key(),
        status_label: record.status.label(),
        revision: record.revision,
        form_revision: record.form_revision,
        sections: serde_json::to_value(&record.sections).unwrap_or_default(),
        tasks: Section::ALL
            .iter()
            .map(|s| TaskDto {
                section: s.key(),
                label: s.label(),
                status: match record.sections.status(*s) {
                    TaskStatus::NotStarted => "not_started",
                    TaskStatus::Completed => "completed",
                },
            })
            .collect(),
        steps: record
            .steps()
            .into_iter()
            .map(|s| StepDto {
                label: s.step.label(),
                reached: s.reached,
            })
            .collect(),
        eligibility: match (eligibility, exam) {
            (Some(e), Some(exam)) => EligibilityDto {
                verdict: e.verdict.key(),
                label: e.verdict.label(),
                reasons: e.reasons,
                blocks_submission: exam.eligibility.blocks_submission,
            },
            _ => EligibilityDto {
                verdict: "needs_review",
                label: "需人工审核",
                reasons: vec![],
                blocks_submission: false,
            },
        },
        return_reasons: record.reason_lines(),
        decision: record.last_decision.as_ref().map(|d| DecisionDto {
            kind: d.kind.key(),
            label: d.kind.label(),
            reasons: d
                .reasons
                .iter()
                .map(|r| ReasonDto {
                    code: r.code.clone(),
                    text: r.text.clone(),
                    slot: r.slot.clone(),
                    note: r.note.clone(),
                })
                .collect(),
            at: crate::format::rfc3339(d.at),
        }),
        allowed: AllowedDto {
            edit: exam.is_some_and(|e| record.may_edit(e, now).is_ok()),
            submit: exam.is_some_and(|e| record.may_submit(e, now).is_ok()),
            withdraw: exam.is_some_and(|e| record.may_withdraw(e, now).is_ok()),
        },
    }
}

/// Everything about one's own registration; 404 for anyone else's.
#[utoipa::path(get, path = "/registrations/{no}", tag = "registrations",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 200, body = RegistrationDto), (status = 404, body = ApiErrorEnvelope)))]
pub async fn get(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<RegistrationDto>, AppError> {
    let screen = view::registration_screen(&app, candidate.id, &no).await?;
    Ok(Json(dto_of(&app, &screen.registration, Some(&screen.exam))))
}

/// Saves one section (`basic`, `exam`, `education`, `work`). The body is the section's
/// fields, plus optionally `revision` (from the last read) to refuse overwriting a
/// concurrent change with 409.
#[utoipa::path(put, path = "/registrations/{no}/sections/{section}", tag = "registrations",
    params(("no" = String, Path, description = "网报号"), ("section" = String, Path, description = "basic, exam, education or work")),
    request_body(content = Object, description = "The section's fields (CONTRACT.md) and optionally `revision`"),
    responses(
        (status = 200, body = RegistrationDto),
        (status = 404, description = "Not yours, or no such section", body = ApiErrorEnvelope),
        (status = 409, description = "Closed for changes, or changed meanwhile", body = ApiErrorEnvelope),
        (status = 422, description = "Fields to fix", body = ApiErrorEnvelope),
        (status = 503, description = "The rush: not saved; retry after Retry-After", body = ApiErrorEnvelope),
    ))]
pub async fn put_section(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path((no, section)): Path<(String, String)>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<RegistrationDto>, AppError> {
    let section = Section::from_key(&section).ok_or_else(|| AppError::NotFoundBecause {
        code: "unknown_section",
        message: format!("没有“{section}”这一部分：只有 basic、exam、education、work"),
    })?;
    let serde_json::Value::Object(mut fields) = body else {
        return Err(AppError::Invalid {
            message: "请求内容应为 JSON 对象".into(),
            fields: FieldErrors::new(),
        });
    };
    let revision = match fields.remove("revision") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => match v.as_i64().and_then(|r| i32::try_from(r).ok()) {
            Some(r) => Some(r),
            None => {
                let mut errors = FieldErrors::new();
                errors.insert("revision".into(), vec!["revision 应为整数".into()]);
                return Err(AppError::Invalid {
                    message: "revision 应为整数".into(),
                    fields: errors,
                });
            }
        },
    };
    let saved = save_section(&app, candidate.id, &no, section, &fields, revision).await?;
    Ok(Json(dto(&app, &saved.record)))
}

/// 提交报名信息: refused with everything still missing (422), or when closed (409).
/// Submitting again changes nothing.
#[utoipa::path(post, path = "/registrations/{no}/submit", tag = "registrations",
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, body = RegistrationDto),
        (status = 409, description = "Window closed or status does not allow it", body = ApiErrorEnvelope),
        (status = 422, description = "`fields` lists what is missing", body = ApiErrorEnvelope),
        (status = 503, description = "The rush: not submitted; retry after Retry-After", body = ApiErrorEnvelope),
    ))]
pub async fn submit(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<RegistrationDto>, AppError> {
    let record = crate::services::registrations::submit::submit(&app, candidate.id, &no).await?;
    Ok(Json(dto(&app, &record)))
}

/// 撤回: takes back a submission that no one has decided on yet, while the registration
/// window is open (the draft it becomes can be submitted only inside it).
#[utoipa::path(post, path = "/registrations/{no}/withdraw", tag = "registrations",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 200, body = RegistrationDto), (status = 409, description = "`withdraw_closed`: not submitted, or the registration window has closed", body = ApiErrorEnvelope)))]
pub async fn withdraw(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<RegistrationDto>, AppError> {
    let record = crate::services::registrations::submit::withdraw(&app, candidate.id, &no).await?;
    Ok(Json(dto(&app, &record)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    #[schema(example = "2024-12-01T10:00:00+08:00")]
    pub at: String,
    #[schema(example = "registration.submitted")]
    pub action: String,
    /// `candidate`, `staff` or `system`.
    pub by: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// The registration's history (its audit trail as the candidate may see it).
#[utoipa::path(get, path = "/registrations/{no}/history", tag = "registrations",
    params(("no" = String, Path, description = "网报号")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ApiErrorEnvelope)))]
pub async fn history(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    let entries = view::history(&app, candidate.id, &no).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|r| HistoryEntry {
                at: crate::format::rfc3339(r.at),
                action: r.action,
                by: r.by,
                details: r.details,
            })
            .collect(),
    ))
}
