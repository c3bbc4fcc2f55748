//! Everything a candidate sees of their registration: sections and their task status,
//! the seven steps, the eligibility pre-check.

use examreg_domain::exam::ExamDefinition;
use examreg_domain::journey::Step;
use examreg_domain::registration::{Eligibility, evaluate};
use examreg_store::registrations::RegistrationRecord;

/// A node of the progress bar and whether it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub reached: bool,
}

/// The seven nodes of the guide. Only 填写/修改报考信息 can be reached so far: it is green
/// once all four sections are saved.
pub fn steps(record: &RegistrationRecord) -> Vec<StepState> {
    Step::ALL
        .iter()
        .map(|step| StepState {
            step: *step,
            reached: match step {
                Step::FillIn => record.sections.complete(),
                _ => false,
            },
        })
        .collect()
}

pub fn eligibility(exam: &ExamDefinition, record: &RegistrationRecord) -> Eligibility {
    evaluate(exam, &record.sections)
}
