//! Staff review: the queue of a reviewer's scope, the case, and the decisions.

pub mod changes;
pub mod confirmation;

use examreg_domain::account::{StaffRole, StaffScope};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::deadlines::confirmation_due;
use examreg_domain::registration::{
    DecisionKind, FormBarcode, Refusal, Registration, RegistrationNo, Status, UploadedFile,
};
use examreg_store::registrations::{self, QueueFilter};
use examreg_store::{StoreError, uploads};
use time::OffsetDateTime;

use crate::state::AppState;

/// Who is reviewing: what they may do and see.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: examreg_domain::account::StaffId,
    pub role: StaffRole,
    pub scope: StaffScope,
}

/// The registration, if it exists and the reviewer's scope covers it; anything else is
/// "not found", so that a reviewer learns nothing about other points' registrations.
pub async fn case(
    app: &AppState,
    reviewer: &Reviewer,
    no: &str,
) -> Result<Option<(Registration, ExamDefinition)>, StoreError> {
    let Ok(no) = RegistrationNo::parse(no) else {
        return Ok(None);
    };
    let Some(record) = registrations::find_by_no(app.store.conn(), &no).await? else {
        return Ok(None);
    };
    let point = record
        .sections
        .exam
        .as_ref()
        .map(|e| e.point.as_str())
        .unwrap_or_default();
    if !reviewer.scope.covers(point) {
        return Ok(None);
    }
    let Some(exam) = app.exams.get(&record.exam_id) else {
        return Ok(None);
    };
    Ok(Some((record, exam.clone())))
}

/// The queue's filters as a page's form or an API client sends them (all optional).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct QueueQuery {
    /// `submitted`, `returned`, `confirmed` …
    pub status: Option<String>,
    /// A registration point code.
    pub point: Option<String>,
    /// A 网报号 (or its beginning), or a name.
    pub q: Option<String>,
    /// `junior`, `intermediate` …
    pub level: Option<String>,
    /// A specialty code.
    pub specialty: Option<String>,
    /// Changed on or after this day (YYYY-MM-DD, China time).
    pub from: Option<String>,
    /// Changed on or before this day.
    pub to: Option<String>,
    /// `unreadable_form`: the uploaded form has no readable barcode.
    pub flag: Option<String>,
    /// From 0.
    pub page: Option<u64>,
}

/// No queue has more pages than this (a million registrations at 50 a page); a larger
/// number is a mistake, not a request to scan.
const MAX_PAGE: u64 = 20_000;

fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl QueueQuery {
    /// The store's filter, or every field that cannot be read with what is wrong.
    pub fn to_filter(&self) -> Result<QueueFilter, Vec<(String, String)>> {
        use examreg_domain::clock::CHINA_STANDARD_TIME;
        use examreg_domain::registration::Status;
        use examreg_domain::vocab::{Level, Vocabulary};

        let mut problems = Vec::new();
        for (field, value) in [
            ("status", &self.status),
            ("point", &self.point),
            ("q", &self.q),
            ("level", &self.level),
            ("specialty", &self.specialty),
            ("from", &self.from),
            ("to", &self.to),
            ("flag", &self.flag),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.chars().any(char::is_control))
            {
                problems.push((field.to_owned(), "不能包含控制字符".to_owned()));
            }
        }
        let page = self.page.unwrap_or(0);
        if page > MAX_PAGE {
            problems.push(("page".to_owned(), format!("页码须在 0 到 {MAX_PAGE} 之间")));
        }
        let status = present(&self.status).and_then(|key| {
            let status = Status::from_key(&key);
            if status.is_none() {
                problems.push(("status".to_owned(), format!("没有状态 {key}")));
            }
            status
        });
        let level = present(&self.level).and_then(|key| {
            if Level::from_key(&key).is_none() {
                problems.push(("level".to_owned(), format!("没有级别 {key}")));
                return None;
            }
            Some(key)
        });
        let day = |field: &str, value: &Option<String>, problems: &mut Vec<(String, String)>| {
            let text = present(value)?;
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match time::Date::parse(&text, &format) {
                Ok(date) => Some(date.midnight().assume_offset(CHINA_STANDARD_TIME)),
                Err(_) => {
                    problems.push((
                        field.to_owned(),
                        format!("日期应为 YYYY-MM-DD，收到 {text}"),
                    ));
                    None
                }
            }
        };
        let updated_from = day("from", &self.from, &mut problems);
        let updated_before =
            day("to", &self.to, &mut problems).map(|d| d + time::Duration::days(1));
        let unreadable_form = match present(&self.flag).as_deref() {
            None => false,
            Some("unreadable_form") => true,
            Some(other) => {
                problems.push(("flag".to_owned(), format!("没有标记 {other}")));
                false
            }
        };
        let (number_prefix, name) = match present(&self.q) {
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => (Some(q), None),
            Some(q) => (None, Some(q)),
            None => (None, None),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(QueueFilter {
            status,
            point: present(&self.point),
            number_prefix,
            name,
            level,
            specialty_code: present(&self.specialty),
            updated_from,
            updated_before,
            unreadable_form,
            page,
            per_page: 50,
            ..QueueFilter::default()
        })
    }
}

/// Something a reviewer should notice about a case before opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFlag {
    /// No barcode could be read from the uploaded form: check number and revision by eye.
    UnreadableForm,
    /// The uploaded form is of an older revision than the data.
    StaleForm,
}

/// A row of the queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub registration: Registration,
    pub flags: Vec<CaseFlag>,
}

fn points_of(reviewer: &Reviewer) -> Option<Vec<String>> {
    match &reviewer.scope {
        StaffScope::Points(points) => Some(points.clone()),
        StaffScope::Area => None,
    }
}

/// The reviewer's queue: only registrations of their points (or the whole area), with
/// the flags of every row from one more query.
pub async fn queue(
    app: &AppState,
    reviewer: &Reviewer,
    mut filter: QueueFilter,
) -> Result<Vec<QueueRow>, StoreError> {
    filter.points = points_of(reviewer);
    filter.per_page = filter.per_page.clamp(1, 100);
    let db = app.store.conn();
    let records = registrations::queue(db, &filter).await?;
    let ids: Vec<_> = records.iter().map(|r| r.id).collect();
    let forms = uploads::forms_of(db, &ids).await?;
    Ok(records
        .into_iter()
        .map(|registration| {
            let own: Vec<_> = forms
                .iter()
                .filter(|f| f.registration_id == registration.id)
                .cloned()
                .collect();
            let mut flags = Vec::new();
            if own
                .iter()
                .any(|f| f.barcode == Some(FormBarcode::Unreadable))
            {
                flags.push(CaseFlag::UnreadableForm);
            }
            if !registration.stale_forms(&own).is_empty() {
                flags.push(CaseFlag::StaleForm);
            }
            QueueRow {
                registration,
                flags,
            }
        })
        .collect())
}

/// Registrations waiting for a point's confirmation while its close is ahead: the
/// console warns "N 条待确认，截止 …".
#[derive(Debug, Clone)]
pub struct WaitingForPoints {
    pub exam_title: String,
    pub count: u64,
    pub closes: OffsetDateTime,
}

/// Per exam, what waits for the reviewer's points (or, for the area, for every point).
pub async fn waiting_for_points(
    app: &AppState,
    reviewer: &Reviewer,
) -> Result<Vec<WaitingForPoints>, StoreError> {
    let now = app.clock.now();
    let points = points_of(reviewer);
    let mut waiting = Vec::new();
    for exam in app.exams.iter() {
        let Some(closes) = confirmation_due(&exam.calendar, now) else {
            continue;
        };
        let count = registrations::count_in_status(
            app.store.conn(),
            exam.id.as_str(),
            Status::Submitted,
            points.as_deref(),
        )
        .await?;
        if count > 0 {
            waiting.push(WaitingForPoints {
                exam_title: exam.title.clone(),
                count,
                closes,
            });
        }
    }
    Ok(waiting)
}

/// Everything the case screen shows, for the page and the API alike.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub registration: Registration,
    pub exam: ExamDefinition,
    pub files: Vec<UploadedFile>,
    pub flags: Vec<CaseFlag>,
    /// What moved since the latest decision; `None` before any decision.
    pub changes: Option<changes::Changes>,
    /// The decisions this reviewer may take now.
    pub open_decisions: Vec<DecisionKind>,
    /// Why the decision this reviewer would take is closed now, if it is.
    pub closed: Option<Refusal>,
}

/// The case `no`, if the reviewer's scope covers it.
pub async fn case_view(
    app: &AppState,
    reviewer: &Reviewer,
    no: &str,
) -> Result<Option<CaseView>, StoreError> {
    let Some((registration, exam)) = case(app, reviewer, no).await? else {
        return Ok(None);
    };
    let files = uploads::list_for_registration(app.store.conn(), registration.id).await?;
    let mut flags = Vec::new();
    if files
        .iter()
        .any(|f| f.barcode == Some(FormBarcode::Unreadable))
    {
        flags.push(CaseFlag::UnreadableForm);
    }
    if !registration.stale_forms(&files).is_empty() {
        flags.push(CaseFlag::StaleForm);
    }
    let changes = changes::since_last_decision(app, &registration, &files).await?;
    let now = app.clock.now();
    let open_decisions = registration.decisions_open_to(reviewer.role, &exam, now);
    // The first refusal among the decisions this role takes on this status: a window.
    let closed = DecisionKind::ALL
        .into_iter()
        .filter(|k| k.decided_by(registration.status).contains(&reviewer.role))
        .find_map(|k| registration.may_decide(k, reviewer.role, &exam, now).err());
    Ok(Some(CaseView {
        registration,
        exam,
        files,
        flags,
        changes,
        open_decisions,
        closed,
    }))
}
