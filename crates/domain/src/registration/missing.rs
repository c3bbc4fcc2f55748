//! What a registration still lacks: before the form can be printed, before 上传全部证明材料,
//! before it can be submitted. One list for pages, the API and the to-do list.

use super::aggregate::Registration;
use super::files::UploadedFile;
use super::{Section, Verdict, evaluate};
use crate::exam::{ExamDefinition, SlotDefinition};

/// One thing still to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// A section not saved yet.
    Section(Section),
    /// No photo uploaded.
    Photo,
    /// A photo uploaded but not confirmed.
    PhotoNotConfirmed,
    /// 上传全部证明材料 not done (or undone by a later change).
    Materials,
    /// No signed form uploaded.
    Form,
    /// The signed form on file is of an older revision than the data.
    StaleForm { current: i32 },
    /// The exam makes the eligibility pre-check binding, and it says no.
    NotEligible { reasons: Vec<String> },
}

impl Missing {
    /// The field it is reported under in the API (`sections.basic`, `photo`, `materials`,
    /// `form`, `eligibility`).
    pub fn field(&self) -> String {
        match self {
            Missing::Section(s) => format!("sections.{}", s.key()),
            Missing::Photo | Missing::PhotoNotConfirmed => "photo".to_owned(),
            Missing::Materials => "materials".to_owned(),
            Missing::Form | Missing::StaleForm { .. } => "form".to_owned(),
            Missing::NotEligible { .. } => "eligibility".to_owned(),
        }
    }
}

/// 上传全部证明材料 cannot be done yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialsIncomplete {
    /// Required slots without a file.
    pub empty_required: Vec<SlotDefinition>,
    /// Not a single material was uploaded (the guide asks for at least one).
    pub none_at_all: bool,
}

impl Registration {
    fn missing_photo(&self, files: &[UploadedFile]) -> Option<Missing> {
        if !files.iter().any(UploadedFile::is_photo) {
            Some(Missing::Photo)
        } else if self.photo_confirmed_at.is_none() {
            Some(Missing::PhotoNotConfirmed)
        } else {
            None
        }
    }

    /// Before 打印报名表: every section saved and the photo confirmed (seed, step 三).
    pub fn missing_for_print(&self, files: &[UploadedFile]) -> Vec<Missing> {
        let mut missing: Vec<Missing> = self
            .sections
            .missing()
            .into_iter()
            .map(Missing::Section)
            .collect();
        missing.extend(self.missing_photo(files));
        missing
    }

    /// Before 提交报名信息: the sections, a confirmed photo, 上传全部证明材料, a signed form
    /// uploaded at the current revision of the printed data and, where the exam makes the
    /// pre-check binding, eligibility.
    pub fn missing_for_submit(
        &self,
        exam: &ExamDefinition,
        files: &[UploadedFile],
    ) -> Vec<Missing> {
        let mut missing = self.missing_for_print(files);
        if self.materials_completed_at.is_none() {
            missing.push(Missing::Materials);
        }
        let forms: Vec<_> = files.iter().filter(|f| f.is_form()).collect();
        if forms.is_empty() {
            missing.push(Missing::Form);
        } else if !forms
            .iter()
            .any(|f| f.form_revision == Some(self.form_revision))
        {
            missing.push(Missing::StaleForm {
                current: self.form_revision,
            });
        }
        if exam.eligibility.blocks_submission {
            let eligibility = evaluate(exam, &self.sections);
            if eligibility.verdict == Verdict::NotEligible {
                missing.push(Missing::NotEligible {
                    reasons: eligibility.reasons,
                });
            }
        }
        missing
    }

    /// Before 上传全部证明材料: every required slot has a file, and there is at least one.
    pub fn materials_incomplete(
        &self,
        exam: &ExamDefinition,
        files: &[UploadedFile],
    ) -> Option<MaterialsIncomplete> {
        let views = self.slots(exam, files);
        let empty_required: Vec<SlotDefinition> = views
            .iter()
            .filter(|v| v.required && v.files.is_empty())
            .map(|v| v.slot.clone())
            .collect();
        let none_at_all = views.iter().all(|v| v.files.is_empty());
        (!empty_required.is_empty() || none_at_all).then_some(MaterialsIncomplete {
            empty_required,
            none_at_all,
        })
    }
}
