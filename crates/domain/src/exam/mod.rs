//! Exam definitions: everything that differs by exam year and exam area, as data.
//!
//! A definition is written in TOML (see `exams/` at the repository root), parsed into the
//! raw shapes of [`raw`], and checked into an [`ExamDefinition`] whose invariants later code
//! may rely on. Every check names the file and the field it rejects.

mod calendar;
mod error;
mod raw;
mod slots;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

pub use calendar::{Calendar, Window};
pub use error::DefinitionError;
pub use slots::{ApplicantFacts, Condition, Flag, SlotDefinition, SlotId, SlotStatus};

use crate::money::Fen;
use crate::vocab::{Level, SpecialtyCategory, Subject};

/// The stable identifier of an exam, e.g. `2025-shanghai`; used in URLs and stored with
/// every registration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExamId(String);

impl ExamId {
    pub const MAX_LEN: usize = 64;

    /// Lowercase ASCII letters, digits and `-`, starting with a letter or digit.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            Err("须为 1 到 64 个字符")
        } else if !ok_chars || raw.starts_with('-') {
            Err("只能包含小写字母、数字和连字符，且不能以连字符开头")
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registration point (报名点 / 确认点): in Shanghai one per district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationPoint {
    pub code: String,
    pub name: String,
    pub district: String,
}

/// Whether a catalog entry was taken from the official catalog of the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Taken from an official notice or catalog.
    Official,
    /// Known from secondary sources only; to be replaced by the official catalog.
    Unconfirmed,
}

/// One entry of the specialty catalog (报考专业).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specialty {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub category: SpecialtyCategory,
    /// Sat on paper rather than on computer (护理学初级（师）).
    pub paper_based: bool,
    pub provenance: Provenance,
}

/// Fees as published for the exam area: a price per subject taken, which a level may set
/// differently (`[fees.per_subject_fen_by_level]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fees {
    pub per_subject: Fen,
    pub per_level: BTreeMap<Level, Fen>,
}

impl Fees {
    /// The price of one subject at `level`.
    pub fn unit(&self, level: Level) -> Fen {
        self.per_level
            .get(&level)
            .copied()
            .unwrap_or(self.per_subject)
    }

    pub fn for_subjects(&self, count: u32) -> Option<Fen> {
        self.per_subject.checked_mul(count)
    }

    /// 科目 × 单价 = 合计 for the subjects registered at `level` (a candidate retaking
    /// some subjects registers, and pays for, only those).
    pub fn breakdown(&self, level: Level, subjects: &[Subject]) -> FeeBreakdown {
        let unit = self.unit(level);
        let lines: Vec<FeeLine> = subjects
            .iter()
            .map(|subject| FeeLine {
                subject: *subject,
                unit,
            })
            .collect();
        // Four subjects of at most u32::MAX / 4 fen: validation bounds the unit price.
        let total = Fen(lines.iter().map(|l| l.unit.0).sum());
        FeeBreakdown { lines, total }
    }
}

/// One line of a fee breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeLine {
    pub subject: Subject,
    pub unit: Fen,
}

/// What a registration costs: one line per subject, and the sum.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeBreakdown {
    pub lines: Vec<FeeLine>,
    pub total: Fen,
}

/// Limits on one kind of uploaded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    pub min_bytes: u64,
    pub max_bytes: u64,
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height at most (a small file can claim a huge image).
    pub max_pixels: u64,
}

/// Upload rules: materials and the registration photo have separate rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    pub materials: ImageLimits,
    pub photo: ImageLimits,
}

/// The exam area: 上海考区 and the like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamArea {
    pub code: String,
    pub name: String,
}

/// A checked exam definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamDefinition {
    pub id: ExamId,
    /// The exam year (2025 for registrations taken in late 2024).
    pub year: i32,
    pub area: ExamArea,
    /// The title printed on the application form, e.g. 2025年度卫生专业技术资格考试.
    pub title: String,
    /// A demo exam, labelled 演示 wherever it is shown.
    pub demo: bool,
    pub calendar: Calendar,
    pub points: Vec<RegistrationPoint>,
    pub levels: Vec<Level>,
    pub specialties: Vec<Specialty>,
    pub subjects: Vec<Subject>,
    pub fees: Fees,
    pub uploads: UploadLimits,
    pub slots: Vec<SlotDefinition>,
    /// 报考条件 rules for the advisory pre-check.
    pub eligibility: crate::registration::EligibilityRules,
    /// The coded reasons a registration point may give when it returns a registration.
    pub return_reasons: Vec<ReturnReason>,
}

/// A reason for returning a registration, e.g. `material_unclear` 材料不清晰.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnReason {
    pub code: String,
    pub text: String,
}

impl ExamDefinition {
    /// Parses and checks a definition. `source` names the file in error messages.
    pub fn from_toml(source: &str, text: &str) -> Result<Self, DefinitionError> {
        let raw: raw::RawExamDefinition =
            toml::from_str(text).map_err(|e| DefinitionError::from_toml(source, text, &e))?;
        validate::validate(source, raw)
    }

    pub fn point(&self, code: &str) -> Option<&RegistrationPoint> {
        self.points.iter().find(|p| p.code == code)
    }

    pub fn specialty(&self, code: &str) -> Option<&Specialty> {
        self.specialties.iter().find(|s| s.code == code)
    }

    pub fn specialties_of(&self, level: Level) -> impl Iterator<Item = &Specialty> {
        self.specialties.iter().filter(move |s| s.level == level)
    }

    pub fn return_reason(&self, code: &str) -> Option<&ReturnReason> {
        self.return_reasons.iter().find(|r| r.code == code)
    }

    pub fn slot(&self, id: &str) -> Option<&SlotDefinition> {
        self.slots.iter().find(|s| s.id.as_str() == id)
    }

    /// A copy of this exam under the id `demo`, labelled 演示, whose registration window is
    /// open at `now`. Rules (catalog, slots, limits, fees) stay exactly as they are.
    pub fn as_demo(&self, now: time::OffsetDateTime) -> ExamDefinition {
        self.demo_with(Calendar::demo_around(now), "demo", "演示")
    }

    /// A copy of this exam under the id `demo-payment`, labelled 演示·缴费阶段, whose
    /// registration lay seven weeks back and whose payment window is open at `now`: to show
    /// 缴费 without waiting for a year's calendar.
    pub fn as_paying_demo(&self, now: time::OffsetDateTime) -> ExamDefinition {
        let calendar = Calendar::demo_around(now - time::Duration::days(50));
        self.demo_with(calendar, "demo-payment", "演示·缴费阶段")
    }

    fn demo_with(&self, calendar: Calendar, id: &str, label: &str) -> ExamDefinition {
        let year = calendar.registration.opens.year() + 1;
        ExamDefinition {
            id: ExamId(id.to_owned()),
            year,
            title: format!("{year}年度卫生专业技术资格考试（{label}）"),
            demo: true,
            calendar,
            ..self.clone()
        }
    }
}

/// The exam definitions in force, by id.
#[derive(Debug, Clone, Default)]
pub struct ExamCatalog {
    exams: BTreeMap<ExamId, ExamDefinition>,
}

impl ExamCatalog {
    /// Adds a definition; refuses a second one with the same id.
    pub fn insert(&mut self, exam: ExamDefinition) -> Result<(), DefinitionError> {
        if self.exams.contains_key(&exam.id) {
            return Err(DefinitionError::new(
                exam.id.as_str(),
                "exam.id",
                format!("考试编号 {} 重复定义", exam.id),
            ));
        }
        self.exams.insert(exam.id.clone(), exam);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&ExamDefinition> {
        self.exams.values().find(|e| e.id.as_str() == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ExamDefinition> {
        self.exams.values()
    }

    pub fn len(&self) -> usize {
        self.exams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exams.is_empty()
    }

    /// Exams whose registration window is open at `now`, demo first, then by year.
    pub fn open_at(&self, now: time::OffsetDateTime) -> Vec<&ExamDefinition> {
        let mut open: Vec<_> = self
            .exams
            .values()
            .filter(|e| e.calendar.registration.contains(now))
            .collect();
        open.sort_by_key(|e| (!e.demo, e.year));
        open
    }
}

#[cfg(test)]
mod tests;
