//! The closed value lists that the registration and the exam definitions share.
//!
//! The serde names are the contract (`CONTRACT.md`): they appear in the JSON API and in
//! exam definition files. The Chinese labels are what candidates and staff read.

use serde::{Deserialize, Serialize};

/// A closed list of values, each with its Chinese label.
pub trait Vocabulary: Sized + Copy + 'static {
    /// Every value, in the order lists show them.
    const ALL: &'static [Self];
    /// The contract name (`snake_case`), as in JSON and TOML.
    fn key(self) -> &'static str;
    /// The zh-CN label.
    fn label(self) -> &'static str;

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.key() == key)
    }
}

/// 报考级别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 初级（士）: 药士, 技士.
    JuniorAssistant,
    /// 初级（师）: 药师, 技师, 护师.
    Junior,
    /// 中级: 主治医师, 主管护师, 主管药师, 主管技师, 主管医师.
    Intermediate,
}

impl Vocabulary for Level {
    const ALL: &'static [Self] = &[Self::JuniorAssistant, Self::Junior, Self::Intermediate];
    fn key(self) -> &'static str {
        match self {
            Self::JuniorAssistant => "junior_assistant",
            Self::Junior => "junior",
            Self::Intermediate => "intermediate",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::JuniorAssistant => "初级（士）",
            Self::Junior => "初级（师）",
            Self::Intermediate => "中级",
        }
    }
}

/// 报考科目: every specialty has these four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    BasicKnowledge,
    RelatedKnowledge,
    ProfessionalKnowledge,
    ProfessionalPractice,
}

impl Vocabulary for Subject {
    const ALL: &'static [Self] = &[
        Self::BasicKnowledge,
        Self::RelatedKnowledge,
        Self::ProfessionalKnowledge,
        Self::ProfessionalPractice,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::BasicKnowledge => "basic_knowledge",
            Self::RelatedKnowledge => "related_knowledge",
            Self::ProfessionalKnowledge => "professional_knowledge",
            Self::ProfessionalPractice => "professional_practice",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::BasicKnowledge => "基础知识",
            Self::RelatedKnowledge => "相关专业知识",
            Self::ProfessionalKnowledge => "专业知识",
            Self::ProfessionalPractice => "专业实践能力",
        }
    }
}

/// The family a specialty belongs to. Together with the level it names the title sought
/// (护理 + 中级 = 主管护师), which decides the licences and materials a candidate needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialtyCategory {
    /// 临床 (including 全科医学): 主治医师.
    Clinical,
    /// 口腔: 主治医师.
    Dental,
    /// 中医: 主治医师.
    Tcm,
    /// 公共卫生: 主管医师.
    PublicHealth,
    /// 护理: 护师, 主管护师.
    Nursing,
    /// 药学 and 中药学: 药士, 药师, 主管药师.
    Pharmacy,
    /// 医技: 技士, 技师, 主管技师.
    Technology,
}

impl Vocabulary for SpecialtyCategory {
    const ALL: &'static [Self] = &[
        Self::Clinical,
        Self::Dental,
        Self::Tcm,
        Self::PublicHealth,
        Self::Nursing,
        Self::Pharmacy,
        Self::Technology,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::Clinical => "clinical",
            Self::Dental => "dental",
            Self::Tcm => "tcm",
            Self::PublicHealth => "public_health",
            Self::Nursing => "nursing",
            Self::Pharmacy => "pharmacy",
            Self::Technology => "technology",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Clinical => "临床",
            Self::Dental => "口腔",
            Self::Tcm => "中医",
            Self::PublicHealth => "公共卫生",
            Self::Nursing => "护理",
            Self::Pharmacy => "药学",
            Self::Technology => "医技",
        }
    }
}

/// 执业类别: the category of the practice licence (医师执业证书 or 护士执业证书) a
/// candidate holds. Titles that need a licence need one of the specialty's own category:
/// a 临床 主治医师 needs a 临床 licence, a 主管护师 a nurse's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeCategory {
    /// 临床 (执业医师).
    Clinical,
    /// 口腔 (执业医师).
    Dental,
    /// 中医 (执业医师).
    Tcm,
    /// 公共卫生 (执业医师).
    PublicHealth,
    /// 护理 (护士执业证书).
    Nursing,
}

impl PracticeCategory {
    /// The specialty family this licence entitles to.
    pub fn entitles(self) -> SpecialtyCategory {
        match self {
            Self::Clinical => SpecialtyCategory::Clinical,
            Self::Dental => SpecialtyCategory::Dental,
            Self::Tcm => SpecialtyCategory::Tcm,
            Self::PublicHealth => SpecialtyCategory::PublicHealth,
            Self::Nursing => SpecialtyCategory::Nursing,
        }
    }
}

impl Vocabulary for PracticeCategory {
    const ALL: &'static [Self] = &[
        Self::Clinical,
        Self::Dental,
        Self::Tcm,
        Self::PublicHealth,
        Self::Nursing,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::Clinical => "clinical",
            Self::Dental => "dental",
            Self::Tcm => "tcm",
            Self::PublicHealth => "public_health",
            Self::Nursing => "nursing",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Clinical => "临床",
            Self::Dental => "口腔",
            Self::Tcm => "中医",
            Self::PublicHealth => "公共卫生",
            Self::Nursing => "护理",
        }
    }
}

/// 户籍 and residence status: decides the identity materials (slots 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residency {
    ShanghaiHukou,
    NonShanghai,
    HkMoTw,
    Foreign,
}

impl Vocabulary for Residency {
    const ALL: &'static [Self] = &[
        Self::ShanghaiHukou,
        Self::NonShanghai,
        Self::HkMoTw,
        Self::Foreign,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::ShanghaiHukou => "shanghai_hukou",
            Self::NonShanghai => "non_shanghai",
            Self::HkMoTw => "hk_mo_tw",
            Self::Foreign => "foreign",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::ShanghaiHukou => "本市户籍",
            Self::NonShanghai => "非本市户籍",
            Self::HkMoTw => "港澳台居民",
            Self::Foreign => "外籍人员",
        }
    }
}

/// 最高学历, ordered from lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    Secondary,
    JuniorCollege,
    Bachelor,
    Master,
    Doctor,
}

impl Vocabulary for Education {
    const ALL: &'static [Self] = &[
        Self::Secondary,
        Self::JuniorCollege,
        Self::Bachelor,
        Self::Master,
        Self::Doctor,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::Secondary => "secondary",
            Self::JuniorCollege => "junior_college",
            Self::Bachelor => "bachelor",
            Self::Master => "master",
            Self::Doctor => "doctor",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Secondary => "中专",
            Self::JuniorCollege => "大专",
            Self::Bachelor => "本科",
            Self::Master => "硕士研究生",
            Self::Doctor => "博士研究生",
        }
    }
}

/// 学位.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Degree {
    None,
    Bachelor,
    Master,
    Doctor,
}

impl Vocabulary for Degree {
    const ALL: &'static [Self] = &[Self::None, Self::Bachelor, Self::Master, Self::Doctor];
    fn key(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Bachelor => "bachelor",
            Self::Master => "master",
            Self::Doctor => "doctor",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::None => "无",
            Self::Bachelor => "学士",
            Self::Master => "硕士",
            Self::Doctor => "博士",
        }
    }
}

/// 单位性质.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmployerNature {
    /// 公立医疗卫生机构.
    Public,
    /// 民营医疗机构: must upload its 医疗机构许可证 (slot 9).
    Private,
    /// 其他 (e.g. a non-medical employer's clinic).
    Other,
}

impl Vocabulary for EmployerNature {
    const ALL: &'static [Self] = &[Self::Public, Self::Private, Self::Other];
    fn key(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Other => "other",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Public => "公立医疗卫生机构",
            Self::Private => "民营医疗机构",
            Self::Other => "其他",
        }
    }
}

/// 性别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Vocabulary for Gender {
    const ALL: &'static [Self] = &[Self::Male, Self::Female];
    fn key(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Male => "男",
            Self::Female => "女",
        }
    }
}

/// 证件类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    ResidentId,
    HkMoPermit,
    TwPermit,
    HkMoTwResidence,
    ForeignPermanent,
    Passport,
}

impl Vocabulary for IdType {
    const ALL: &'static [Self] = &[
        Self::ResidentId,
        Self::HkMoPermit,
        Self::TwPermit,
        Self::HkMoTwResidence,
        Self::ForeignPermanent,
        Self::Passport,
    ];
    fn key(self) -> &'static str {
        match self {
            Self::ResidentId => "resident_id",
            Self::HkMoPermit => "hk_mo_permit",
            Self::TwPermit => "tw_permit",
            Self::HkMoTwResidence => "hk_mo_tw_residence",
            Self::ForeignPermanent => "foreign_permanent",
            Self::Passport => "passport",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::ResidentId => "居民身份证",
            Self::HkMoPermit => "港澳居民来往内地通行证",
            Self::TwPermit => "台湾居民来往大陆通行证",
            Self::HkMoTwResidence => "港澳台居民居住证",
            Self::ForeignPermanent => "外国人永久居留身份证",
            Self::Passport => "护照",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_match_serde<V: Vocabulary + Serialize + std::fmt::Debug>() {
        for v in V::ALL {
            let json = serde_json_like(v);
            assert_eq!(json, v.key(), "{v:?}");
            assert_eq!(V::from_key(v.key()).map(|x| x.key()), Some(v.key()));
            assert!(!v.label().is_empty());
        }
    }

    /// The serde name of a unit variant, through the TOML serializer we already depend on.
    fn serde_json_like<V: Serialize>(v: &V) -> String {
        #[derive(Serialize)]
        struct Wrap<'a, V> {
            v: &'a V,
        }
        let text = toml::to_string(&Wrap { v }).unwrap_or_default();
        text.trim()
            .trim_start_matches("v = ")
            .trim_matches('"')
            .to_owned()
    }

    #[test]
    fn every_vocabulary_key_is_its_serde_name() {
        keys_match_serde::<Level>();
        keys_match_serde::<Subject>();
        keys_match_serde::<SpecialtyCategory>();
        keys_match_serde::<PracticeCategory>();
        keys_match_serde::<Residency>();
        keys_match_serde::<Education>();
        keys_match_serde::<Degree>();
        keys_match_serde::<EmployerNature>();
        keys_match_serde::<IdType>();
        keys_match_serde::<Gender>();
    }

    #[test]
    fn education_is_ordered_lowest_first() {
        assert!(Education::Secondary < Education::JuniorCollege);
        assert!(Education::Master < Education::Doctor);
    }
}
