//! The registration (报名): one per candidate per exam, filled in four sections, printed
//! on the application form, then submitted and reviewed.

mod aggregate;
pub mod deadlines;
mod decision;
mod eligibility_rules;
mod files;
pub mod form;
pub mod lifecycle;
mod missing;
mod number;
mod progress;
mod sections;

pub use aggregate::{Refusal, Registration, decision_visible_to_candidate};
pub use decision::{Decision, DecisionKind, DecisionReason};
pub use files::{FormBarcode, PHOTO_SLOT, SlotView, UploadedFile};
pub use missing::{MaterialsIncomplete, Missing};
pub use progress::Todo;

pub use eligibility_rules::{
    Eligibility, EligibilityRule, EligibilityRules, Verdict, evaluate, rule_for,
};
pub use number::RegistrationNo;
pub use sections::{
    BasicSection, ETHNIC_GROUPS, EducationSection, ExamSection, FieldErrors, Section,
    SectionContext, WorkSection,
};

use serde::{Deserialize, Serialize};

pub use crate::journey::StepState;

/// Where a registration is in its life. Changes only through [`lifecycle::transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 填写中: the candidate fills it in.
    Draft,
    /// 已提交: waiting for the registration point.
    Submitted,
    /// The point-confirmation close passed without a decision: the exam area decides.
    Escalated,
    /// 报名确认不通过: returned with reasons; the candidate fixes and resubmits.
    Returned,
    /// 报名确认通过 (by the point, or automatically for a matching historical candidate).
    Confirmed,
    /// 资格审核通过.
    Qualified,
    /// 资格审核不通过.
    NotQualified,
    /// 缴费成功: registration successful.
    Paid,
    /// 视为自动放弃.
    Abandoned,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Draft,
        Status::Submitted,
        Status::Escalated,
        Status::Returned,
        Status::Confirmed,
        Status::Qualified,
        Status::NotQualified,
        Status::Paid,
        Status::Abandoned,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Escalated => "escalated",
            Status::Returned => "returned",
            Status::Confirmed => "confirmed",
            Status::Qualified => "qualified",
            Status::NotQualified => "not_qualified",
            Status::Paid => "paid",
            Status::Abandoned => "abandoned",
        }
    }

    pub fn from_key(key: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "填写中",
            Status::Submitted => "已提交，待报名点确认",
            Status::Escalated => "报名点未在截止前确认，已转考区审核",
            Status::Returned => "报名确认不通过",
            Status::Confirmed => "报名确认通过",
            Status::Qualified => "资格审核通过",
            Status::NotQualified => "资格审核不通过",
            Status::Paid => "缴费成功",
            Status::Abandoned => "视为自动放弃",
        }
    }

    /// With the candidate, who fills it in or fixes what the point returned. Whether they
    /// may change it *now* is [`Registration::may_edit`].
    pub const WITH_CANDIDATE: [Status; 2] = [Status::Draft, Status::Returned];

    /// 提交信息 is reached: submitted, and not taken back or returned since.
    pub fn is_submitted(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Escalated
                | Status::Confirmed
                | Status::Qualified
                | Status::NotQualified
                | Status::Paid
        )
    }

    /// 报名确认 is green: confirmed by a point (or the area, or automatically).
    pub fn is_confirmed(self) -> bool {
        matches!(
            self,
            Status::Confirmed | Status::Qualified | Status::NotQualified | Status::Paid
        )
    }

    /// 资格审核 is green.
    pub fn is_qualified(self) -> bool {
        matches!(self, Status::Qualified | Status::Paid)
    }
}

/// The four sections of the form, saved separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sections {
    pub basic: Option<BasicSection>,
    pub exam: Option<ExamSection>,
    pub education: Option<EducationSection>,
    pub work: Option<WorkSection>,
}

/// The state of a section on the task list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// 未开始.
    NotStarted,
    /// 已完成.
    Completed,
}

impl TaskStatus {
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "未开始",
            TaskStatus::Completed => "已完成",
        }
    }
}

impl Sections {
    pub fn status(&self, section: Section) -> TaskStatus {
        let done = match section {
            Section::Basic => self.basic.is_some(),
            Section::Exam => self.exam.is_some(),
            Section::Education => self.education.is_some(),
            Section::Work => self.work.is_some(),
        };
        if done {
            TaskStatus::Completed
        } else {
            TaskStatus::NotStarted
        }
    }

    pub fn complete(&self) -> bool {
        Section::ALL
            .iter()
            .all(|s| self.status(*s) == TaskStatus::Completed)
    }

    /// The sections still to fill, in order.
    pub fn missing(&self) -> Vec<Section> {
        Section::ALL
            .iter()
            .copied()
            .filter(|s| self.status(*s) != TaskStatus::Completed)
            .collect()
    }

    /// The data printed on the application form, in a canonical text form: any change
    /// to it changes this text, and nothing else does. Its digest decides whether the
    /// form revision moves.
    pub fn printed_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What the material slot rules need to know.
    pub fn applicant_facts(
        &self,
        exam: &crate::exam::ExamDefinition,
    ) -> crate::exam::ApplicantFacts {
        let specialty = self
            .exam
            .as_ref()
            .and_then(|e| exam.specialty(&e.specialty_code));
        crate::exam::ApplicantFacts {
            residency: self.basic.as_ref().map(|b| b.residency),
            level: self.exam.as_ref().map(|e| e.level),
            category: specialty.map(|s| s.category),
            education: self.education.as_ref().map(|e| e.highest_education),
            degree: self.education.as_ref().map(|e| e.degree),
            employer_nature: self.work.as_ref().map(|w| w.employer_nature),
            years_in_specialty: self.work.as_ref().map(|w| w.years_in_specialty),
            transferred_post: self.work.as_ref().map(|w| w.transferred_post),
            residency_training: self.work.as_ref().map(|w| w.residency_training),
            special_case: self.work.as_ref().map(|w| w.special_case),
            historical: self.exam.as_ref().map(|e| !e.previous_ticket_no.is_empty()),
            lower_title_exempt: rule_for(exam, self).map(EligibilityRule::lower_title_exempt),
        }
    }
}

#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;
