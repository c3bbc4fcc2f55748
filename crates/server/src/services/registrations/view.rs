//! Everything a candidate sees of their registration: sections and their task status,
//! the seven steps, the eligibility pre-check.

use examreg_domain::exam::ExamDefinition;
use examreg_domain::journey::Step;
use examreg_domain::registration::{Eligibility, Status, evaluate};
use examreg_store::registrations::RegistrationRecord;

/// A node of the progress bar and whether it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub reached: bool,
}

/// The seven nodes of the guide: 填写/修改报考信息 is green once all four sections are
/// saved, 上传照片 once the photo is confirmed, 上传材料 once 上传全部证明材料 succeeded.
pub fn steps(record: &RegistrationRecord) -> Vec<StepState> {
    Step::ALL
        .iter()
        .map(|step| StepState {
            step: *step,
            reached: match step {
                Step::FillIn => record.sections.complete(),
                Step::Photo => record.photo_confirmed_at.is_some(),
                Step::Materials => record.materials_completed_at.is_some(),
                Step::Submit => matches!(
                    record.status,
                    Status::Submitted
                        | Status::Confirmed
                        | Status::Qualified
                        | Status::NotQualified
                        | Status::Paid
                ),
                Step::Confirmation => {
                    matches!(
                        record.status,
                        Status::Confirmed | Status::Qualified | Status::NotQualified | Status::Paid
                    )
                }
                Step::QualificationReview => {
                    matches!(record.status, Status::Qualified | Status::Paid)
                }
                Step::Payment => record.status == Status::Paid,
            },
        })
        .collect()
}

pub fn eligibility(exam: &ExamDefinition, record: &RegistrationRecord) -> Eligibility {
    evaluate(exam, &record.sections)
}

/// The registration as its candidate may see it now: a qualification decision stays
/// hidden (the registration reads as confirmed) until the exam's publication time.
pub fn visible_to_candidate(
    record: &RegistrationRecord,
    exam: &ExamDefinition,
    now: time::OffsetDateTime,
) -> RegistrationRecord {
    let decided = matches!(record.status, Status::Qualified | Status::NotQualified);
    if decided && now < exam.calendar.qualification_results_published {
        RegistrationRecord {
            status: Status::Confirmed,
            return_reasons: serde_json::json!([]),
            ..record.clone()
        }
    } else {
        record.clone()
    }
}

/// The reasons of the latest return (or rejection), each as one line of Chinese: the
/// coded text, the slot it concerns, the reviewer's note.
pub fn return_reason_texts(record: &RegistrationRecord) -> Vec<String> {
    record
        .return_reasons
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .map(|r| {
                    let mut text = r["text"].as_str().unwrap_or_default().to_owned();
                    if let Some(slot) = r["slot"].as_str() {
                        text.push_str(&format!("（材料框 {slot}）"));
                    }
                    if let Some(note) = r["note"].as_str().filter(|n| !n.is_empty()) {
                        text.push_str(&format!("：{note}"));
                    }
                    text
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Something the candidate has to do next, in Chinese, for the to-do list (待办事项) shown
/// on every page.
pub fn todos(
    record: &RegistrationRecord,
    exam: &ExamDefinition,
    now: time::OffsetDateTime,
    stale_form: bool,
) -> Vec<String> {
    let title = &exam.title;
    let mut todos = Vec::new();
    match record.status {
        Status::Returned if now < exam.calendar.resubmit_deadline => {
            let reasons = return_reason_texts(record).join("；");
            todos.push(format!(
                "{title}：报名确认不通过，请按审核意见修改后于 {} 前重新提交。审核意见：{reasons}",
                crate::format::date_time(exam.calendar.resubmit_deadline)
            ));
        }
        Status::Draft if exam.calendar.registration.contains(now) => {
            let missing = record.sections.missing().len();
            let next = if missing > 0 {
                format!("继续填写报名信息（还有 {missing} 项未填写）")
            } else if record.photo_confirmed_at.is_none() {
                "上传并确认报名照片".to_owned()
            } else if record.materials_completed_at.is_none() {
                "上传材料，并点击“上传全部证明材料”".to_owned()
            } else {
                "提交报名信息".to_owned()
            };
            todos.push(format!(
                "{title}：{next}，网上报名 {} 截止",
                crate::format::date_time(exam.calendar.registration.closes)
            ));
        }
        _ => {}
    }
    if stale_form && record.status.editable() {
        todos.push(format!(
            "{title}：报名信息已修改，请重新打印申请表，签字盖章后重新上传"
        ));
    }
    todos
}
