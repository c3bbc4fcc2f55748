//! 教育情况.

use super::reader::{Reader, years_between};
use super::{EducationSection, FieldErrors, Section, SectionContext};
use crate::vocab::{Degree, Education};

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
