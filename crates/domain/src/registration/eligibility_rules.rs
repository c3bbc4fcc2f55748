//! 报考条件: an advisory pre-check of eligibility, from rules that are data in the exam
//! definition. It never decides alone: the result is eligible, not eligible or "needs
//! review", always with the reasons, and the registration point has the last word.

use serde::Deserialize;
use time::Date;

use super::Sections;
use crate::exam::ExamDefinition;
use crate::vocab::{Education, Level, SpecialtyCategory, Vocabulary};

/// The row of the exam's rules for what the candidate saved: their specialty's family,
/// their level and their highest education. `None` until those are saved, or when the
/// rules have no such row.
pub fn rule_for<'a>(exam: &'a ExamDefinition, sections: &Sections) -> Option<&'a EligibilityRule> {
    let choice = sections.exam.as_ref()?;
    let education = sections.education.as_ref()?;
    let specialty = exam.specialty(&choice.specialty_code)?;
    exam.eligibility.rules.iter().find(|r| {
        r.families.contains(&specialty.category)
            && r.level == choice.level
            && r.education == education.highest_education
    })
}

/// One row of the eligibility table: for these families at this level with this
/// education, this many years in the specialty, holding the next-lower title for so
/// long, and a practice licence of the specialty's category held for so long.
///
/// The row of a candidate is the one rule of the year for them: the pre-check reads it,
/// and so do the material slots (a row that needs no lower title exempts the candidate
/// from uploading it, see [`crate::exam::Condition::LowerTitleExempt`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub families: Vec<SpecialtyCategory>,
    pub level: Level,
    pub education: Education,
    pub min_years_in_specialty: u8,
    /// Years holding the next-lower title (现有技术资格); `None`: no lower title needed.
    #[serde(default)]
    pub min_years_with_lower_title: Option<u8>,
    /// A practice licence (执业医师, 护士执业证书) of the specialty's own category is
    /// needed: a 临床 主治医师 needs a 临床 licence, a 主管护师 a nurse's licence.
    #[serde(default)]
    pub requires_practice_licence: bool,
    /// Years since the licence was first registered, counted to the eligibility cut-off.
    #[serde(default)]
    pub min_years_since_licence: Option<u8>,
}

impl EligibilityRule {
    /// Whether a candidate of this row need not hold (nor upload) the next-lower title.
    pub fn lower_title_exempt(&self) -> bool {
        self.min_years_with_lower_title.is_none()
    }
}

/// The rules of an exam, and whether a "not eligible" result blocks submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRules {
    #[serde(default)]
    pub blocks_submission: bool,
    #[serde(default)]
    pub rules: Vec<EligibilityRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Eligible,
    NotEligible,
    NeedsReview,
}

impl Verdict {
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Eligible => "eligible",
            Verdict::NotEligible => "not_eligible",
            Verdict::NeedsReview => "needs_review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Eligible => "符合报考条件",
            Verdict::NotEligible => "不符合报考条件",
            Verdict::NeedsReview => "需人工审核",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub verdict: Verdict,
    /// Why, in plain Chinese; never empty.
    pub reasons: Vec<String>,
}

fn whole_years(from: Date, to: Date) -> i32 {
    let mut years = to.year() - from.year();
    if (u8::from(to.month()), to.day()) < (u8::from(from.month()), from.day()) {
        years -= 1;
    }
    years
}

/// Evaluates what is known. Until the exam, education and work sections are saved the
/// answer is "needs review" saying what is missing.
pub fn evaluate(exam: &ExamDefinition, sections: &Sections) -> Eligibility {
    let (Some(choice), Some(education), Some(work)) =
        (&sections.exam, &sections.education, &sections.work)
    else {
        return Eligibility {
            verdict: Verdict::NeedsReview,
            reasons: vec!["填写报考信息、教育情况和工作情况后可查看报考条件预审结果".to_owned()],
        };
    };
    let Some(specialty) = exam.specialty(&choice.specialty_code) else {
        return Eligibility {
            verdict: Verdict::NeedsReview,
            reasons: vec!["报考专业不在本次考试目录中".to_owned()],
        };
    };
    let cutoff = exam.calendar.eligibility_cutoff;
    let cutoff_text = format!(
        "{}年{}月{}日",
        cutoff.year(),
        u8::from(cutoff.month()),
        cutoff.day()
    );
    let Some(rule) = rule_for(exam, sections) else {
        return Eligibility {
            verdict: Verdict::NeedsReview,
            reasons: vec![format!(
                "{}学历报考{}{}（{}）的条件未在规则中列出，由报名点审核",
                education.highest_education.label(),
                specialty.category.label(),
                choice.level.label(),
                specialty.name
            )],
        };
    };
    let mut failures = Vec::new();
    let mut reviews = Vec::new();
    let mut met = Vec::new();
    if work.years_in_specialty < rule.min_years_in_specialty {
        failures.push(format!(
            "{}学历报考{}，须从事本专业工作满 {} 年（计算至{}），您填写的是 {} 年",
            education.highest_education.label(),
            choice.level.label(),
            rule.min_years_in_specialty,
            cutoff_text,
            work.years_in_specialty
        ));
    } else {
        met.push(format!(
            "从事本专业 {} 年，满足至少 {} 年的要求",
            work.years_in_specialty, rule.min_years_in_specialty
        ));
    }
    if let Some(min) = rule.min_years_with_lower_title {
        match choice.current_qualification_date {
            Some(date) if !choice.current_qualification.is_empty() => {
                let years = whole_years(date, cutoff);
                if years < i32::from(min) {
                    failures.push(format!(
                        "须取得下一级资格满 {min} 年（计算至{cutoff_text}），您的{}取得于{}年{}月，满 {} 年",
                        choice.current_qualification,
                        date.year(),
                        u8::from(date.month()),
                        years.max(0)
                    ));
                } else {
                    met.push(format!(
                        "取得{}满 {years} 年，满足至少 {min} 年的要求",
                        choice.current_qualification
                    ));
                }
            }
            _ => failures.push(format!(
                "报考{}须具备下一级资格满 {min} 年，请填写现有技术资格及取得时间",
                choice.level.label()
            )),
        }
    }
    if rule.requires_practice_licence {
        let wanted = specialty.category.label();
        match choice.practice_category {
            None => failures.push(format!(
                "报考{}须持有{wanted}类别的执业证书，请选择执业类别",
                specialty.name
            )),
            Some(held) if held.entitles() != specialty.category => failures.push(format!(
                "报考{}须持有{wanted}类别的执业证书，您填写的执业类别为{}",
                specialty.name,
                held.label()
            )),
            Some(held) => met.push(format!("持有{}类别执业证书", held.label())),
        }
        if let Some(min) = rule.min_years_since_licence {
            match choice.practice_licence_date {
                None => failures.push(format!(
                    "须取得执业证书满 {min} 年（计算至{cutoff_text}），请填写取得执业证书（首次注册）时间"
                )),
                Some(date) => {
                    let years = whole_years(date, cutoff);
                    if years < i32::from(min) {
                        failures.push(format!(
                            "须取得执业证书后从事本专业工作满 {min} 年（计算至{cutoff_text}），您的执业证书取得于{}年{}月，满 {} 年",
                            date.year(),
                            u8::from(date.month()),
                            years.max(0)
                        ));
                    } else {
                        met.push(format!("取得执业证书满 {years} 年，满足至少 {min} 年的要求"));
                    }
                }
            }
        }
    }
    if work.transferred_post {
        reviews.push(
            "转岗人员须在现岗位工作满 2 年，并提交写明现岗位的劳动（聘用）合同，由报名点审核"
                .to_owned(),
        );
    }
    if work.residency_training {
        reviews.push(
            "纳入住院医师规范化培训的，按规培合格证书情况确定报考条件，由报名点审核".to_owned(),
        );
    }
    if work.special_case {
        reviews.push("特殊申报情形由报名点根据证明材料审核".to_owned());
    }
    let (verdict, reasons) = if !failures.is_empty() {
        (Verdict::NotEligible, failures)
    } else if !reviews.is_empty() {
        (Verdict::NeedsReview, reviews)
    } else {
        (Verdict::Eligible, met)
    };
    let reasons = if reasons.is_empty() {
        vec!["满足所列报考条件".to_owned()]
    } else {
        reasons
    };
    Eligibility { verdict, reasons }
}
