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
