//! The registration pages: start, task list, one page per section, check your answers.

use crate::services::StoreError;
use crate::services::accounts::profile::{Profile, profile};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{
    FieldErrors, Refusal, Registration, Section, Status, StepState, TaskStatus, Verdict,
};
use serde::Deserialize;

use super::registration_form::{self, FieldKind, FieldView};
use crate::services::registrations::save_section::{SaveError, save_section};
use crate::services::registrations::start_registration::{StartError, start_registration};
use crate::services::registrations::{owned, view};
use crate::state::AppState;
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

/// One node of the progress bar.
#[derive(Debug)]
pub struct StepView {
    pub number: usize,
    pub label: &'static str,
    pub reached: bool,
}

impl From<(usize, StepState)> for StepView {
    fn from((i, s): (usize, StepState)) -> Self {
        StepView {
            number: i + 1,
            label: s.step.label(),
            reached: s.reached,
        }
    }
}

/// The progress bar of `record` as its candidate may see it now.
pub(crate) fn steps_of(
    app: &AppState,
    record: &Registration,
    exam: &ExamDefinition,
) -> Vec<StepView> {
    record
        .as_seen_by_candidate(exam, app.clock.now())
        .steps()
        .into_iter()
        .enumerate()
        .map(StepView::from)
        .collect()
}

async fn account(app: &AppState, candidate: &CurrentCandidate) -> Result<Profile, AppError> {
    profile(app, candidate.id)
        .await?
        .ok_or(AppError::Unauthorized)
}

// ----- start -----

#[derive(Debug, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    exam: String,
}

pub async fn start(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Form(form): Form<StartForm>,
) -> Result<Response, AppError> {
    match start_registration(&app, candidate.id, &form.exam).await {
        Ok(no) => Ok(Redirect::to(&urls::registration(no.as_str())).into_response()),
        Err(StartError::AlreadyRegistered(no)) => {
            Ok(Redirect::to(&urls::registration(no.as_str())).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// ----- task list -----

struct TaskView {
    label: &'static str,
    status: &'static str,
    done: bool,
    href: String,
}

#[derive(Template)]
#[template(path = "candidate/registration.html")]
struct TaskListPage {
    chrome: Chrome,
    errors: FormErrors,
    status_label: &'static str,
    can_submit: bool,
    can_withdraw: bool,
    /// Why neither is possible now.
    closed_reason: String,
    just_submitted: bool,
    deadline: String,
    submit_action: String,
    withdraw_action: String,
    no: String,
    photo_href: String,
    materials_href: String,
    photo_done: bool,
    materials_done: bool,
    exam_title: String,
    steps: Vec<StepView>,
    tasks: Vec<TaskView>,
    complete: bool,
    check_href: String,
    form_revision: i32,
    verdict: &'static str,
    verdict_class: &'static str,
    reasons: Vec<String>,
    /// 资格审核通过 (or paid): the 缴费 page is where the year goes on.
    payment_href: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TaskListQuery {
    submitted: Option<String>,
}

pub async fn task_list(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    axum::extract::Query(query): axum::extract::Query<TaskListQuery>,
) -> Result<Response, AppError> {
    let page = task_list_page(
        &app,
        &csrf,
        &candidate,
        &no,
        FormErrors::default(),
        query.submitted.is_some(),
    )
    .await?;
    html(&page, StatusCode::OK)
}

async fn task_list_page(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
    no: &str,
    errors: FormErrors,
    just_submitted: bool,
) -> Result<TaskListPage, AppError> {
    let screen = view::registration_screen(app, candidate.id, no).await?;
    let (record, exam, eligibility) = (&screen.registration, &screen.exam, screen.eligibility);
    let now = app.clock.now();
    let no = record.no.to_string();
    let deadline = match record.status {
        Status::Returned => exam.calendar.resubmit_deadline,
        _ => exam.calendar.registration.closes,
    };
    let submit = record.may_submit(exam, now);
    let withdraw = record.may_withdraw(exam, now);
    let closed_reason = match (&submit, &withdraw) {
        (Ok(_), _) | (_, Ok(_)) => String::new(),
        (Err(Refusal::Status(Status::Submitted)), Err(refused)) => format!(
            "已提交，请等待报名点确认。{}。",
            wording::refusal(refused, Attempt::Withdraw)
        ),
        (Err(Refusal::Status(status)), _) => {
            format!("报名状态为“{}”，无需再提交。", status.label())
        }
        (Err(refused), _) => format!("{}。", wording::refusal(refused, Attempt::Submit)),
    };
    Ok(TaskListPage {
        chrome: super::candidate_chrome(app, csrf, candidate.id).await?,
        errors,
        status_label: record.status.label(),
        can_submit: submit.is_ok(),
        can_withdraw: withdraw.is_ok(),
        closed_reason,
        just_submitted,
        deadline: crate::format::date_time(deadline),
        submit_action: format!("{}/submit", urls::registration(&no)),
        withdraw_action: format!("{}/withdraw", urls::registration(&no)),
        photo_href: urls::registration_photo(&no),
        materials_href: urls::registration_materials(&no),
        photo_done: record.photo_confirmed_at.is_some(),
        materials_done: record.materials_completed_at.is_some(),
        exam_title: exam.title.clone(),
        steps: record
            .steps()
            .into_iter()
            .enumerate()
            .map(StepView::from)
            .collect(),
        tasks: Section::ALL
            .iter()
            .map(|s| {
                let status = record.sections.status(*s);
                TaskView {
                    label: s.label(),
                    status: status.label(),
                    done: status == TaskStatus::Completed,
                    href: urls::registration_section(&no, s.key()),
                }
            })
            .collect(),
        complete: record.sections.complete(),
        check_href: urls::registration_check(&no),
        form_revision: record.form_revision,
        verdict: eligibility.verdict.label(),
        verdict_class: match eligibility.verdict {
            Verdict::Eligible => "ok",
            Verdict::NotEligible => "bad",
            Verdict::NeedsReview => "review",
        },
        reasons: eligibility.reasons,
        payment_href: record
            .status
            .is_qualified()
            .then(|| urls::registration_payment(&no)),
        no,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// 提交报名信息 from the task list.
pub async fn submit(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    match crate::services::registrations::submit::submit(&app, candidate.id, &no)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}?submitted=1", urls::registration(&no))).into_response())
        }
        Err(AppError::Invalid { message, fields }) => {
            let mut errors = vec![crate::web::page::FieldError {
                field: String::new(),
                message,
            }];
            for messages in fields.into_values() {
                if let Some(m) = messages.into_iter().next() {
                    errors.push(crate::web::page::FieldError {
                        field: String::new(),
                        message: m,
                    });
                }
            }
            let page =
                task_list_page(&app, &csrf, &candidate, &no, FormErrors(errors), false).await?;
            html(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(other),
    }
}

/// 撤回 from the task list.
pub async fn withdraw(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    crate::services::registrations::submit::withdraw(&app, candidate.id, &no).await?;
    Ok(Redirect::to(&urls::registration(&no)).into_response())
}

// ----- one section -----

#[derive(Template)]
#[template(path = "candidate/section.html")]
struct SectionPage {
    chrome: Chrome,
    steps: Vec<StepView>,
    errors: FormErrors,
    no: String,
    title: &'static str,
    action: String,
    back: String,
    revision: i32,
    fields: Vec<FieldView>,
    /// Why the section cannot be changed now (no save button then).
    locked: Option<String>,
    /// The save was turned away by the rush: the typed values are shown again to save
    /// once more.
    busy: bool,
}

fn parse_section(name: &str) -> Result<Section, AppError> {
    Section::from_key(name).ok_or(AppError::NotFound)
}

fn identity(account: &Profile) -> (&str, examreg_domain::vocab::IdType, &str) {
    (&account.name, account.id_type, &account.id_number)
}

#[expect(clippy::too_many_arguments, reason = "a page is made of these parts")]
fn section_page(
    chrome: Chrome,
    account: &Profile,
    exam: &ExamDefinition,
    record: &Registration,
    section: Section,
    values: &serde_json::Map<String, serde_json::Value>,
    errors: &FieldErrors,
    revision: i32,
    now: time::OffsetDateTime,
) -> SectionPage {
    let fields = registration_form::fields(section, exam, values, identity(account), errors);
    let order: Vec<&str> = section.fields().to_vec();
    let summary = errors
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    SectionPage {
        chrome,
        steps: record
            .steps()
            .into_iter()
            .enumerate()
            .map(StepView::from)
            .collect(),
        errors: FormErrors::from_fields(&summary, &order),
        no: record.no.to_string(),
        title: section.label(),
        action: urls::registration_section(record.no.as_str(), section.key()),
        back: urls::registration(record.no.as_str()),
        revision,
        fields,
        locked: record
            .may_edit(exam, now)
            .err()
            .map(|refusal| format!("{}。", wording::refusal(&refusal, Attempt::Edit))),
        busy: false,
    }
}

pub async fn section_form(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path((no, section)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let section = parse_section(&section)?;
    let (record, exam) = owned(&app, candidate.id, &no).await?;
    let record = record.as_seen_by_candidate(&exam, app.clock.now());
    let account = account(&app, &candidate).await?;
    let values = registration_form::saved_values(section, &record.sections);
    let page = section_page(
        super::candidate_chrome(&app, &csrf, candidate.id).await?,
        &account,
        &exam,
        &record,
        section,
        &values,
        &FieldErrors::new(),
        record.revision,
        app.clock.now(),
    );
    html(&page, StatusCode::OK)
}

/// The form as the JSON map the domain reads: repeated `subjects` become a list.
fn form_to_map(
    pairs: Vec<(String, String)>,
) -> (serde_json::Map<String, serde_json::Value>, Option<i32>) {
    let mut map = serde_json::Map::new();
    let mut subjects = Vec::new();
    let mut revision = None;
    for (key, value) in pairs {
        match key.as_str() {
            "csrf_token" => {}
            "revision" => revision = value.parse().ok(),
            "subjects" => subjects.push(serde_json::Value::String(value)),
            _ => {
                map.insert(key, serde_json::Value::String(value));
            }
        }
    }
    if map.contains_key("level") || !subjects.is_empty() {
        map.insert("subjects".into(), serde_json::Value::Array(subjects));
    }
    (map, revision)
}

pub async fn section_submit(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path((no, section)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let section = parse_section(&section)?;
    let (mut input, revision) = form_to_map(pairs);
    if section != Section::Exam {
        input.remove("subjects");
    }
    // Identity fields are shown, not sent; drop them if a browser sends them anyway.
    for locked in ["name", "id_type", "id_number"] {
        input.remove(locked);
    }
    match save_section(&app, candidate.id, &no, section, &input, revision).await {
        Ok(saved) => {
            let next = saved
                .record
                .sections
                .missing()
                .into_iter()
                .find(|s| *s > section)
                .map(|s| urls::registration_section(saved.record.no.as_str(), s.key()));
            let to = match next {
                Some(next) => next,
                None if saved.record.sections.complete() => {
                    urls::registration_check(saved.record.no.as_str())
                }
                None => urls::registration(saved.record.no.as_str()),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(err @ (SaveError::Invalid(_) | SaveError::Unprintable(_))) => {
            // The same per-field messages as the API, beside each field.
            let AppError::Invalid { fields, .. } = AppError::from(err) else {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a field error without fields"
                )));
            };
            let errors: FieldErrors = fields
                .into_iter()
                .filter_map(|(field, messages)| Some((field, messages.into_iter().next()?)))
                .collect();
            let again = Typed {
                section,
                input: &input,
                revision,
            };
            let page = section_again(&app, &csrf, &candidate, &no, again, &errors).await?;
            html(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(SaveError::Store(StoreError::Busy)) => {
            // The rush turned the save away before it was run: the same form again, with
            // what they typed, to save once more in a few seconds (503 + Retry-After).
            let again = Typed {
                section,
                input: &input,
                revision,
            };
            let mut page =
                section_again(&app, &csrf, &candidate, &no, again, &FieldErrors::new()).await?;
            page.busy = true;
            html(&page, StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(other) => Err(other.into()),
    }
}

/// What the candidate sent in a section's form.
struct Typed<'a> {
    section: Section,
    input: &'a serde_json::Map<String, serde_json::Value>,
    revision: Option<i32>,
}

/// The section's page again after a save that did not go through, with what was typed.
async fn section_again(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
    no: &str,
    typed: Typed<'_>,
    errors: &FieldErrors,
) -> Result<SectionPage, AppError> {
    let (record, exam) = owned(app, candidate.id, no).await?;
    let record = record.as_seen_by_candidate(&exam, app.clock.now());
    let account = account(app, candidate).await?;
    Ok(section_page(
        super::candidate_chrome(app, csrf, candidate.id).await?,
        &account,
        &exam,
        &record,
        typed.section,
        typed.input,
        errors,
        typed.revision.unwrap_or(record.revision),
        app.clock.now(),
    ))
}

// ----- check your answers -----

struct AnswerRow {
    label: &'static str,
    value: String,
}

struct AnswerGroup {
    title: &'static str,
    change: String,
    rows: Vec<AnswerRow>,
    missing: bool,
}

#[derive(Template)]
#[template(path = "candidate/check.html")]
struct CheckPage {
    chrome: Chrome,
    no: String,
    steps: Vec<StepView>,
    groups: Vec<AnswerGroup>,
    back: String,
    form_revision: i32,
}

pub async fn check(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    let (record, exam) = owned(&app, candidate.id, &no).await?;
    let groups = Section::ALL
        .iter()
        .map(|section| {
            let values = registration_form::saved_values(*section, &record.sections);
            AnswerGroup {
                title: section.label(),
                change: urls::registration_section(record.no.as_str(), section.key()),
                missing: values.is_empty(),
                rows: section
                    .fields()
                    .iter()
                    .map(|id| AnswerRow {
                        label: registration_form::label(id).0,
                        value: registration_form::display(id, values.get(*id), &exam),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = CheckPage {
        chrome: super::candidate_chrome(&app, &csrf, candidate.id).await?,
        no: record.no.to_string(),
        steps: steps_of(&app, &record, &exam),
        groups,
        back: urls::registration(record.no.as_str()),
        form_revision: record.form_revision,
    };
    html(&page, StatusCode::OK)
}
