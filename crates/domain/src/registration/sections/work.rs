//! 工作情况.

use super::reader::{Reader, years_between};
use super::{FieldErrors, Section, SectionContext, WorkSection};
use crate::vocab::EmployerNature;

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
