//! Each section's fields as the form and the API send them, and the printed data.

use serde_json::json;

use crate::vocab::Level;

use super::*;

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
