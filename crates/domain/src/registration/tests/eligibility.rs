//! Eligibility by the table of the chosen level, and why, in Chinese.

use time::macros::date;

use super::*;

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
