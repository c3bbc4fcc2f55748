//! The review console: the queue of the reviewer's points with filters, the case page
//! (every field, the eligibility pre-check, flags, every image in a viewer) and the
//! decision forms. The same services as the staff API decide.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::{StaffRole, StaffScope};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{Section, Status};
use examreg_domain::vocab::{Level, Vocabulary};
use examreg_store::registrations::RegistrationRecord;
use examreg_store::uploads::{self, BARCODE_UNREADABLE, PHOTO_SLOT};

use crate::services::registrations::view;
use crate::services::review::changes;
use crate::services::review::confirmation::{Decision, ReasonInput, ReviewError, decide};
use crate::services::review::{QueueQuery, case, queue};
use crate::services::uploads::stale_forms;
use crate::state::AppState;
use crate::web::candidate::registration_form;
use crate::web::error::AppError;
use crate::web::extract::{CurrentStaff, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FieldError, FormErrors};
use crate::web::urls;

fn chrome(csrf: &CsrfToken, staff: &CurrentStaff) -> Chrome {
    Chrome {
        csrf: csrf.0.clone(),
        user: Some(staff.username.clone()),
        staff: true,
        todos: Vec::new(),
    }
}

pub(super) struct QueueRow {
    pub no: String,
    pub href: String,
    pub name: String,
    pub status: &'static str,
    pub point: String,
    pub level: &'static str,
    pub specialty: String,
    pub updated: String,
    pub flags: String,
}

pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(items: Vec<(String, String)>, current: Option<&str>) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// The queue part of the console: filters and rows.
pub(super) struct QueueView {
    pub errors: FormErrors,
    pub statuses: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub points: Vec<Choice>,
    pub q: String,
    pub specialty: String,
    pub from: String,
    pub to: String,
    pub unreadable_form: bool,
    pub rows: Vec<QueueRow>,
}

pub(super) async fn queue_view(
    app: &AppState,
    staff: &CurrentStaff,
    query: &QueueQuery,
) -> Result<QueueView, AppError> {
    let (filter, errors) = match query.to_filter() {
        Ok(filter) => (Some(filter), FormErrors::default()),
        Err(problems) => (
            None,
            FormErrors(
                problems
                    .into_iter()
                    .map(|(field, message)| FieldError { field, message })
                    .collect(),
            ),
        ),
    };
    let records = match filter {
        Some(filter) => queue(app, &staff.reviewer(), filter).await?,
        None => Vec::new(),
    };
    let exam_points: Vec<(String, String)> = app
        .exams
        .iter()
        .flat_map(|e| e.points.iter())
        .filter(|p| staff.scope.covers(&p.code))
        .map(|p| (p.code.clone(), p.name.clone()))
        .fold(Vec::new(), |mut all, p| {
            if !all.contains(&p) {
                all.push(p);
            }
            all
        });
    let mut rows = Vec::with_capacity(records.len());
    for record in &records {
        rows.push(queue_row(app, record).await?);
    }
    Ok(QueueView {
        errors,
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.key().to_owned(), s.label().to_owned()))
                .collect(),
            query.status.as_deref(),
        ),
        levels: choices(
            Level::ALL
                .iter()
                .map(|l| (l.key().to_owned(), l.label().to_owned()))
                .collect(),
            query.level.as_deref(),
        ),
        points: choices(exam_points, query.point.as_deref()),
        q: query.q.clone().unwrap_or_default(),
        specialty: query.specialty.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        unreadable_form: query.flag.as_deref() == Some("unreadable_form"),
        rows,
    })
}

async fn queue_row(app: &AppState, record: &RegistrationRecord) -> Result<QueueRow, AppError> {
    let exam = app.exams.get(&record.exam_id);
    let e = record.sections.exam.as_ref();
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let mut flags = Vec::new();
    if files
        .iter()
        .any(|f| f.barcode.as_deref() == Some(BARCODE_UNREADABLE))
    {
        flags.push("申请表条形码无法识别");
    }
    if !stale_forms(record, &files).is_empty() {
        flags.push("申请表非最新版本");
    }
    Ok(QueueRow {
        no: record.no.to_string(),
        href: urls::staff_case(record.no.as_str()),
        name: record
            .sections
            .basic
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        status: record.status.label(),
        point: e
            .and_then(|e| exam.and_then(|x| x.point(&e.point)))
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        level: e.map(|e| e.level.label()).unwrap_or_default(),
        specialty: e
            .map(|e| {
                exam.and_then(|x| x.specialty(&e.specialty_code))
                    .map_or_else(
                        || e.specialty_code.clone(),
                        |s| format!("{} {}", s.code, s.name),
                    )
            })
            .unwrap_or_default(),
        updated: crate::format::date_time(record.updated_at),
        flags: flags.join("；"),
    })
}

pub(super) fn scope_label(app: &AppState, scope: &StaffScope) -> String {
    match scope {
        StaffScope::Area => format!(
            "{}全部报名点",
            app.exams
                .iter()
                .next()
                .map(|e| e.area.name.clone())
                .unwrap_or_default()
        ),
        StaffScope::Points(points) => points
            .iter()
            .map(|code| {
                app.exams
                    .iter()
                    .find_map(|e| e.point(code))
                    .map_or_else(|| code.clone(), |p| p.name.clone())
            })
            .collect::<Vec<_>>()
            .join("、"),
    }
}

struct AnswerRow {
    label: &'static str,
    value: String,
}

struct AnswerGroup {
    title: &'static str,
    rows: Vec<AnswerRow>,
}

struct ChangeRow {
    what: String,
    before: String,
    after: String,
}

struct CaseImage {
    thumb: String,
    src: String,
    caption: String,
}

struct CaseSlot {
    id: String,
    title: String,
    required: bool,
    images: Vec<CaseImage>,
}

struct ReasonChoice {
    code: String,
    text: String,
}

/// A decision form: which decisions, and where it posts.
struct DecisionForm {
    action: String,
    heading: &'static str,
    yes: (&'static str, &'static str),
    no: (&'static str, &'static str),
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CasePage {
    chrome: Chrome,
    errors: FormErrors,
    no: String,
    status: &'static str,
    revision: i32,
    form_revision: i32,
    eligibility: String,
    eligibility_reasons: Vec<String>,
    flags: Vec<String>,
    last_reasons: Vec<String>,
    /// `None` before any decision; then what moved since the last one.
    changes: Option<Vec<ChangeRow>>,
    groups: Vec<AnswerGroup>,
    slots: Vec<CaseSlot>,
    reasons: Vec<ReasonChoice>,
    slot_ids: Vec<String>,
    decision: Option<DecisionForm>,
    back: String,
}

/// `GET /staff/registrations/{no}`.
pub async fn case_page(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    render_case(
        &app,
        &csrf,
        &staff,
        &no,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_case(
    app: &AppState,
    csrf: &CsrfToken,
    staff: &CurrentStaff,
    no: &str,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (record, exam) = case(app, &staff.reviewer(), no)
        .await?
        .ok_or(AppError::NotFound)?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let no = record.no.to_string();
    let image = |f: &uploads::UploadRecord, caption: String| CaseImage {
        thumb: format!("{}?size=thumb", urls::staff_file(&no, &f.id.to_string())),
        src: urls::staff_file(&no, &f.id.to_string()),
        caption,
    };
    let mut slots = vec![CaseSlot {
        id: PHOTO_SLOT.to_owned(),
        title: "报名照片".to_owned(),
        required: true,
        images: files
            .iter()
            .filter(|f| f.slot == PHOTO_SLOT)
            .map(|f| image(f, "报名照片".to_owned()))
            .collect(),
    }];
    let facts = record.sections.applicant_facts(&exam);
    for slot in &exam.slots {
        let applies = slot.applies_to(&facts);
        let in_slot: Vec<_> = files
            .iter()
            .filter(|f| f.slot == slot.id.as_str())
            .collect();
        if applies.is_none() && in_slot.is_empty() {
            continue;
        }
        slots.push(CaseSlot {
            id: slot.id.to_string(),
            title: slot.title.clone(),
            required: applies.is_some_and(|a| a.required),
            images: in_slot
                .iter()
                .enumerate()
                .map(|(i, f)| image(f, format!("{} {} 第 {} 个文件", slot.id, slot.title, i + 1)))
                .collect(),
        });
    }
    let mut flags = Vec::new();
    if files
        .iter()
        .any(|f| f.barcode.as_deref() == Some(BARCODE_UNREADABLE))
    {
        flags.push("申请表条形码无法识别：请人工核对网报号和版本".to_owned());
    }
    for f in stale_forms(&record, &files) {
        flags.push(format!(
            "申请表非最新版本：上传时为第 {} 版，当前为第 {} 版",
            f.form_revision.unwrap_or(0),
            record.form_revision
        ));
    }
    let eligibility = view::eligibility(&exam, &record);
    let changes = changes::since_last_decision(app, &record, &files)
        .await?
        .map(|c| change_rows(&c, &exam));
    let page = CasePage {
        chrome: chrome(csrf, staff),
        errors,
        status: record.status.label(),
        revision: record.revision,
        form_revision: record.form_revision,
        eligibility: eligibility.verdict.label().to_owned(),
        eligibility_reasons: eligibility.reasons,
        flags,
        last_reasons: view::return_reason_texts(&record),
        changes,
        groups: answer_groups(&record, &exam),
        slots,
        reasons: exam
            .return_reasons
            .iter()
            .map(|r| ReasonChoice {
                code: r.code.clone(),
                text: r.text.clone(),
            })
            .collect(),
        slot_ids: exam.slots.iter().map(|s| s.id.to_string()).collect(),
        decision: decision_form(staff.role, record.status, &no),
        back: urls::STAFF.to_owned(),
        no,
    };
    let html = page.render().map_err(anyhow::Error::from)?;
    Ok((status, Html(html)).into_response())
}

fn change_rows(changes: &changes::Changes, exam: &ExamDefinition) -> Vec<ChangeRow> {
    let mut rows: Vec<ChangeRow> = changes
        .fields
        .iter()
        .map(|c| ChangeRow {
            what: format!(
                "{} · {}",
                c.section.label(),
                registration_form::label(c.field).0
            ),
            before: registration_form::display(c.field, c.before.as_ref(), exam),
            after: registration_form::display(c.field, c.after.as_ref(), exam),
        })
        .collect();
    let slot_title = |slot: &str| {
        exam.slot(slot).map_or_else(
            || "报名照片".to_owned(),
            |s| format!("{} {}", s.id, s.title),
        )
    };
    rows.extend(changes.files_added.iter().map(|f| ChangeRow {
        what: slot_title(&f.slot),
        before: String::new(),
        after: "新上传 1 个文件".to_owned(),
    }));
    rows.extend(changes.files_removed.iter().map(|f| ChangeRow {
        what: slot_title(&f.slot),
        before: "1 个文件".to_owned(),
        after: "已删除".to_owned(),
    }));
    rows
}

fn answer_groups(record: &RegistrationRecord, exam: &ExamDefinition) -> Vec<AnswerGroup> {
    Section::ALL
        .iter()
        .map(|section| {
            let values = registration_form::saved_values(*section, &record.sections);
            AnswerGroup {
                title: section.label(),
                rows: section
                    .fields()
                    .iter()
                    .map(|id| AnswerRow {
                        label: registration_form::label(id).0,
                        value: registration_form::display(id, values.get(*id), exam),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn decision_form(role: StaffRole, status: Status, no: &str) -> Option<DecisionForm> {
    let point = matches!(role, StaffRole::PointReviewer | StaffRole::Admin);
    let area = matches!(role, StaffRole::AreaReviewer | StaffRole::Admin);
    match status {
        Status::Submitted if point => Some(DecisionForm {
            action: format!("{}/confirmation", urls::staff_case(no)),
            heading: "报名确认",
            yes: ("confirm", "确认通过"),
            no: ("return", "确认不通过（退回考生修改）"),
        }),
        Status::Confirmed if area => Some(DecisionForm {
            action: format!("{}/qualification", urls::staff_case(no)),
            heading: "资格审核",
            yes: ("approve", "资格审核通过"),
            no: ("reject", "资格审核不通过"),
        }),
        _ => None,
    }
}

/// `POST /staff/registrations/{no}/confirmation` and `…/qualification`: the form's
/// fields are `decision`, `reason` (repeated), `slot`, `note` and `revision`.
pub async fn post_decision(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Path((no, kind)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let decision = match (kind.as_str(), value("decision").as_str()) {
        ("confirmation", "confirm") => Decision::Confirm,
        ("confirmation", "return") => Decision::Return,
        ("qualification", "approve") => Decision::Qualify,
        ("qualification", "reject") => Decision::Disqualify,
        ("confirmation" | "qualification", _) => {
            let errors = FormErrors(vec![FieldError {
                field: "decision".into(),
                message: "请选择审核结论".into(),
            }]);
            return render_case(
                &app,
                &csrf,
                &staff,
                &no,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        _ => return Err(AppError::NotFound),
    };
    let slot = Some(value("slot")).filter(|s| !s.is_empty());
    let note = Some(value("note")).filter(|s| !s.is_empty());
    let reasons: Vec<ReasonInput> = fields
        .iter()
        .filter(|(k, _)| k == "reason")
        .map(|(_, code)| ReasonInput {
            code: code.clone(),
            slot: slot.clone(),
            note: note.clone(),
        })
        .collect();
    let revision = value("revision").parse().unwrap_or(-1);
    match decide(&app, &staff.reviewer(), &no, decision, reasons, revision).await {
        Ok(_) => Ok(Redirect::to(&urls::staff_case(&no)).into_response()),
        Err(ReviewError::Invalid(problems)) => {
            let errors = FormErrors(
                problems
                    .into_iter()
                    .map(|(field, message)| FieldError {
                        field: if field.starts_with("reasons") {
                            "reasons".into()
                        } else {
                            field
                        },
                        message,
                    })
                    .collect(),
            );
            render_case(
                &app,
                &csrf,
                &staff,
                &no,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ReviewError::Stale { current }) => {
            let errors = FormErrors::general(format!(
                "您审核期间该报名已有变化（考生修改或其他审核人员已处理），当前为第 {current} 次修改后的版本。请查看最新内容后重新审核。"
            ));
            render_case(&app, &csrf, &staff, &no, errors, StatusCode::CONFLICT).await
        }
        Err(ReviewError::WrongStatus(_)) => {
            let errors = FormErrors::general("该报名当前状态不能作此审核，请查看最新状态。");
            render_case(&app, &csrf, &staff, &no, errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
