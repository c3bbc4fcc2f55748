//! From the raw file shapes to a checked [`ExamDefinition`].

use std::collections::{BTreeMap, HashSet};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use toml::value::Datetime;

use super::raw::{RawCalendar, RawExamDefinition, RawImageLimits, RawSlot, RawSpecialty};
use super::{
    Calendar, DefinitionError, ExamArea, ExamDefinition, ExamId, Fees, ImageLimits, Provenance,
    RegistrationPoint, SlotDefinition, SlotId, Specialty, UploadLimits, Window,
};
use crate::clock::CHINA_STANDARD_TIME;
use crate::money::Fen;
use crate::vocab::{PracticeCategory, Vocabulary};

/// No uploaded image may be larger than this, whatever a definition says: it bounds the
/// memory one upload can take.
pub(crate) const HARD_MAX_UPLOAD_KB: u32 = 10 * 1024;
/// No image may claim more pixels per side than this.
pub(crate) const HARD_MAX_SIDE_PX: u32 = 12_000;
/// Returns close this long before the resubmit deadline unless a definition says when.
const DEFAULT_RETURN_LEAD_HOURS: i64 = 24;
/// The pixel cap of an image unless a definition sets one: about an A4 page at 600 dpi,
/// and about 40 MB of grey pixels to decode.
const DEFAULT_MAX_MEGAPIXELS: u32 = 25;
/// No definition may allow more: it bounds the memory one decode takes.
const HARD_MAX_MEGAPIXELS: u32 = 100;
/// A slot with more files than this is a typo.
const HARD_MAX_FILES_PER_SLOT: u8 = 20;
/// 10,000 元: four subjects of it still fit the `u32` of [`Fen`] many times over.
const MAX_FEE_PER_SUBJECT_FEN: u32 = 1_000_000;

struct Checker<'a> {
    source: &'a str,
}

impl Checker<'_> {
    fn err(&self, location: impl Into<String>, message: impl Into<String>) -> DefinitionError {
        DefinitionError::new(self.source, location, message)
    }

    fn text(
        &self,
        location: &str,
        value: String,
        max_chars: usize,
    ) -> Result<String, DefinitionError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(self.err(location, "不能为空"));
        }
        if trimmed.chars().count() > max_chars {
            return Err(self.err(location, format!("不能超过 {max_chars} 个字符")));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(self.err(location, "不能包含控制字符"));
        }
        Ok(trimmed.to_owned())
    }

    fn instant(&self, location: &str, value: &Datetime) -> Result<OffsetDateTime, DefinitionError> {
        let shape = "须为中国标准时间的本地日期时间，如 2024-12-11T17:00:00";
        let (Some(date), Some(time), None) = (value.date, value.time, value.offset) else {
            return Err(self.err(location, shape));
        };
        let month = Month::try_from(date.month).map_err(|_| self.err(location, shape))?;
        let date = Date::from_calendar_date(i32::from(date.year), month, date.day)
            .map_err(|_| self.err(location, format!("{value} 不是有效的日期")))?;
        let time = Time::from_hms(time.hour, time.minute, time.second)
            .map_err(|_| self.err(location, format!("{value} 不是有效的时间")))?;
        Ok(PrimitiveDateTime::new(date, time)
            .assume_offset(CHINA_STANDARD_TIME)
            .to_offset(UtcOffset::UTC))
    }

    fn date(&self, location: &str, value: &Datetime) -> Result<Date, DefinitionError> {
        let shape = "须为日期，如 2024-12-31";
        let (Some(date), None, None) = (value.date, value.time, value.offset) else {
            return Err(self.err(location, shape));
        };
        let month = Month::try_from(date.month).map_err(|_| self.err(location, shape))?;
        Date::from_calendar_date(i32::from(date.year), month, date.day)
            .map_err(|_| self.err(location, format!("{value} 不是有效的日期")))
    }

    fn window(
        &self,
        name: &str,
        opens: &Datetime,
        closes: &Datetime,
    ) -> Result<Window, DefinitionError> {
        let opens_at = self.instant(&format!("calendar.{name}_opens"), opens)?;
        let closes_at = self.instant(&format!("calendar.{name}_closes"), closes)?;
        if closes_at <= opens_at {
            return Err(self.err(
                format!("calendar.{name}_closes"),
                format!("须晚于 {name}_opens"),
            ));
        }
        Ok(Window {
            opens: opens_at,
            closes: closes_at,
        })
    }

    fn calendar(&self, raw: &RawCalendar, exam_year: i32) -> Result<Calendar, DefinitionError> {
        let registration = self.window(
            "registration",
            &raw.registration_opens,
            &raw.registration_closes,
        )?;
        let resubmit_deadline =
            self.instant("calendar.resubmit_deadline", &raw.resubmit_deadline)?;
        let returns_close = match &raw.returns_close {
            Some(value) => self.instant("calendar.returns_close", value)?,
            None => resubmit_deadline - time::Duration::hours(DEFAULT_RETURN_LEAD_HOURS),
        };
        let confirmation_closes = match &raw.confirmation_closes {
            Some(value) => self.instant("calendar.confirmation_closes", value)?,
            None => resubmit_deadline,
        };
        let qualification_review = self.window(
            "qualification_review",
            &raw.qualification_review_opens,
            &raw.qualification_review_closes,
        )?;
        let qualification_results_published = self.instant(
            "calendar.qualification_results_published",
            &raw.qualification_results_published,
        )?;
        let payment = self.window("payment", &raw.payment_opens, &raw.payment_closes)?;
        let eligibility_cutoff =
            self.date("calendar.eligibility_cutoff", &raw.eligibility_cutoff)?;

        if returns_close <= registration.opens {
            return Err(self.err(
                "calendar.returns_close",
                "须晚于 registration_opens（未写时默认为 resubmit_deadline 前 24 小时）",
            ));
        }
        let order = [
            (
                "calendar.resubmit_deadline",
                registration.closes,
                resubmit_deadline,
                "registration_closes",
            ),
            (
                "calendar.resubmit_deadline",
                returns_close,
                resubmit_deadline,
                "returns_close",
            ),
            (
                "calendar.confirmation_closes",
                resubmit_deadline,
                confirmation_closes,
                "resubmit_deadline",
            ),
            (
                "calendar.qualification_review_opens",
                confirmation_closes,
                qualification_review.opens,
                "confirmation_closes",
            ),
            (
                "calendar.qualification_results_published",
                qualification_review.closes,
                qualification_results_published,
                "qualification_review_closes",
            ),
            (
                "calendar.payment_opens",
                qualification_results_published,
                payment.opens,
                "qualification_results_published",
            ),
        ];
        for (location, earlier, later, earlier_name) in order {
            if later < earlier {
                return Err(self.err(location, format!("不能早于 {earlier_name}")));
            }
        }
        if eligibility_cutoff.year() >= exam_year {
            return Err(self.err(
                "calendar.eligibility_cutoff",
                format!("报考条件计算截止日期须在考试年度 {exam_year} 之前"),
            ));
        }
        Ok(Calendar {
            registration,
            returns_close,
            resubmit_deadline,
            confirmation_closes,
            qualification_review,
            qualification_results_published,
            payment,
            eligibility_cutoff,
        })
    }

    fn image_limits(
        &self,
        name: &str,
        raw: &RawImageLimits,
    ) -> Result<ImageLimits, DefinitionError> {
        let at = |field: &str| format!("uploads.{name}.{field}");
        if raw.min_kb == 0 {
            return Err(self.err(at("min_kb"), "须大于 0"));
        }
        if raw.max_kb < raw.min_kb {
            return Err(self.err(at("max_kb"), "不能小于 min_kb"));
        }
        if raw
            .max_megapixels
            .is_some_and(|mp| mp == 0 || mp > HARD_MAX_MEGAPIXELS)
        {
            return Err(self.err(
                at("max_megapixels"),
                format!("须在 1 到 {HARD_MAX_MEGAPIXELS} 之间"),
            ));
        }
        if raw.max_kb > HARD_MAX_UPLOAD_KB {
            return Err(self.err(at("max_kb"), format!("不能超过 {HARD_MAX_UPLOAD_KB}")));
        }
        for (field, min, max) in [
            ("width", raw.min_width, raw.max_width),
            ("height", raw.min_height, raw.max_height),
        ] {
            if min == 0 {
                return Err(self.err(at(&format!("min_{field}")), "须大于 0"));
            }
            if max < min {
                return Err(self.err(at(&format!("max_{field}")), format!("不能小于 min_{field}")));
            }
            if max > HARD_MAX_SIDE_PX {
                return Err(self.err(
                    at(&format!("max_{field}")),
                    format!("不能超过 {HARD_MAX_SIDE_PX}"),
                ));
            }
        }
        Ok(ImageLimits {
            min_bytes: u64::from(raw.min_kb) * 1024,
            max_bytes: u64::from(raw.max_kb) * 1024,
            min_width: raw.min_width,
            min_height: raw.min_height,
            max_width: raw.max_width,
            max_height: raw.max_height,
            max_pixels: u64::from(raw.max_megapixels.unwrap_or(DEFAULT_MAX_MEGAPIXELS)) * 1_000_000,
        })
    }

    fn specialty(
        &self,
        index: usize,
        raw: RawSpecialty,
        levels: &[crate::vocab::Level],
    ) -> Result<Specialty, DefinitionError> {
        let at = |field: &str| format!("specialties[{index}].{field}");
        let code_ok = raw.code.len() == 3 && raw.code.bytes().all(|b| b.is_ascii_digit());
        if !code_ok {
            return Err(self.err(at("code"), format!("专业代码 {:?} 须为 3 位数字", raw.code)));
        }
        if !levels.contains(&raw.level) {
            return Err(self.err(at("level"), "该级别不在本考试的 levels 中"));
        }
        Ok(Specialty {
            name: self.text(&at("name"), raw.name, 40)?,
            code: raw.code,
            level: raw.level,
            category: raw.category,
            paper_based: raw.paper_based,
            provenance: if raw.unconfirmed {
                Provenance::Unconfirmed
            } else {
                Provenance::Official
            },
        })
    }

    fn slot(&self, index: usize, raw: RawSlot) -> Result<SlotDefinition, DefinitionError> {
        let id = SlotId::parse(&raw.id).map_err(|m| self.err(format!("slots[{index}].id"), m))?;
        let at = |field: &str| format!("slots[{id}].{field}");
        if raw.max_files == 0 || raw.max_files > HARD_MAX_FILES_PER_SLOT {
            return Err(self.err(
                at("max_files"),
                format!("须在 1 到 {HARD_MAX_FILES_PER_SLOT} 之间"),
            ));
        }
        if raw.page_hint == Some(0) {
            return Err(self.err(at("page_hint"), "须大于 0"));
        }
        for (field, condition) in [
            ("shown_when", &raw.shown_when),
            ("required_when", &raw.required_when),
        ] {
            if let Some(list) = condition.first_empty_list() {
                return Err(self.err(at(field), format!("{list} 的列表不能为空")));
            }
        }
        Ok(SlotDefinition {
            title: self.text(&at("title"), raw.title, 120)?,
            reason: self.text(&at("reason"), raw.reason, 200)?,
            id,
            max_files: raw.max_files,
            page_hint: raw.page_hint,
            shown_when: raw.shown_when,
            required_when: raw.required_when,
        })
    }
}

/// Rejects duplicates in `items` by `key`, naming the first repeated one.
fn unique<T, K: std::hash::Hash + Eq + std::fmt::Debug>(
    checker: &Checker<'_>,
    list: &str,
    items: &[T],
    key: impl Fn(&T) -> K,
) -> Result<(), DefinitionError> {
    let mut seen = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let k = key(item);
        if !seen.insert(key(item)) {
            return Err(checker.err(format!("{list}[{index}]"), format!("{k:?} 重复")));
        }
    }
    Ok(())
}

pub(super) fn validate(
    source: &str,
    raw: RawExamDefinition,
) -> Result<ExamDefinition, DefinitionError> {
    let c = Checker { source };
    let id = ExamId::parse(&raw.exam.id).map_err(|m| c.err("exam.id", m))?;
    if !(2000..=2100).contains(&raw.exam.year) {
        return Err(c.err("exam.year", "须在 2000 到 2100 之间"));
    }
    let area = ExamArea {
        code: c.text("exam.area_code", raw.exam.area_code, 12)?,
        name: c.text("exam.area_name", raw.exam.area_name, 40)?,
    };
    let title = c.text("exam.title", raw.exam.title, 60)?;
    let calendar = c.calendar(&raw.calendar, raw.exam.year)?;

    if raw.points.is_empty() {
        return Err(c.err("points", "至少需要一个报名点"));
    }
    unique(&c, "points", &raw.points, |p| p.code.clone())?;
    let points = raw
        .points
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let code_ok = !p.code.is_empty()
                && p.code.len() <= 16
                && p.code.bytes().all(|b| b.is_ascii_alphanumeric());
            if !code_ok {
                return Err(c.err(format!("points[{i}].code"), "须为 1 到 16 位字母或数字"));
            }
            Ok(RegistrationPoint {
                name: c.text(&format!("points[{i}].name"), p.name, 40)?,
                district: c.text(&format!("points[{i}].district"), p.district, 20)?,
                code: p.code,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    if raw.levels.is_empty() {
        return Err(c.err("levels", "至少需要一个报考级别"));
    }
    unique(&c, "levels", &raw.levels, |l| *l)?;
    if raw.subjects.is_empty() {
        return Err(c.err("subjects", "至少需要一个科目"));
    }
    unique(&c, "subjects", &raw.subjects, |s| *s)?;

    if raw.specialties.is_empty() {
        return Err(c.err("specialties", "专业目录不能为空"));
    }
    unique(&c, "specialties", &raw.specialties, |s| s.code.clone())?;
    let specialties = raw
        .specialties
        .into_iter()
        .enumerate()
        .map(|(i, s)| c.specialty(i, s, &raw.levels))
        .collect::<Result<Vec<_>, _>>()?;

    // Bounded so that every sum of a breakdown fits: at most 10,000 元 a subject.
    let price = |location: String, fen: u32| {
        if fen == 0 || fen > MAX_FEE_PER_SUBJECT_FEN {
            Err(c.err(location, "须大于 0 且不超过 1000000（分）"))
        } else {
            Ok(Fen(fen))
        }
    };
    let per_subject = price("fees.per_subject_fen".to_owned(), raw.fees.per_subject_fen)?;
    let mut per_level = BTreeMap::new();
    for (level, fen) in &raw.fees.per_subject_fen_by_level {
        let location = format!("fees.per_subject_fen_by_level.{}", level.key());
        if !raw.levels.contains(level) {
            return Err(c.err(location, "本考试没有这个级别"));
        }
        per_level.insert(*level, price(location, *fen)?);
    }
    let uploads = UploadLimits {
        materials: c.image_limits("materials", &raw.uploads.materials)?,
        photo: c.image_limits("photo", &raw.uploads.photo)?,
    };

    unique(&c, "slots", &raw.slots, |s| s.id.clone())?;
    let slots = raw
        .slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| c.slot(i, s))
        .collect::<Result<Vec<_>, _>>()?;
    if !slots.iter().any(|s| s.id.as_str() == SlotId::FORM) {
        return Err(c.err("slots", "缺少申请表材料框 form"));
    }

    let mut seen = HashSet::new();
    for (i, rule) in raw.eligibility.rules.iter().enumerate() {
        let at = |field: &str| format!("eligibility.rules[{i}].{field}");
        if rule.families.is_empty() {
            return Err(c.err(at("families"), "至少需要一个专业类别"));
        }
        if !raw.levels.contains(&rule.level) {
            return Err(c.err(at("level"), "该级别不在本考试的 levels 中"));
        }
        if rule.min_years_since_licence.is_some() && !rule.requires_practice_licence {
            return Err(c.err(
                at("min_years_since_licence"),
                "只有 requires_practice_licence = true 的规则才能计算取得执业证书的年限",
            ));
        }
        if rule.requires_practice_licence
            && let Some(family) = rule
                .families
                .iter()
                .find(|f| !PracticeCategory::ALL.iter().any(|p| p.entitles() == **f))
        {
            return Err(c.err(
                at("requires_practice_licence"),
                format!("{family:?} 类别没有对应的执业类别，不能要求执业证书"),
            ));
        }
        for family in &rule.families {
            if !seen.insert((*family, rule.level, rule.education)) {
                return Err(c.err(
                    at("families"),
                    format!("{family:?} 在该级别和学历下已有规则"),
                ));
            }
        }
    }

    unique(&c, "return_reasons", &raw.return_reasons, |r| {
        r.code.clone()
    })?;
    let return_reasons = raw
        .return_reasons
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let code_ok = !r.code.is_empty()
                && r.code.len() <= 40
                && r.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
            if !code_ok {
                return Err(c.err(
                    format!("return_reasons[{i}].code"),
                    "须为小写字母、数字和下划线",
                ));
            }
            Ok(super::ReturnReason {
                text: c.text(&format!("return_reasons[{i}].text"), r.text, 60)?,
                code: r.code,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    Ok(ExamDefinition {
        id,
        year: raw.exam.year,
        area,
        title,
        demo: raw.exam.demo,
        calendar,
        points,
        levels: raw.levels,
        specialties,
        subjects: raw.subjects,
        fees: Fees {
            per_subject,
            per_level,
        },
        uploads,
        slots,
        eligibility: raw.eligibility,
        return_reasons,
    })
}
