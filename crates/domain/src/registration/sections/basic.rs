//! 基本情况.

use super::reader::{Reader, years_between};
use super::{BasicSection, ETHNIC_GROUPS, FieldErrors, Section, SectionContext};
use crate::identity::Phone;
use crate::vocab::{Gender, Residency, Vocabulary};

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
