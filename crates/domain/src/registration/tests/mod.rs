//! The registration's rules: each section's parsing, eligibility by the table of its
//! level, and the printed data. The fixtures below are shared by both halves.

use serde_json::{Map, Value, json};
use time::macros::date;

use super::*;
use crate::exam::ExamDefinition;
use crate::identity::IdNumber;
use crate::vocab::{Education, IdType, Vocabulary};

const BUNDLED: &str = include_str!("../../../../../exams/shanghai-2025.toml");

fn exam() -> ExamDefinition {
    ExamDefinition::from_toml("shanghai-2025.toml", BUNDLED).unwrap()
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

struct Fixture {
    exam: ExamDefinition,
    id: IdNumber,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            exam: exam(),
            id: IdNumber::parse(
                IdType::ResidentId,
                "310101199003071230",
                date!(2024 - 12 - 01),
            )
            .unwrap(),
        }
    }

    fn ctx(&self) -> SectionContext<'_> {
        SectionContext {
            exam: &self.exam,
            today: date!(2024 - 12 - 01),
            account_name: "张三",
            account_id_number: &self.id,
            birth_date: Some(date!(1990 - 03 - 07)),
        }
    }
}

fn basic() -> Value {
    json!({"gender": "male", "birth_date": "1990-03-07", "ethnicity": "汉族", "phone": "13812345678", "residency": "shanghai_hukou"})
}

fn exam_section() -> Value {
    json!({"level": "intermediate", "specialty_code": "368", "point": "310115",
           "current_qualification": "护师", "current_qualification_date": "2018-06-30"})
}

fn education() -> Value {
    json!({"highest_education": "bachelor", "degree": "bachelor", "graduation_date": "2012-07-01",
           "school": "复旦大学", "major": "护理学"})
}

fn work(years: u8) -> Value {
    json!({"employer": "上海市第一人民医院", "employer_affiliation": "上海市卫生健康委员会",
           "employer_nature": "public", "years_in_specialty": years})
}

fn errors_of<T: std::fmt::Debug>(result: Result<T, FieldErrors>) -> Vec<String> {
    result.unwrap_err().into_keys().collect()
}

/// Four parsed sections of the fixture's candidate: `level` and `code` chosen, with the
/// specialty's own licence since 2010, `education`, `years` in the specialty, and a lower
/// title since `lower` where given.
fn sections(
    level: &str,
    code: &str,
    education: Education,
    years: u8,
    lower: Option<&str>,
) -> Sections {
    let f = Fixture::new();
    // The licence of the specialty's own category, held long enough, where there is one.
    let category = exam().specialty(code).map(|s| s.category);
    let licence = crate::vocab::PracticeCategory::ALL
        .iter()
        .find(|p| Some(p.entitles()) == category);
    let mut choice = json!({"level": level, "specialty_code": code, "point": "310115"});
    if let Some(licence) = licence {
        choice["practice_category"] = json!(licence.key());
        choice["practice_licence_date"] = json!("2010-07-01");
    }
    if let Some(date) = lower {
        choice["current_qualification"] = json!("下一级资格");
        choice["current_qualification_date"] = json!(date);
    }
    let mut edu = map(self::education());
    edu.insert("highest_education".into(), json!(education.key()));
    Sections {
        basic: Some(BasicSection::parse(&map(basic()), &f.ctx()).unwrap()),
        exam: Some(ExamSection::parse(&map(choice), &f.ctx()).unwrap()),
        education: Some(EducationSection::parse(&edu, &f.ctx()).unwrap()),
        work: Some(WorkSection::parse(&map(work(years)), &f.ctx()).unwrap()),
    }
}

mod eligibility;
mod parsing;
