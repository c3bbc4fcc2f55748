use time::macros::datetime;

use super::*;
use crate::vocab::{Degree, Education, EmployerNature, Residency};

const BUNDLED: &str = include_str!("../../../../exams/shanghai-2025.toml");

fn bundled() -> ExamDefinition {
    ExamDefinition::from_toml("shanghai-2025.toml", BUNDLED).unwrap_or_else(|e| panic!("{e}"))
}

/// Every slot of CONTRACT.md, in the seed's order, with the seed's title and file limit.
const SEED_SLOTS: &[(&str, &str, u8)] = &[
    ("form", "申请表 (单位盖章)", 1),
    (
        "1",
        "上海居住证（正反面）无居住证可提供上海社保清单或办理居住证出具的居住凭证-2页",
        2,
    ),
    (
        "2",
        "港澳台居民居住证、外国人永久居留证、上海市居住证（B证）",
        1,
    ),
    (
        "3-1",
        "学历证、学位证（带本人照片、毕业专业、毕业学校钢印）-6页",
        6,
    ),
    (
        "3-2",
        "大专以上学历需提供教育部学历认证（学信网）或国外学历提供由教育部出具的认证材料-1页",
        1,
    ),
    ("4-1", "初级(士)资格证书(有专业、级别、盖章页)-2页", 2),
    ("4-2", "初级(士)资格相关证明材料-2页", 2),
    ("4-3a", "护士执业证书(带照片和签发日期页)-1页", 1),
    ("4-3b", "护士执业地点页和首次注册页-1页", 1),
    ("4-3c", "护士执业变更页-3页", 3),
    ("4-3d", "护士延续注册页-1页", 1),
    ("5-1", "医师资格证（带照片和签发日期页）-1页", 1),
    ("5-2", "医师资格证（专业和类别及发证机关页）-1页", 1),
    ("5-3a", "医师执业证书（专业和类别及发证机关页）-1页", 1),
    ("5-3b", "医师执业证书（执业类别及执业范围页）-1页", 1),
    ("5-3c", "医师执业证书（执业变更或增加执业范围页）-3页", 3),
    ("5-4", "更换医师执业证书提供首次注册证明材料-1页", 1),
    (
        "5-5",
        "护理、药学、医技初级（师）资格证书（有专业、级别、盖章页）-2页",
        2,
    ),
    ("5-6", "护理、药学、医技初级（师）资格相关证明材料-2页", 2),
    ("6-1", "提供规培合格证-1页", 1),
    ("6-2", "规培合同（有姓名、合同期限，岗位页）-2页", 2),
    ("6-3", "规培合同合同双方签字盖章页-1页", 1),
    ("6-4", "学习与规培同步进行的学员上传规培单位的缴金证明", 2),
    ("7", "转岗证明及转岗前资格证书-3页", 3),
    ("8-1", "劳动合同-有姓名、合同期限，岗位页-10页", 10),
    ("8-2", "劳动合同-合同双方签字盖章页-5页", 5),
    ("8-3", "劳动合同-延续合同页-1页", 2),
    ("9", "民营机构提供医疗机构许可证(正本或副本)-1页", 1),
    ("10", "符合报考条件中特殊申报需要提供相应证明材料-6页", 6),
    ("11", "上一年度成绩未通过考生，2024年考试成绩单", 1),
];

#[test]
fn bundled_definition_has_every_contract_slot_with_the_seed_title_and_limit() {
    let exam = bundled();
    let ids: Vec<_> = exam.slots.iter().map(|s| s.id.as_str()).collect();
    let expected: Vec<_> = SEED_SLOTS.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(ids, expected, "slot ids in the seed's order");
    for (id, title, max) in SEED_SLOTS {
        let slot = exam.slot(id).unwrap_or_else(|| panic!("slot {id}"));
        assert_eq!(slot.title, *title, "title of slot {id}");
        assert_eq!(slot.max_files, *max, "max_files of slot {id}");
        assert!(!slot.reason.is_empty());
    }
}

#[test]
fn bundled_definition_carries_the_seed_calendar_and_limits() {
    let exam = bundled();
    assert_eq!(exam.id.as_str(), "2025-shanghai");
    assert_eq!(exam.year, 2025);
    assert_eq!(exam.title, "2025年度卫生专业技术资格考试");
    assert_eq!(exam.area.name, "上海考区");
    assert_eq!(
        exam.calendar.resubmit_deadline,
        datetime!(2024-12-11 17:00 +8)
    );
    assert_eq!(
        exam.calendar.qualification_results_published,
        datetime!(2025-01-26 00:00 +8)
    );
    assert_eq!(
        exam.calendar.eligibility_cutoff,
        time::macros::date!(2024 - 12 - 31)
    );
    assert_eq!(exam.uploads.materials.min_bytes, 10 * 1024);
    assert_eq!(exam.uploads.materials.max_bytes, 150 * 1024);
    assert_eq!(exam.points.len(), 16);
    assert!(exam.points.iter().any(|p| p.district == "浦东新区"));
    assert_eq!(exam.subjects.len(), 4);
    assert_eq!(exam.fees.for_subjects(4), Some(Fen(20_000)));
    for level in [Level::JuniorAssistant, Level::Junior, Level::Intermediate] {
        assert!(exam.specialties_of(level).next().is_some(), "{level:?}");
    }
    let nursing = exam.specialty("203").unwrap_or_else(|| panic!("203"));
    assert_eq!(
        (nursing.name.as_str(), nursing.level, nursing.paper_based),
        ("护理学", Level::Junior, true)
    );
    assert_eq!(
        exam.specialty("367").map(|s| s.provenance),
        Some(Provenance::Official)
    );
    assert_eq!(
        exam.specialty("368").map(|s| s.provenance),
        Some(Provenance::Unconfirmed)
    );
}

fn slots_for(exam: &ExamDefinition, facts: &ApplicantFacts) -> Vec<(String, bool)> {
    exam.slots
        .iter()
        .filter_map(|s| s.applies_to(facts))
        .map(|s| (s.slot.id.to_string(), s.required))
        .collect()
}

#[test]
fn slot_rules_of_the_bundled_definition_follow_the_guide() {
    let exam = bundled();
    // A Shanghai-hukou 主管护师 candidate with a bachelor's degree at a public hospital.
    let nurse = ApplicantFacts {
        residency: Some(Residency::ShanghaiHukou),
        level: Some(Level::Intermediate),
        category: Some(SpecialtyCategory::Nursing),
        education: Some(Education::Bachelor),
        degree: Some(Degree::Bachelor),
        employer_nature: Some(EmployerNature::Public),
        years_in_specialty: Some(6),
        transferred_post: Some(false),
        residency_training: Some(false),
        special_case: Some(false),
        historical: Some(false),
        lower_title_exempt: Some(false),
    };
    let required: Vec<_> = slots_for(&exam, &nurse)
        .into_iter()
        .filter(|(_, r)| *r)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        required,
        [
            "form", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2"
        ]
    );

    // The same nurse with a doctorate (whose row of the eligibility rules needs no lower
    // title) is exempt from 5-5 and 5-6, which stay offered.
    let doctor_nurse = ApplicantFacts {
        education: Some(Education::Doctor),
        degree: Some(Degree::Doctor),
        lower_title_exempt: Some(true),
        ..nurse.clone()
    };
    let slots = slots_for(&exam, &doctor_nurse);
    assert!(slots.contains(&("5-5".to_owned(), false)));
    assert!(slots.contains(&("5-6".to_owned(), false)));

    // A non-Shanghai 主治医师 in residency training at a private hospital, historical.
    let physician = ApplicantFacts {
        residency: Some(Residency::NonShanghai),
        category: Some(SpecialtyCategory::Clinical),
        employer_nature: Some(EmployerNature::Private),
        residency_training: Some(true),
        historical: Some(true),
        ..nurse
    };
    let required: Vec<_> = slots_for(&exam, &physician)
        .into_iter()
        .filter(|(_, r)| *r)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        required,
        [
            "form", "1", "3-1", "3-2", "5-1", "5-2", "5-3a", "5-3b", "6-1", "6-2", "6-3", "8-1",
            "8-2", "9", "11"
        ]
    );
}

#[test]
fn demo_copy_is_open_now_labelled_and_keeps_the_rules() {
    let exam = bundled();
    let now = datetime!(2026-11-25 17:34 UTC);
    let demo = exam.as_demo(now);
    assert_eq!(demo.id.as_str(), "demo");
    assert!(demo.demo);
    assert!(demo.title.contains("演示"));
    assert!(demo.calendar.registration.contains(now));
    assert_eq!(demo.slots, exam.slots);
    assert_eq!(demo.specialties, exam.specialties);
    let mut catalog = ExamCatalog::default();
    catalog
        .insert(exam.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    catalog.insert(demo).unwrap_or_else(|e| panic!("{e}"));
    let open: Vec<_> = catalog
        .open_at(now)
        .iter()
        .map(|e| e.id.to_string())
        .collect();
    assert_eq!(open, ["demo"]);
    assert!(
        catalog.insert(exam).is_err(),
        "a second definition with the same id"
    );
}

/// Replaces the first occurrence of `from` in the bundled file and returns the error.
fn broken(from: &str, to: &str) -> DefinitionError {
    assert!(BUNDLED.contains(from), "{from:?} is in the bundled file");
    let text = BUNDLED.replacen(from, to, 1);
    match ExamDefinition::from_toml("broken.toml", &text) {
        Ok(_) => panic!("replacing {from:?} with {to:?} should fail"),
        Err(e) => e,
    }
}

#[test]
fn broken_definitions_are_rejected_naming_file_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "max_files = 2\npage_hint = 2\nshown_when = { residency",
            "max_files = 0\npage_hint = 2\nshown_when = { residency",
            "slots[1].max_files",
        ),
        ("id = \"4-3a\"", "id = \"4-3A\"", "slots[7].id"),
        ("id = \"4-3b\"", "id = \"4-3a\"", "slots[8]"),
        ("id = \"form\"", "id = \"0\"", "slots"),
        (
            "resubmit_deadline = 2024-12-11T17:00:00",
            "resubmit_deadline = 2024-12-01T17:00:00",
            "calendar.resubmit_deadline",
        ),
        (
            "registration_closes = 2024-12-10T00:00:00",
            "registration_closes = 2024-02-30T00:00:00",
            "line",
        ),
        (
            "eligibility_cutoff = 2024-12-31",
            "eligibility_cutoff = 2025-12-31",
            "calendar.eligibility_cutoff",
        ),
        ("code = \"310104\"", "code = \"310101\"", "points[1]"),
        ("code = \"102\"", "code = \"1O2\"", "specialties[0].code"),
        ("max_kb = 150", "max_kb = 5", "uploads.materials.max_kb"),
        (
            "per_subject_fen = 5000",
            "per_subject_fen = 0",
            "fees.per_subject_fen",
        ),
        (
            "title = \"2025年度卫生专业技术资格考试\"",
            "titel = \"x\"",
            "line",
        ),
        (
            "shown_when = { residency = [\"non_shanghai\"] }",
            "shown_when = { residency = [] }",
            "slots[1].shown_when",
        ),
        (
            "shown_when = { residency = [\"non_shanghai\"] }",
            "shown_when = { residency = [\"mars\"] }",
            "line",
        ),
    ];
    for (from, to, location) in cases {
        let err = broken(from, to);
        assert_eq!(err.source_name, "broken.toml");
        assert!(
            err.location.starts_with(location),
            "{from:?} → {to:?}: expected location {location:?}, got {err}"
        );
        let line = err.to_string();
        assert!(line.starts_with("broken.toml: "), "{line}");
        assert!(!line.contains('\n'), "one line: {line}");
    }
}

#[test]
fn syntax_errors_name_the_key() {
    let err = broken("title = \"2025年度卫生专业技术资格考试\"", "titel = \"x\"");
    assert!(err.message.contains("titel"), "{err}");
    let line = BUNDLED
        .lines()
        .position(|l| l.starts_with("title = \"2025"))
        .map(|i| i + 1);
    assert_eq!(Some(err.location), line.map(|n| format!("line {n}")));
}
