//! 报考信息.

use super::reader::Reader;
use super::{ExamSection, FieldErrors, Section, SectionContext};
use crate::vocab::{Level, PracticeCategory, Subject, Vocabulary};

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
        let practice_category =
            r.optional_choice::<PracticeCategory>("practice_category", "执业类别");
        let practice_licence_date = r.date(
            "practice_licence_date",
            "取得执业证书（首次注册）时间",
            false,
        );
        match (practice_category, practice_licence_date) {
            (Some(None), Some(Some(_))) => r.fail(
                "practice_category",
                "填写了取得执业证书时间的，请选择执业类别",
            ),
            (_, Some(Some(date))) if date > ctx.today => {
                r.fail("practice_licence_date", "取得执业证书时间不能晚于今天")
            }
            _ => {}
        }
        // First-timers sit every subject; only a candidate retaking last year's exam (who
        // gives last year's admit card number) may register for fewer.
        if let (Some(subjects), Some(ticket)) = (&subjects, &previous_ticket_no)
            && ticket.is_empty()
            && subjects.len() < exam.subjects.len()
        {
            r.fail(
                "subjects",
                format!(
                    "首次报考须报考全部 {} 个科目；只有上一年度部分科目未通过的考生（填写上一年度准考证号）可只报考未通过的科目",
                    exam.subjects.len()
                ),
            );
        }
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
            practice_licence_date,
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
                Some(pld),
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
                practice_licence_date: pld,
            }),
            _ => None,
        };
        r.finish(value)
    }
}
