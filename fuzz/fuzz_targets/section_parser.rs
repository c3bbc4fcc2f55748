//! The four registration sections read from whatever JSON object a client sends: each
//! parse answers (a section, or the fields to fix) without panicking, and what it accepts
//! holds no character the form cannot take and reads back the same when sent again.
#![no_main]

use std::sync::LazyLock;

use examreg_domain::exam::ExamDefinition;
use examreg_domain::identity::IdNumber;
use examreg_domain::registration::{
    BasicSection, EducationSection, ExamSection, SectionContext, WorkSection,
};
use examreg_domain::vocab::IdType;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

static EXAM: LazyLock<ExamDefinition> = LazyLock::new(|| {
    ExamDefinition::from_toml(
        "shanghai-2025.toml",
        include_str!("../../exams/shanghai-2025.toml"),
    )
    .unwrap()
});

fn round_trip<T: serde::Serialize + PartialEq + std::fmt::Debug>(
    parsed: &T,
    parse: impl Fn(&Map<String, Value>) -> Option<T>,
) {
    let Ok(Value::Object(again)) = serde_json::to_value(parsed) else {
        return;
    };
    if let Some(reparsed) = parse(&again) {
        assert_eq!(&reparsed, parsed, "a saved section reads back the same");
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let today = time::macros::date!(2024 - 12 - 01);
    let id = IdNumber::parse(IdType::ResidentId, "310101199003071230", today).unwrap();
    let ctx = SectionContext {
        exam: &EXAM,
        today,
        account_name: "张三",
        account_id_number: &id,
        birth_date: Some(time::macros::date!(1990 - 03 - 07)),
    };
    if let Ok(section) = BasicSection::parse(&input, &ctx) {
        round_trip(&section, |m| BasicSection::parse(m, &ctx).ok());
    }
    if let Ok(section) = ExamSection::parse(&input, &ctx) {
        round_trip(&section, |m| ExamSection::parse(m, &ctx).ok());
    }
    if let Ok(section) = EducationSection::parse(&input, &ctx) {
        round_trip(&section, |m| EducationSection::parse(m, &ctx).ok());
    }
    if let Ok(section) = WorkSection::parse(&input, &ctx) {
        round_trip(&section, |m| WorkSection::parse(m, &ctx).ok());
        for c in section.employer.chars() {
            assert!(!c.is_control(), "a control character was accepted");
        }
    }
});
