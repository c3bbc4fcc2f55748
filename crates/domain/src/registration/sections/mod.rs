//! The four sections of the registration and how each is checked. Input arrives as a map
//! of field name to raw value (JSON or form); every field error is reported at once, in
//! Chinese, keyed by the contract's field name.

mod basic;
mod education;
mod exam;
mod reader;
mod work;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::Sections;
use crate::exam::ExamDefinition;
use crate::identity::IdNumber;
use crate::vocab::{
    Degree, Education, EmployerNature, Gender, IdType, Level, PracticeCategory, Residency, Subject,
};

/// The 56 ethnic groups of China, then the two other entries identity documents use.
pub const ETHNIC_GROUPS: [&str; 58] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "穿青人",
    "外国血统中国籍人士",
];

/// A section of the form, as named in URLs and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Basic,
    Exam,
    Education,
    Work,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Basic,
        Section::Exam,
        Section::Education,
        Section::Work,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Section::Basic => "basic",
            Section::Exam => "exam",
            Section::Education => "education",
            Section::Work => "work",
        }
    }

    pub fn from_key(key: &str) -> Option<Section> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Section::Basic => "基本情况",
            Section::Exam => "报考信息",
            Section::Education => "教育情况",
            Section::Work => "工作情况",
        }
    }

    /// The fields of the section, in the order of the form.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Section::Basic => &[
                "name",
                "gender",
                "birth_date",
                "id_type",
                "id_number",
                "ethnicity",
                "phone",
                "residency",
            ],
            Section::Exam => &[
                "level",
                "specialty_code",
                "point",
                "subjects",
                "previous_ticket_no",
                "previous_specialty_code",
                "current_qualification",
                "current_qualification_date",
                "practice_category",
                "practice_licence_date",
            ],
            Section::Education => &[
                "highest_education",
                "degree",
                "graduation_date",
                "school",
                "major",
                "school_note",
                "major_note",
            ],
            Section::Work => &[
                "employer",
                "employer_affiliation",
                "employer_nature",
                "years_in_specialty",
                "transferred_post",
                "residency_training",
                "special_case",
            ],
        }
    }
}

impl Sections {
    /// The typed text of `section` that the application form prints, by field name (the
    /// rest is chosen from lists, dates and numbers, which the form's font always has).
    pub fn printed_free_text(&self, section: Section) -> Vec<(&'static str, &str)> {
        match section {
            Section::Basic => Vec::new(),
            Section::Exam => self
                .exam
                .iter()
                .flat_map(|e| {
                    [
                        ("current_qualification", e.current_qualification.as_str()),
                        ("previous_ticket_no", e.previous_ticket_no.as_str()),
                    ]
                })
                .collect(),
            Section::Education => self
                .education
                .iter()
                .flat_map(|e| {
                    [
                        ("school", e.school.as_str()),
                        ("major", e.major.as_str()),
                        ("school_note", e.school_note.as_str()),
                        ("major_note", e.major_note.as_str()),
                    ]
                })
                .collect(),
            Section::Work => self
                .work
                .iter()
                .flat_map(|w| {
                    [
                        ("employer", w.employer.as_str()),
                        ("employer_affiliation", w.employer_affiliation.as_str()),
                    ]
                })
                .collect(),
        }
    }
}

/// Field name → what is wrong, in Chinese.
pub type FieldErrors = BTreeMap<String, String>;

/// What checking a section may compare against.
#[derive(Debug, Clone, Copy)]
pub struct SectionContext<'a> {
    pub exam: &'a ExamDefinition,
    /// Today in China Standard Time.
    pub today: Date,
    /// The account's identity: name, document. They are locked to the account.
    pub account_name: &'a str,
    pub account_id_number: &'a IdNumber,
    /// The birth date, when the basic section is already saved (for education and work).
    pub birth_date: Option<Date>,
}

/// 基本情况.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicSection {
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub id_type: IdType,
    pub id_number: String,
    pub ethnicity: String,
    pub phone: String,
    pub residency: Residency,
}

/// 报考信息.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamSection {
    pub level: Level,
    pub specialty_code: String,
    pub point: String,
    pub subjects: Vec<Subject>,
    pub previous_ticket_no: String,
    pub previous_specialty_code: String,
    pub current_qualification: String,
    pub current_qualification_date: Option<Date>,
    /// 执业类别 of the practice licence held, if any.
    pub practice_category: Option<PracticeCategory>,
    /// When the practice licence was first registered (首次注册): licence-based years
    /// of the eligibility rules count from it. Not printed on the form.
    #[serde(default)]
    pub practice_licence_date: Option<Date>,
}

/// 教育情况.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EducationSection {
    pub highest_education: Education,
    pub degree: Degree,
    pub graduation_date: Date,
    pub school: String,
    pub major: String,
    pub school_note: String,
    pub major_note: String,
}

/// 工作情况.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSection {
    pub employer: String,
    pub employer_affiliation: String,
    pub employer_nature: EmployerNature,
    pub years_in_specialty: u8,
    pub transferred_post: bool,
    pub residency_training: bool,
    pub special_case: bool,
}
