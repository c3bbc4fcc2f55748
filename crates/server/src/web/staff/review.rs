//! The review console: the queue of the reviewer's points with filters, the case page
//! (every field, the eligibility pre-check, flags, every image in a viewer) and the
//! decision forms. The same services as the staff API decide.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::account::StaffScope;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{
    DecisionKind, PHOTO_SLOT, Refusal, Registration, Section, Status, UploadedFile,
};
use examreg_domain::vocab::{Level, Vocabulary};

use crate::services::review::changes;
use crate::services::review::confirmation::{ReasonInput, ReviewError, decide};
use crate::services::review::{CaseFlag, QueueQuery, QueueRow as QueueEntry, case_view, queue};
use crate::state::AppState;
use crate::web::candidate::registration_form;
use crate::web::error::AppError;
use crate::web::extract::{CurrentStaff, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FieldError, FormErrors};
use crate::web::urls;
use crate::web::wording::{self, Attempt};

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
    let entries = match filter {
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
    let rows = entries.iter().map(|entry| queue_row(app, entry)).collect();
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

fn flag_label(flag: CaseFlag) -> &'static str {
    match flag {
        CaseFlag::UnreadableForm => "申请表条形码无法识别",
        CaseFlag::StaleForm => "申请表非最新版本",
    }
}

fn queue_row(app: &AppState, entry: &QueueEntry) -> QueueRow {
    let record = &entry.registration;
    let exam = app.exams.get(&record.exam_id);
    let e = record.sections.exam.as_ref();
    let flags: Vec<&str> = entry.flags.iter().copied().map(flag_label).collect();
    QueueRow {
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
    }
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
    /// (value, label) of the positive and the negative conclusion, where open.
    yes: Option<(&'static str, &'static str)>,
    no: Option<(&'static str, &'static str)>,
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
    /// Why a decision this reviewer would take is closed now (a deadline).
    closed: Option<String>,
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
    let view = case_view(app, &staff.reviewer(), no)
        .await?
        .ok_or(AppError::NotFound)?;
    let (record, exam, files) = (&view.registration, &view.exam, &view.files);
    let no = record.no.to_string();
    let image = |f: &UploadedFile, caption: String| CaseImage {
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
    let facts = record.sections.applicant_facts(exam);
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
    let flags: Vec<String> = view
        .flags
        .iter()
        .map(|flag| match flag {
            CaseFlag::UnreadableForm => "申请表条形码无法识别：请人工核对网报号和版本".to_owned(),
            CaseFlag::StaleForm => format!(
                "申请表非最新版本：上传时为第 {} 版，当前为第 {} 版",
                record
                    .stale_forms(files)
                    .iter()
                    .filter_map(|f| f.form_revision)
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("、"),
                record.form_revision
            ),
        })
        .collect();
    let eligibility = examreg_domain::registration::evaluate(exam, &record.sections);
    let changes = view.changes.as_ref().map(|c| change_rows(c, exam));
    let page = CasePage {
        chrome: chrome(csrf, staff),
        errors,
        status: record.status.label(),
        revision: record.revision,
        form_revision: record.form_revision,
        eligibility: eligibility.verdict.label().to_owned(),
        eligibility_reasons: eligibility.reasons,
        flags,
        last_reasons: record.reason_lines(),
        changes,
        groups: answer_groups(record, exam),
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
        decision: decision_form(&view.open_decisions, &no),
        closed: view
            .closed
            .as_ref()
            .map(|r| wording::refusal(r, Attempt::Decide)),
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

fn answer_groups(record: &Registration, exam: &ExamDefinition) -> Vec<AnswerGroup> {
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

/// The decision form of the decisions open to the reviewer now: 报名确认 (a point's
/// confirm or return, or the area's confirm of an escalated registration) or 资格审核.
fn decision_form(open: &[DecisionKind], no: &str) -> Option<DecisionForm> {
    let has = |k: DecisionKind| open.contains(&k);
    if has(DecisionKind::Confirm) && has(DecisionKind::Disqualify) {
        // An escalated registration: the area confirms it, or refuses it (资格审核不通过).
        return Some(DecisionForm {
            action: format!("{}/decision", urls::staff_case(no)),
            heading: "报名点逾期未确认：考区审核",
            yes: Some(("confirm", "确认通过")),
            no: Some(("reject", "资格审核不通过")),
        });
    }
    if has(DecisionKind::Confirm) || has(DecisionKind::Return) {
        return Some(DecisionForm {
            action: format!("{}/confirmation", urls::staff_case(no)),
            heading: "报名确认",
            yes: has(DecisionKind::Confirm).then_some(("confirm", "确认通过")),
            no: has(DecisionKind::Return).then_some(("return", "确认不通过（退回考生修改）")),
        });
    }
    if has(DecisionKind::Qualify) || has(DecisionKind::Disqualify) {
        return Some(DecisionForm {
            action: format!("{}/qualification", urls::staff_case(no)),
            heading: "资格审核",
            yes: has(DecisionKind::Qualify).then_some(("approve", "资格审核通过")),
            no: has(DecisionKind::Disqualify).then_some(("reject", "资格审核不通过")),
        });
    }
    None
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
        ("confirmation" | "decision", "confirm") => DecisionKind::Confirm,
        ("confirmation", "return") => DecisionKind::Return,
        ("qualification", "approve") => DecisionKind::Qualify,
        ("qualification" | "decision", "reject") => DecisionKind::Disqualify,
        ("confirmation" | "qualification" | "decision", _) => {
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
        Err(ReviewError::Refused(refusal @ Refusal::Role { .. })) => {
            let errors = FormErrors::general(wording::refusal(&refusal, Attempt::Decide));
            render_case(&app, &csrf, &staff, &no, errors, StatusCode::FORBIDDEN).await
        }
        Err(ReviewError::Refused(refusal)) => {
            let errors = FormErrors::general(format!(
                "{}。请查看最新状态。",
                wording::refusal(&refusal, Attempt::Decide)
            ));
            render_case(&app, &csrf, &staff, &no, errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}
