use serde_json::{Map, Value, json};
use time::macros::date;

use super::*;
use crate::exam::ExamDefinition;
use crate::identity::IdNumber;
use crate::vocab::{Education, IdType, Level};

const BUNDLED: &str = include_str!("../../../../exams/shanghai-2025.toml");

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

#[test]
fn a_full_basic_section_takes_identity_from_the_account() {
    let f = Fixture::new();
    let basic = BasicSection::parse(&map(basic()), &f.ctx()).unwrap();
    assert_eq!(basic.name, "张三");
    assert_eq!(basic.id_number, "310101199003071230");
    assert_eq!(basic.birth_date, date!(1990 - 03 - 07));
}

#[test]
fn basic_section_rules() {
    let f = Fixture::new();
    let with = |k: &str, v: Value| {
        let mut m = map(basic());
        m.insert(k.to_owned(), v);
        BasicSection::parse(&m, &f.ctx())
    };
    assert_eq!(
        errors_of(with("gender", json!("female"))),
        ["gender"],
        "gender must agree with the ID"
    );
    assert_eq!(
        errors_of(with("birth_date", json!("1990-03-08"))),
        ["birth_date"]
    );
    assert_eq!(
        errors_of(with("birth_date", json!("2024-02-30"))),
        ["birth_date"],
        "no such day"
    );
    assert_eq!(
        errors_of(with("birth_date", json!("1990/03/07"))),
        ["birth_date"]
    );
    assert_eq!(errors_of(with("ethnicity", json!("火星族"))), ["ethnicity"]);
    assert_eq!(errors_of(with("phone", json!("123"))), ["phone"]);
    assert_eq!(errors_of(with("residency", json!("moon"))), ["residency"]);
    assert_eq!(
        errors_of(with("name", json!("李四"))),
        ["name"],
        "identity is locked"
    );
    assert_eq!(
        errors_of(with("id_number", json!("31011519881125432X"))),
        ["id_number"]
    );
    assert_eq!(
        errors_of(with("nickname", json!("小张"))),
        ["nickname"],
        "unknown fields are refused"
    );
    assert_eq!(
        errors_of(with("gender", json!(1))),
        ["gender"],
        "wrong types are refused"
    );
    assert!(
        with("name", json!("张三")).is_ok(),
        "the same name may be sent"
    );
    let err = BasicSection::parse(&Map::new(), &f.ctx()).unwrap_err();
    assert_eq!(
        err.into_keys().collect::<Vec<_>>(),
        ["birth_date", "ethnicity", "gender", "phone", "residency"]
    );
}

#[test]
fn exam_section_rules() {
    let f = Fixture::new();
    let with = |k: &str, v: Value| {
        let mut m = map(exam_section());
        m.insert(k.to_owned(), v);
        ExamSection::parse(&m, &f.ctx())
    };
    let ok = ExamSection::parse(&map(exam_section()), &f.ctx()).unwrap();
    assert_eq!(ok.subjects.len(), 4, "all four subjects by default");
    assert_eq!(
        errors_of(with("specialty_code", json!("203"))),
        ["specialty_code"],
        "203 is a junior specialty"
    );
    assert_eq!(
        errors_of(with("specialty_code", json!("999"))),
        ["specialty_code"]
    );
    assert_eq!(errors_of(with("point", json!("999999"))), ["point"]);
    assert_eq!(errors_of(with("subjects", json!([]))), ["subjects"]);
    assert_eq!(
        errors_of(with("subjects", json!(["astrology"]))),
        ["subjects"]
    );
    assert_eq!(
        errors_of(with(
            "subjects",
            json!(["professional_practice", "basic_knowledge"])
        )),
        ["subjects"],
        "a first-timer sits all four subjects"
    );
    let mut retaker = map(exam_section());
    retaker.insert("previous_ticket_no".into(), json!("2431150001"));
    retaker.insert(
        "subjects".into(),
        json!(["professional_practice", "basic_knowledge"]),
    );
    assert_eq!(
        ExamSection::parse(&retaker, &f.ctx())
            .unwrap()
            .subjects
            .len(),
        2,
        "a retaker registers only the subjects not passed"
    );
    assert_eq!(
        errors_of(with("practice_category", json!("内科"))),
        ["practice_category"],
        "执业类别 is a closed list"
    );
    let mut licence = map(exam_section());
    licence.insert("practice_category".into(), json!("nursing"));
    licence.insert("practice_licence_date".into(), json!("2025-01-01"));
    assert_eq!(
        errors_of(ExamSection::parse(&licence, &f.ctx())),
        ["practice_licence_date"],
        "not in the future"
    );
    assert_eq!(
        errors_of(with("practice_licence_date", json!("2012-01-01"))),
        ["practice_category"],
        "a licence date names the licence"
    );
    assert_eq!(
        errors_of(with("current_qualification_date", json!("2025-01-01"))),
        ["current_qualification_date"]
    );
    assert_eq!(
        errors_of(with("current_qualification_date", json!(""))),
        ["current_qualification_date"]
    );
    assert_eq!(
        errors_of(with("previous_specialty_code", json!("36"))),
        ["previous_specialty_code"]
    );
    assert_eq!(errors_of(with("level", json!("senior"))), ["level"]);
}

#[test]
fn education_and_work_rules() {
    let f = Fixture::new();
    assert!(EducationSection::parse(&map(education()), &f.ctx()).is_ok());
    let mut too_young = map(education());
    too_young.insert("graduation_date".into(), json!("2000-07-01"));
    assert_eq!(
        errors_of(EducationSection::parse(&too_young, &f.ctx())),
        ["graduation_date"]
    );
    let mut future = map(education());
    future.insert("graduation_date".into(), json!("2025-07-01"));
    assert_eq!(
        errors_of(EducationSection::parse(&future, &f.ctx())),
        ["graduation_date"]
    );

    assert!(WorkSection::parse(&map(work(5)), &f.ctx()).is_ok());
    assert_eq!(
        errors_of(WorkSection::parse(&map(work(30)), &f.ctx())),
        ["years_in_specialty"],
        "born 1990: at most 18 years"
    );
    let mut bad = map(work(5));
    bad.insert("transferred_post".into(), json!("maybe"));
    assert_eq!(
        errors_of(WorkSection::parse(&bad, &f.ctx())),
        ["transferred_post"]
    );
}

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
    let mut edu = map(education_json(education));
    edu.insert("highest_education".into(), json!(education.key()));
    Sections {
        basic: Some(BasicSection::parse(&map(basic()), &f.ctx()).unwrap()),
        exam: Some(ExamSection::parse(&map(choice), &f.ctx()).unwrap()),
        education: Some(EducationSection::parse(&edu, &f.ctx()).unwrap()),
        work: Some(WorkSection::parse(&map(work(years)), &f.ctx()).unwrap()),
    }
}

fn education_json(_e: Education) -> Value {
    education()
}

use crate::vocab::Vocabulary;

#[test]
fn eligibility_follows_the_table_for_each_level_and_education() {
    let exam = exam();
    // (level, specialty, education, years, lower-title date, expected)
    type Case<'a> = (&'a str, &'a str, Education, u8, Option<&'a str>, Verdict);
    let cases: &[Case<'_>] = &[
        (
            "junior_assistant",
            "102",
            Education::Secondary,
            1,
            None,
            Verdict::Eligible,
        ),
        (
            "junior_assistant",
            "102",
            Education::Secondary,
            0,
            None,
            Verdict::NotEligible,
        ),
        (
            "junior_assistant",
            "105",
            Education::JuniorCollege,
            1,
            None,
            Verdict::Eligible,
        ),
        (
            "junior_assistant",
            "105",
            Education::JuniorCollege,
            0,
            None,
            Verdict::NotEligible,
        ),
        (
            "junior",
            "202",
            Education::Secondary,
            6,
            Some("2019-12-31"),
            Verdict::Eligible,
        ),
        (
            "junior",
            "202",
            Education::Secondary,
            6,
            Some("2020-01-01"),
            Verdict::NotEligible,
        ),
        (
            "junior",
            "203",
            Education::JuniorCollege,
            3,
            Some("2022-06-30"),
            Verdict::Eligible,
        ),
        (
            "junior",
            "203",
            Education::JuniorCollege,
            2,
            Some("2022-06-30"),
            Verdict::NotEligible,
        ),
        (
            "junior",
            "207",
            Education::Bachelor,
            1,
            None,
            Verdict::Eligible,
        ),
        (
            "junior",
            "207",
            Education::Bachelor,
            0,
            None,
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "368",
            Education::Secondary,
            13,
            Some("2017-12-31"),
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "368",
            Education::Secondary,
            12,
            Some("2017-12-31"),
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "366",
            Education::JuniorCollege,
            9,
            Some("2018-01-01"),
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "366",
            Education::JuniorCollege,
            9,
            None,
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "379",
            Education::Bachelor,
            5,
            Some("2020-12-31"),
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "379",
            Education::Bachelor,
            5,
            Some("2021-01-01"),
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "367",
            Education::Master,
            3,
            Some("2022-12-31"),
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "367",
            Education::Master,
            2,
            Some("2022-12-31"),
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "374",
            Education::Doctor,
            0,
            None,
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "303",
            Education::Bachelor,
            4,
            None,
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "303",
            Education::Bachelor,
            3,
            None,
            Verdict::NotEligible,
        ),
        (
            "intermediate",
            "392",
            Education::Master,
            2,
            None,
            Verdict::Eligible,
        ),
        (
            "intermediate",
            "353",
            Education::JuniorCollege,
            5,
            None,
            Verdict::NotEligible,
        ),
        (
            "junior",
            "202",
            Education::Master,
            1,
            None,
            Verdict::NeedsReview,
        ),
    ];
    for (level, code, education, years, lower, expected) in cases {
        let s = sections(level, code, *education, *years, *lower);
        let result = evaluate(&exam, &s);
        assert_eq!(
            result.verdict, *expected,
            "{level} {code} {education:?} {years}y {lower:?}: {:?}",
            result.reasons
        );
        assert!(!result.reasons.is_empty());
    }
}

#[test]
fn eligibility_says_why_in_chinese() {
    let exam = exam();
    let s = sections(
        "intermediate",
        "368",
        Education::Bachelor,
        3,
        Some("2023-01-01"),
    );
    let result = evaluate(&exam, &s);
    assert_eq!(result.verdict, Verdict::NotEligible);
    assert!(
        result.reasons[0]
            .contains("须从事本专业工作满 5 年（计算至2024年12月31日），您填写的是 3 年"),
        "{:?}",
        result.reasons
    );
    assert!(
        result.reasons[1].contains("须取得下一级资格满 4 年"),
        "{:?}",
        result.reasons
    );
    let unknown = evaluate(&exam, &Sections::default());
    assert_eq!(unknown.verdict, Verdict::NeedsReview);
}

#[test]
fn transfer_and_training_need_review() {
    let exam = exam();
    let mut s = sections("intermediate", "303", Education::Bachelor, 4, None);
    if let Some(w) = s.work.as_mut() {
        w.transferred_post = true;
    }
    assert_eq!(evaluate(&exam, &s).verdict, Verdict::NeedsReview);
}

#[test]
fn printed_text_changes_exactly_with_the_data() {
    let s = sections(
        "intermediate",
        "368",
        Education::Bachelor,
        5,
        Some("2018-06-30"),
    );
    let same = s.clone();
    assert_eq!(s.printed_text(), same.printed_text());
    let mut changed = s.clone();
    if let Some(w) = changed.work.as_mut() {
        w.employer = "上海市第六人民医院".into();
    }
    assert_ne!(s.printed_text(), changed.printed_text());
    assert_eq!(s.applicant_facts(&exam()).level, Some(Level::Intermediate));
}

#[test]
fn the_licence_must_be_of_the_specialtys_category_and_years_count_from_it() {
    use crate::vocab::PracticeCategory;
    let exam = exam();
    let mut s = sections("intermediate", "303", Education::Bachelor, 4, None);
    let choice = s.exam.as_mut().unwrap();
    // A 临床 主治医师 candidate whose licence is a nurse's, obtained a month ago.
    choice.practice_category = Some(PracticeCategory::Nursing);
    choice.practice_licence_date = Some(date!(2024 - 11 - 01));
    let result = evaluate(&exam, &s);
    assert_eq!(result.verdict, Verdict::NotEligible, "{:?}", result.reasons);
    assert!(
        result
            .reasons
            .iter()
            .any(|r| r.contains("须持有临床类别的执业证书，您填写的执业类别为护理")),
        "{:?}",
        result.reasons
    );
    assert!(
        result.reasons.iter().any(|r| r.contains("满 0 年")),
        "{:?}",
        result.reasons
    );

    let choice = s.exam.as_mut().unwrap();
    choice.practice_category = Some(PracticeCategory::Clinical);
    let result = evaluate(&exam, &s);
    assert_eq!(
        result.verdict,
        Verdict::NotEligible,
        "a month of practice, whatever years in the specialty are declared"
    );
    s.exam.as_mut().unwrap().practice_licence_date = Some(date!(2020 - 12 - 31));
    assert_eq!(
        evaluate(&exam, &s).verdict,
        Verdict::Eligible,
        "four whole years"
    );
    s.exam.as_mut().unwrap().practice_licence_date = Some(date!(2021 - 01 - 01));
    assert_eq!(
        evaluate(&exam, &s).verdict,
        Verdict::NotEligible,
        "one day short"
    );
    s.exam.as_mut().unwrap().practice_category = None;
    assert_eq!(evaluate(&exam, &s).verdict, Verdict::NotEligible);
}

#[test]
fn one_row_decides_a_nurse_masters_eligibility_and_her_slots() {
    let exam = exam();
    let required = |s: &Sections, slot: &str| {
        exam.slot(slot)
            .and_then(|d| d.applies_to(&s.applicant_facts(&exam)))
            .map(|status| status.required)
    };
    // 主管护师 with a master's degree: 2 years of registered nursing, no lower title.
    let mut master = sections("intermediate", "368", Education::Master, 2, None);
    master.exam.as_mut().unwrap().practice_licence_date = Some(date!(2022 - 12 - 31));
    assert_eq!(evaluate(&exam, &master).verdict, Verdict::Eligible);
    assert_eq!(master.applicant_facts(&exam).lower_title_exempt, Some(true));
    assert_eq!(
        required(&master, "5-5"),
        Some(false),
        "offered, not required"
    );
    assert_eq!(required(&master, "5-6"), Some(false));
    master.exam.as_mut().unwrap().practice_licence_date = Some(date!(2023 - 01 - 01));
    assert_eq!(evaluate(&exam, &master).verdict, Verdict::NotEligible);

    // With a bachelor's degree the row asks for 护师 for 4 years, and its certificate.
    let bachelor = sections(
        "intermediate",
        "368",
        Education::Bachelor,
        5,
        Some("2020-12-31"),
    );
    assert_eq!(evaluate(&exam, &bachelor).verdict, Verdict::Eligible);
    assert_eq!(required(&bachelor, "5-5"), Some(true));
    assert_eq!(required(&bachelor, "5-6"), Some(true));
}
