//! The material slot catalog (证明材料) and the rules of who uploads what, as data.
//!
//! Each slot says, as a [`Condition`], when it is shown to a candidate and when it must be
//! filled. Conditions are evaluated purely against [`ApplicantFacts`]; a fact the candidate
//! has not given yet makes every predicate on it false, so a slot appears once the answer
//! that calls for it is known.

use std::fmt;

use serde::Deserialize;

use crate::vocab::{Degree, Education, EmployerNature, Level, Residency, SpecialtyCategory};

/// A slot id of the contract: `form`, `1`, `3-1`, `4-3a` and so on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotId(String);

impl SlotId {
    /// The signed and stamped application form.
    pub const FORM: &'static str = "form";

    /// `form`, or a number of one or two digits, optionally followed by `-` and one or two
    /// digits, optionally followed by one lowercase letter.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw == Self::FORM || is_numbered(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("材料框编号须为 form 或形如 3、3-1、4-3a 的编号")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_numbered(raw: &str) -> bool {
    let digits = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let (main, sub) = match raw.split_once('-') {
        Some((main, sub)) => (main, Some(sub)),
        None => (raw, None),
    };
    let Some(sub) = sub else { return digits(main) };
    let sub = match sub.as_bytes().last() {
        Some(b) if b.is_ascii_lowercase() => &sub[..sub.len() - 1],
        _ => sub,
    };
    digits(main) && digits(sub)
}

impl fmt::Display for SlotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A yes/no fact a candidate declares about their case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// 转岗: applies in the specialty of a post changed to.
    TransferredPost,
    /// 按规定纳入住院医师规范化培训 (规培).
    ResidencyTraining,
    /// 符合报考条件中特殊申报.
    SpecialCase,
    /// 历史考生: failed last year's exam (not absent, no violation).
    Historical,
}

/// When a slot applies. Written in exam definitions as TOML, e.g.
/// `{ all = [{ category = ["nursing"] }, { level = ["junior", "intermediate"] }] }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    Always,
    Never,
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Residency(Vec<Residency>),
    Level(Vec<Level>),
    Category(Vec<SpecialtyCategory>),
    EducationAtLeast(Education),
    Degree(Vec<Degree>),
    EmployerNature(Vec<EmployerNature>),
    YearsInSpecialtyAtLeast(u8),
    Flag(Flag),
    /// The candidate's row of the eligibility rules needs no next-lower title (a 卫生类
    /// doctorate for 主管护师 or 主管药（技）师, …), so its certificate need not be
    /// uploaded. Written `"lower_title_exempt"`.
    LowerTitleExempt,
}

/// What is known about a candidate's case when slots are evaluated. `None` is "not yet
/// answered".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicantFacts {
    pub residency: Option<Residency>,
    pub level: Option<Level>,
    pub category: Option<SpecialtyCategory>,
    pub education: Option<Education>,
    pub degree: Option<Degree>,
    pub employer_nature: Option<EmployerNature>,
    pub years_in_specialty: Option<u8>,
    pub transferred_post: Option<bool>,
    pub residency_training: Option<bool>,
    pub special_case: Option<bool>,
    pub historical: Option<bool>,
    /// From the candidate's row of the eligibility rules; `None` while there is none.
    pub lower_title_exempt: Option<bool>,
}

impl Condition {
    pub fn holds(&self, facts: &ApplicantFacts) -> bool {
        fn one_of<T: PartialEq>(fact: Option<T>, allowed: &[T]) -> bool {
            fact.is_some_and(|f| allowed.contains(&f))
        }
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::All(cs) => cs.iter().all(|c| c.holds(facts)),
            Self::Any(cs) => cs.iter().any(|c| c.holds(facts)),
            Self::Not(c) => !c.holds(facts),
            Self::Residency(allowed) => one_of(facts.residency, allowed),
            Self::Level(allowed) => one_of(facts.level, allowed),
            Self::Category(allowed) => one_of(facts.category, allowed),
            Self::EducationAtLeast(min) => facts.education.is_some_and(|e| e >= *min),
            Self::Degree(allowed) => one_of(facts.degree, allowed),
            Self::EmployerNature(allowed) => one_of(facts.employer_nature, allowed),
            Self::YearsInSpecialtyAtLeast(min) => {
                facts.years_in_specialty.is_some_and(|y| y >= *min)
            }
            Self::Flag(flag) => {
                let value = match flag {
                    Flag::TransferredPost => facts.transferred_post,
                    Flag::ResidencyTraining => facts.residency_training,
                    Flag::SpecialCase => facts.special_case,
                    Flag::Historical => facts.historical,
                };
                value == Some(true)
            }
            Self::LowerTitleExempt => facts.lower_title_exempt == Some(true),
        }
    }

    /// Empty `all`/`any` lists and empty value lists are almost certainly mistakes in a
    /// definition file; this names the first one found.
    pub(crate) fn first_empty_list(&self) -> Option<&'static str> {
        match self {
            Self::Always | Self::Never | Self::EducationAtLeast(_) => None,
            Self::LowerTitleExempt => None,
            Self::YearsInSpecialtyAtLeast(_) | Self::Flag(_) => None,
            Self::All(cs) | Self::Any(cs) if cs.is_empty() => Some("all/any"),
            Self::All(cs) | Self::Any(cs) => cs.iter().find_map(Condition::first_empty_list),
            Self::Not(c) => c.first_empty_list(),
            Self::Residency(v) if v.is_empty() => Some("residency"),
            Self::Level(v) if v.is_empty() => Some("level"),
            Self::Category(v) if v.is_empty() => Some("category"),
            Self::Degree(v) if v.is_empty() => Some("degree"),
            Self::EmployerNature(v) if v.is_empty() => Some("employer_nature"),
            Self::Residency(_) | Self::Level(_) | Self::Category(_) => None,
            Self::Degree(_) | Self::EmployerNature(_) => None,
        }
    }
}

/// One material slot (材料框).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDefinition {
    pub id: SlotId,
    /// The seed's title, without its "(最多允许上传N个文件)" suffix.
    pub title: String,
    /// The most files the slot takes.
    pub max_files: u8,
    /// The page count the title hints at ("-2页"), when it gives one. Only a hint: the
    /// limit is `max_files`.
    pub page_hint: Option<u8>,
    /// When the slot is offered to the candidate.
    pub shown_when: Condition,
    /// When, being offered, it must be filled before 上传全部证明材料.
    pub required_when: Condition,
    /// Why the slot applies, in words a candidate understands.
    pub reason: String,
}

/// A slot as it applies to one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotStatus<'a> {
    pub slot: &'a SlotDefinition,
    pub required: bool,
}

impl SlotDefinition {
    /// `None` when the slot is not shown for these facts.
    pub fn applies_to(&self, facts: &ApplicantFacts) -> Option<SlotStatus<'_>> {
        self.shown_when.holds(facts).then(|| SlotStatus {
            slot: self,
            required: self.required_when.holds(facts),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_ids_of_the_contract_parse() {
        for id in [
            "form", "1", "2", "3-1", "4-3a", "4-3d", "5-3c", "8-3", "10", "11",
        ] {
            assert_eq!(SlotId::parse(id).map(|s| s.0), Ok(id.to_owned()));
        }
    }

    #[test]
    fn malformed_slot_ids_are_refused() {
        for id in [
            "", "Form", "a", "1-", "-1", "123", "4-3A", "4-3ab", "4_3", "1-2-3", "../x",
        ] {
            assert!(SlotId::parse(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn unknown_facts_make_predicates_false() {
        let facts = ApplicantFacts::default();
        assert!(Condition::Always.holds(&facts));
        assert!(!Condition::Residency(vec![Residency::NonShanghai]).holds(&facts));
        assert!(!Condition::Flag(Flag::Historical).holds(&facts));
        assert!(!Condition::EducationAtLeast(Education::Secondary).holds(&facts));
    }

    #[test]
    fn combinators_follow_their_names() {
        let facts = ApplicantFacts {
            category: Some(SpecialtyCategory::Nursing),
            level: Some(Level::Intermediate),
            degree: Some(Degree::Master),
            years_in_specialty: Some(2),
            ..ApplicantFacts::default()
        };
        let nursing = Condition::Category(vec![SpecialtyCategory::Nursing]);
        let pharmacy = Condition::Category(vec![SpecialtyCategory::Pharmacy]);
        assert!(
            Condition::All(vec![
                nursing.clone(),
                Condition::Level(vec![Level::Intermediate])
            ])
            .holds(&facts)
        );
        assert!(!Condition::All(vec![nursing.clone(), pharmacy.clone()]).holds(&facts));
        assert!(Condition::Any(vec![pharmacy.clone(), nursing]).holds(&facts));
        assert!(Condition::Not(Box::new(pharmacy)).holds(&facts));
        assert!(Condition::YearsInSpecialtyAtLeast(2).holds(&facts));
        assert!(!Condition::YearsInSpecialtyAtLeast(3).holds(&facts));
        assert!(
            Condition::EducationAtLeast(Education::Secondary).holds(&ApplicantFacts {
                education: Some(Education::JuniorCollege),
                ..ApplicantFacts::default()
            })
        );
    }

    #[test]
    fn conditions_read_from_toml() {
        #[derive(Deserialize)]
        struct W {
            when: Condition,
        }
        let w: W = toml::from_str(
            r#"when = { all = [{ category = ["nursing"] }, { not = { flag = "historical" } }] }"#,
        )
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            w.when,
            Condition::All(vec![
                Condition::Category(vec![SpecialtyCategory::Nursing]),
                Condition::Not(Box::new(Condition::Flag(Flag::Historical))),
            ])
        );
        let w: W = toml::from_str(r#"when = "always""#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.when, Condition::Always);
        assert!(toml::from_str::<W>(r#"when = { colour = ["red"] }"#).is_err());
    }
}
