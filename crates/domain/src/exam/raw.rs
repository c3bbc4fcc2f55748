//! The shapes of an exam definition file, as written. [`super::validate`] turns them into
//! the checked model; nothing else should read these.

use serde::Deserialize;
use toml::value::Datetime;

use super::slots::Condition;
use crate::vocab::{Level, SpecialtyCategory, Subject};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExamDefinition {
    pub exam: RawExam,
    pub calendar: RawCalendar,
    pub points: Vec<RawPoint>,
    pub levels: Vec<Level>,
    pub subjects: Vec<Subject>,
    pub specialties: Vec<RawSpecialty>,
    pub fees: RawFees,
    pub uploads: RawUploads,
    pub slots: Vec<RawSlot>,
    #[serde(default)]
    pub eligibility: crate::registration::EligibilityRules,
    #[serde(default)]
    pub return_reasons: Vec<RawReason>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReason {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExam {
    pub id: String,
    pub year: i32,
    pub area_code: String,
    pub area_name: String,
    pub title: String,
    #[serde(default)]
    pub demo: bool,
}

/// Local date-times, read in China Standard Time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalendar {
    pub registration_opens: Datetime,
    pub registration_closes: Datetime,
    /// Default: 24 hours before the resubmit deadline.
    #[serde(default)]
    pub returns_close: Option<Datetime>,
    pub resubmit_deadline: Datetime,
    /// Default: the resubmit deadline.
    #[serde(default)]
    pub confirmation_closes: Option<Datetime>,
    pub qualification_review_opens: Datetime,
    pub qualification_review_closes: Datetime,
    pub qualification_results_published: Datetime,
    pub payment_opens: Datetime,
    pub payment_closes: Datetime,
    pub eligibility_cutoff: Datetime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoint {
    pub code: String,
    pub name: String,
    pub district: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpecialty {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub category: SpecialtyCategory,
    #[serde(default)]
    pub paper_based: bool,
    /// Set on entries not (yet) taken from the official catalog of the year.
    #[serde(default)]
    pub unconfirmed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFees {
    pub per_subject_fen: u32,
    /// A level priced differently, e.g. `intermediate = 6000`.
    #[serde(default)]
    pub per_subject_fen_by_level: std::collections::BTreeMap<Level, u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUploads {
    pub materials: RawImageLimits,
    pub photo: RawImageLimits,
}

/// Sizes in KB of 1024 bytes, the unit the candidate guide and Windows use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImageLimits {
    pub min_kb: u32,
    pub max_kb: u32,
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
    /// Default: 25 (million pixels), about an A4 page scanned at 600 dpi.
    #[serde(default)]
    pub max_megapixels: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlot {
    pub id: String,
    pub title: String,
    pub max_files: u8,
    pub page_hint: Option<u8>,
    pub shown_when: Condition,
    pub required_when: Condition,
    pub reason: String,
}
