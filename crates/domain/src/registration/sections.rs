//! The four sections of the registration and how each is checked. Input arrives as a map
//! of field name to raw value (JSON or form); every field error is reported at once, in
//! Chinese, keyed by the contract's field name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::exam::ExamDefinition;
use crate::identity::{IdNumber, Phone};
use crate::vocab::{
    Degree, Education, EmployerNature, Gender, IdType, Level, Residency, Subject, Vocabulary,
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
    pub practice_category: String,
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

/// Reads fields out of the raw input, collecting errors.
struct Reader<'a> {
    input: &'a serde_json::Map<String, serde_json::Value>,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    fn new(section: Section, input: &'a serde_json::Map<String, serde_json::Value>) -> Self {
        let mut errors = FieldErrors::new();
        for key in input.keys() {
            if !section.fields().contains(&key.as_str()) && key != "revision" {
                errors.insert(key.clone(), format!("{}中没有字段 {key}", section.label()));
            }
        }
        Reader { input, errors }
    }

    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// Text, trimmed; `None` (with an error) when required and empty or of another type.
    fn text(&mut self, field: &str, label: &str, required: bool, max: usize) -> Option<String> {
        let value = match self.input.get(field) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.trim().to_owned(),
            Some(_) => {
                self.fail(field, format!("{label}应为文字"));
                return None;
            }
        };
        if value.chars().any(char::is_control) {
            self.fail(field, format!("{label}不能包含控制字符"));
            return None;
        }
        if required && value.is_empty() {
            self.fail(field, format!("请填写{label}"));
            return None;
        }
        if value.chars().count() > max {
            self.fail(field, format!("{label}不能超过 {max} 个字"));
            return None;
        }
        Some(value)
    }

    fn choice<V: Vocabulary>(&mut self, field: &str, label: &str) -> Option<V> {
        let raw = self.text(field, label, false, 64)?;
        if raw.is_empty() {
            self.fail(field, format!("请选择{label}"));
            return None;
        }
        match V::from_key(&raw) {
            Some(v) => Some(v),
            None => {
                self.fail(field, format!("{label}的取值 {raw} 不在可选范围内"));
                None
            }
        }
    }

    /// A date written `YYYY-MM-DD` that exists on the calendar.
    fn date(&mut self, field: &str, label: &str, required: bool) -> Option<Option<Date>> {
        let raw = self.text(field, label, required, 10)?;
        if raw.is_empty() {
            return Some(None);
        }
        let parts: Vec<&str> = raw.split('-').collect();
        let parsed = match parts.as_slice() {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                let (y, m, d) = (
                    y.parse::<i32>().ok(),
                    m.parse::<u8>().ok(),
                    d.parse::<u8>().ok(),
                );
                match (y, m.and_then(|m| Month::try_from(m).ok()), d) {
                    (Some(y), Some(m), Some(d)) => Date::from_calendar_date(y, m, d).ok(),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(date) => Some(Some(date)),
            None => {
                self.fail(
                    field,
                    format!("{label}“{raw}”不是有效日期，请按 年-月-日 填写，如 2020-07-01"),
                );
                None
            }
        }
    }

    fn flag(&mut self, field: &str, label: &str) -> Option<bool> {
        match self.input.get(field) {
            None | Some(serde_json::Value::Null) => Some(false),
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(serde_json::Value::String(s))
                if matches!(s.as_str(), "true" | "on" | "yes" | "1") =>
            {
                Some(true)
            }
            Some(serde_json::Value::String(s))
                if matches!(s.as_str(), "false" | "off" | "no" | "0" | "") =>
            {
                Some(false)
            }
            Some(_) => {
                self.fail(field, format!("{label}应为“是”或“否”"));
                None
            }
        }
    }

    fn number(&mut self, field: &str, label: &str, max: u8) -> Option<u8> {
        let value = match self.input.get(field) {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                s.trim().parse::<u64>().ok()
            }
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) => {
                self.fail(field, format!("请填写{label}"));
                return None;
            }
            Some(_) => None,
        };
        match value
            .and_then(|v| u8::try_from(v).ok())
            .filter(|v| *v <= max)
        {
            Some(v) => Some(v),
            None => {
                self.fail(field, format!("{label}应为 0 到 {max} 之间的整数"));
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

fn years_between(from: Date, to: Date) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month() as u8, to.day()) < (from.month() as u8, from.day()) {
        years -= 1;
    }
    years
}

impl BasicSection {
    pub fn parse(
        input: &serde_json::Map<String, serde_json::Value>,
        ctx: &SectionContext<'_>,
    ) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(Section::Basic, input);
        let id = ctx.account_id_number;
        // Identity comes from the account; if sent, it must be the same.
        let name = r.text("name", "姓名", false, 50);
        if name
            .as_deref()
            .is_some_and(|n| !n.is_empty() && n != ctx.account_name)
        {
            r.fail(
                "name",
                "姓名与注册账号一致，不能在此修改；如需更正请联系报名点",
            );
        }
        let id_type = r.text("id_type", "证件类型", false, 32);
        if id_type
            .as_deref()
            .is_some_and(|t| !t.is_empty() && t != id.id_type().key())
        {
            r.fail("id_type", "证件类型与注册账号一致，不能在此修改");
        }
        let id_number = r.text("id_number", "证件号码", false, 32);
        if id_number
            .as_deref()
            .is_some_and(|n| !n.is_empty() && !n.eq_ignore_ascii_case(id.as_str()))
        {
            r.fail("id_number", "证件号码与注册账号一致，不能在此修改");
        }
        let gender = r.choice::<Gender>("gender", "性别");
        let birth_date = r.date("birth_date", "出生日期", true).flatten();
        if let Some(birth) = birth_date {
            let age = years_between(birth, ctx.today);
            if birth > ctx.today {
                r.fail("birth_date", "出生日期不能晚于今天");
            } else if !(16..=80).contains(&age) {
                r.fail(
                    "birth_date",
                    format!("按出生日期计算年龄为 {age} 岁，请核对"),
                );
            } else if id.birth_date().is_some_and(|b| b != birth) {
                r.fail("birth_date", "出生日期与证件号码不一致，请核对");
            }
        }
        if let (Some(g), Some(from_id)) = (gender, id.gender())
            && g != from_id
        {
            r.fail("gender", "性别与证件号码不一致，请核对");
        }
        let ethnicity = r.text("ethnicity", "民族", true, 20);
        if ethnicity
            .as_deref()
            .is_some_and(|e| !ETHNIC_GROUPS.contains(&e))
        {
            r.fail("ethnicity", "请从列表中选择民族");
        }
        let phone = r
            .text("phone", "联系电话", true, 20)
            .and_then(|p| match Phone::parse(&p) {
                Ok(phone) => Some(phone.as_str().to_owned()),
                Err(e) => {
                    r.fail("phone", e.to_string());
                    None
                }
            });
        let residency = r.choice::<Residency>("residency", "户籍情况");
        let value = match (gender, birth_date, ethnicity, phone, residency) {
            (Some(gender), Some(birth_date), Some(ethnicity), Some(phone), Some(residency)) => {
                Some(BasicSection {
                    name: ctx.account_name.to_owned(),
                    gender,
                    birth_date,
                    id_type: id.id_type(),
                    id_number: id.as_str().to_owned(),
                    ethnicity,
                    phone,
                    residency,
                })
            }
            _ => None,
        };
        r.finish(value)
    }
}

impl ExamSection {
    pub fn parse(
        input: &serde_json::Map<String, serde_json::Value>,
        ctx: &SectionContext<'_>,
    ) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(Section::Exam, input);
        let exam = ctx.exam;
        let level = r.choice::<Level>("level", "报考级别");
        if level.is_some_and(|l| !exam.levels.contains(&l)) {
            r.fail("level", "本次考试不设该报考级别");
        }
        let specialty_code = r.text("specialty_code", "报考专业", true, 3);
        if let (Some(code), Some(level)) = (&specialty_code, level) {
            match exam.specialty(code) {
                None => r.fail(
                    "specialty_code",
                    format!("专业代码 {code} 不在本次考试的专业目录中"),
                ),
                Some(s) if s.level != level => r.fail(
                    "specialty_code",
                    format!(
                        "{}（{}）属于{}，与所选报考级别{}不符",
                        s.name,
                        s.code,
                        s.level.label(),
                        level.label()
                    ),
                ),
                Some(_) => {}
            }
        }
        let point = r.text("point", "确认考点", true, 16);
        if point.as_deref().is_some_and(|p| exam.point(p).is_none()) {
            r.fail("point", "请从列表中选择确认考点");
        }
        let subjects = match input.get("subjects") {
            None | Some(serde_json::Value::Null) => Some(exam.subjects.clone()),
            Some(serde_json::Value::Array(items)) => {
                let mut subjects = Vec::new();
                for item in items {
                    match item
                        .as_str()
                        .and_then(Subject::from_key)
                        .filter(|s| exam.subjects.contains(s))
                    {
                        Some(s) if !subjects.contains(&s) => subjects.push(s),
                        Some(_) => {}
                        None => r.fail(
                            "subjects",
                            "报考科目只能从基础知识、相关专业知识、专业知识、专业实践能力中选择",
                        ),
                    }
                }
                subjects.sort();
                if subjects.is_empty() {
                    r.fail("subjects", "请至少选择一个报考科目");
                }
                Some(subjects)
            }
            Some(_) => {
                r.fail("subjects", "报考科目应为列表");
                None
            }
        };
        let previous_ticket_no = r.text("previous_ticket_no", "上一年度准考证号", false, 20);
        if previous_ticket_no
            .as_deref()
            .is_some_and(|t| !t.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            r.fail("previous_ticket_no", "准考证号只能包含字母和数字");
        }
        let previous_specialty_code =
            r.text("previous_specialty_code", "上一年度报考专业代码", false, 3);
        if previous_specialty_code.as_deref().is_some_and(|c| {
            !(c.is_empty() || (c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit())))
        }) {
            r.fail("previous_specialty_code", "专业代码应为 3 位数字");
        }
        let current_qualification = r.text("current_qualification", "现有技术资格", false, 40);
        let current_qualification_date =
            r.date("current_qualification_date", "现有技术资格取得时间", false);
        match (&current_qualification, current_qualification_date) {
            (Some(q), Some(None)) if !q.is_empty() => {
                r.fail(
                    "current_qualification_date",
                    "填写了现有技术资格的，请填写取得时间",
                );
            }
            (Some(q), Some(Some(_))) if q.is_empty() => {
                r.fail(
                    "current_qualification",
                    "填写了取得时间的，请填写现有技术资格",
                );
            }
            (_, Some(Some(date))) if date > ctx.today => {
                r.fail(
                    "current_qualification_date",
                    "现有技术资格取得时间不能晚于今天",
                );
            }
            _ => {}
        }
        let practice_category = r.text("practice_category", "执业类别", false, 20);
        let value = match (
            level,
            specialty_code,
            point,
            subjects,
            previous_ticket_no,
            previous_specialty_code,
            current_qualification,
            current_qualification_date,
            practice_category,
        ) {
            (
                Some(level),
                Some(specialty_code),
                Some(point),
                Some(subjects),
                Some(ptn),
                Some(psc),
                Some(cq),
                Some(cqd),
                Some(pc),
            ) => Some(ExamSection {
                level,
                specialty_code,
                point,
                subjects,
                previous_ticket_no: ptn,
                previous_specialty_code: psc,
                current_qualification: cq,
                current_qualification_date: cqd,
                practice_category: pc,
            }),
            _ => None,
        };
        r.finish(value)
    }
}

impl EducationSection {
    pub fn parse(
        input: &serde_json::Map<String, serde_json::Value>,
        ctx: &SectionContext<'_>,
    ) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(Section::Education, input);
        let highest_education = r.choice::<Education>("highest_education", "最高学历");
        let degree = r.choice::<Degree>("degree", "学位");
        let graduation_date = r.date("graduation_date", "毕业时间", true).flatten();
        if let Some(date) = graduation_date {
            if date > ctx.today {
                r.fail("graduation_date", "毕业时间不能晚于今天");
            } else if ctx.birth_date.is_some_and(|b| years_between(b, date) < 14) {
                r.fail(
                    "graduation_date",
                    "毕业时间与出生日期不符（毕业时不满 14 岁），请核对",
                );
            }
        }
        let school = r.text("school", "毕业学校", true, 60);
        let major = r.text("major", "毕业专业", true, 60);
        let school_note = r.text("school_note", "学校备注", false, 60);
        let major_note = r.text("major_note", "毕业专业备注", false, 60);
        let value = match (
            highest_education,
            degree,
            graduation_date,
            school,
            major,
            school_note,
            major_note,
        ) {
            (Some(he), Some(degree), Some(gd), Some(school), Some(major), Some(sn), Some(mn)) => {
                Some(EducationSection {
                    highest_education: he,
                    degree,
                    graduation_date: gd,
                    school,
                    major,
                    school_note: sn,
                    major_note: mn,
                })
            }
            _ => None,
        };
        r.finish(value)
    }
}

impl WorkSection {
    pub fn parse(
        input: &serde_json::Map<String, serde_json::Value>,
        ctx: &SectionContext<'_>,
    ) -> Result<Self, FieldErrors> {
        let mut r = Reader::new(Section::Work, input);
        let employer = r.text("employer", "单位名称", true, 80);
        let employer_affiliation = r.text("employer_affiliation", "单位所属", true, 40);
        let employer_nature = r.choice::<EmployerNature>("employer_nature", "单位性质");
        let years = r.number("years_in_specialty", "从事本专业年限", 60);
        if let (Some(years), Some(birth)) = (years, ctx.birth_date) {
            let age = years_between(birth, ctx.today);
            if i32::from(years) > age - 16 {
                r.fail(
                    "years_in_specialty",
                    format!("从事本专业年限 {years} 年超过了按年龄（{age} 岁）可能的年限，请核对"),
                );
            }
        }
        let transferred_post = r.flag("transferred_post", "是否转岗");
        let residency_training = r.flag("residency_training", "是否纳入住院医师规范化培训");
        let special_case = r.flag("special_case", "是否属于特殊申报");
        let value = match (
            employer,
            employer_affiliation,
            employer_nature,
            years,
            transferred_post,
            residency_training,
            special_case,
        ) {
            (Some(e), Some(a), Some(n), Some(y), Some(t), Some(rt), Some(sc)) => {
                Some(WorkSection {
                    employer: e,
                    employer_affiliation: a,
                    employer_nature: n,
                    years_in_specialty: y,
                    transferred_post: t,
                    residency_training: rt,
                    special_case: sc,
                })
            }
            _ => None,
        };
        r.finish(value)
    }
}
