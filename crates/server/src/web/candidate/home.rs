//! `/`: the exams open for registration, their calendar, and what a candidate will need.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::journey::Step;
use time::OffsetDateTime;

use crate::format;
use crate::services::registrations::view;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::MaybeCandidate;
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::Chrome;

#[derive(Template)]
#[template(path = "candidate/home.html")]
struct HomePage {
    chrome: Chrome,
    signed_in: bool,
    exams: Vec<ExamCard>,
    steps: Vec<StepItem>,
}

struct StepItem {
    number: usize,
    label: &'static str,
    summary: &'static str,
}

struct ExamCard {
    id: String,
    open: bool,
    /// The signed-in candidate's registration for this exam, if any.
    registration: Option<String>,
    title: String,
    area: String,
    demo: bool,
    status: &'static str,
    milestones: Vec<(&'static str, String)>,
    fee: String,
    material_rule: String,
    photo_rule: String,
    slots: Vec<SlotItem>,
}

struct SlotItem {
    id: String,
    title: String,
    max_files: u8,
    reason: String,
}

fn status(exam: &ExamDefinition, now: OffsetDateTime) -> (u8, &'static str) {
    let window = exam.calendar.registration;
    if window.contains(now) {
        (0, "报名中")
    } else if now < window.opens {
        (1, "未开始")
    } else {
        (2, "报名已截止")
    }
}

fn kb(bytes: u64) -> u64 {
    bytes / 1024
}

fn card(exam: &ExamDefinition, now: OffsetDateTime, registration: Option<String>) -> ExamCard {
    let c = &exam.calendar;
    let m = &exam.uploads.materials;
    let p = &exam.uploads.photo;
    ExamCard {
        id: exam.id.to_string(),
        open: exam.calendar.registration.contains(now),
        registration,
        title: exam.title.clone(),
        area: exam.area.name.clone(),
        demo: exam.demo,
        status: status(exam, now).1,
        milestones: vec![
            ("网上报名开始", format::date_time(c.registration.opens)),
            ("网上报名截止", format::date_time(c.registration.closes)),
            (
                "退回修改后重新提交截止",
                format::date_time(c.resubmit_deadline),
            ),
            ("报名确认截止", format::date_time(c.confirmation_closes)),
            (
                "资格审核结果公布",
                format::date_time(c.qualification_results_published),
            ),
            ("缴费开始", format::date_time(c.payment.opens)),
            ("缴费截止", format::date_time(c.payment.closes)),
            ("学历、年限计算截止日期", format::date(c.eligibility_cutoff)),
        ],
        fee: format!("每科 {}", exam.fees.per_subject),
        material_rule: format!(
            "证明材料须为 JPG 格式，每个文件大于等于 {} KB、小于等于 {} KB；每个材料框有最多允许上传的文件数量。",
            kb(m.min_bytes),
            kb(m.max_bytes)
        ),
        photo_rule: format!(
            "报名照片须为白底 JPG 格式，不小于 {} KB、不大于 {} KB，像素不低于 {}×{}。",
            kb(p.min_bytes),
            kb(p.max_bytes),
            p.min_width,
            p.min_height
        ),
        slots: exam
            .slots
            .iter()
            .map(|s| SlotItem {
                id: s.id.to_string(),
                title: s.title.clone(),
                max_files: s.max_files,
                reason: s.reason.clone(),
            })
            .collect(),
    }
}

pub async fn home(
    State(app): State<AppState>,
    csrf: CsrfToken,
    MaybeCandidate(candidate): MaybeCandidate,
) -> Result<Html<String>, AppError> {
    let now = app.clock.now();
    let mine = match &candidate {
        Some(c) => view::my_registrations(&app, c.id).await?,
        None => Vec::new(),
    };
    let signed_in = candidate.is_some();
    let mut exams: Vec<_> = app.exams.iter().collect();
    exams.sort_by_key(|e| (status(e, now).0, !e.demo, std::cmp::Reverse(e.year)));
    let chrome = match &candidate {
        Some(c) => crate::web::candidate::candidate_chrome(&app, &csrf, c.id).await?,
        None => Chrome {
            csrf: csrf.0.clone(),
            user: None,
            staff: false,
            todos: Vec::new(),
        },
    };
    let page = HomePage {
        chrome,
        signed_in,
        exams: exams
            .into_iter()
            .map(|e| {
                let no = mine
                    .iter()
                    .find(|r| r.exam_id == e.id.as_str())
                    .map(|r| r.no.to_string());
                card(e, now, no)
            })
            .collect(),
        steps: Step::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| StepItem {
                number: i + 1,
                label: s.label(),
                summary: s.summary(),
            })
            .collect(),
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}
