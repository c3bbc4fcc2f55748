//! Staff review: the queue of a reviewer's scope, the case, and 报名确认.

pub mod changes;
pub mod confirmation;

use examreg_domain::account::{StaffRole, StaffScope};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::RegistrationNo;
use examreg_store::StoreError;
use examreg_store::registrations::{self, QueueFilter, RegistrationRecord};

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
) -> Result<Option<(RegistrationRecord, ExamDefinition)>, StoreError> {
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
            page: self.page.unwrap_or(0),
            per_page: 50,
            ..QueueFilter::default()
        })
    }
}

/// The reviewer's queue: only registrations of their points (or the whole area).
pub async fn queue(
    app: &AppState,
    reviewer: &Reviewer,
    mut filter: QueueFilter,
) -> Result<Vec<RegistrationRecord>, StoreError> {
    filter.points = match &reviewer.scope {
        StaffScope::Points(points) => Some(points.clone()),
        StaffScope::Area => None,
    };
    filter.per_page = filter.per_page.clamp(1, 100);
    registrations::queue(app.store.conn(), &filter).await
}
