//! `GET /api/v1/exams` and `GET /api/v1/exams/{id}`: exams as candidates see them.

use axum::Json;
use axum::extract::{Path, State};
use examreg_domain::exam::{ExamDefinition, ImageLimits, Provenance};
use examreg_domain::vocab::{PracticeCategory, Vocabulary};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use crate::format::rfc3339;
use crate::state::AppState;
use crate::web::error::AppError;

/// An exam with its calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExamSummary {
    #[schema(example = "2025-shanghai")]
    pub id: String,
    #[schema(example = "2025年度卫生专业技术资格考试")]
    pub title: String,
    pub year: i32,
    #[schema(example = "上海考区")]
    pub area: String,
    /// A demo exam (演示): not a real registration.
    pub demo: bool,
    pub registration_open: bool,
    pub calendar: CalendarDto,
}

/// Instants in RFC 3339 with the +08:00 offset. Windows are half-open: an action at
/// exactly the closing instant is refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDto {
    #[schema(example = "2024-11-26T00:00:00+08:00")]
    pub registration_opens: String,
    pub registration_closes: String,
    /// Registration points may return registrations until then.
    #[schema(example = "2024-12-10T17:00:00+08:00")]
    pub returns_close: String,
    /// Returned registrations may be fixed and resubmitted until then; drafts and
    /// returned registrations are 视为自动放弃 from then on.
    #[schema(example = "2024-12-11T17:00:00+08:00")]
    pub resubmit_deadline: String,
    /// Points confirm until then; a submitted registration they left goes to the exam
    /// area.
    #[schema(example = "2024-12-11T17:00:00+08:00")]
    pub confirmation_closes: String,
    pub qualification_review_opens: String,
    pub qualification_review_closes: String,
    pub qualification_results_published: String,
    pub payment_opens: String,
    pub payment_closes: String,
    /// Education and years of service count up to this date.
    #[schema(example = "2024-12-31")]
    pub eligibility_cutoff: String,
}

/// An exam with everything a candidate needs to fill a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExamDetail {
    #[serde(flatten)]
    pub summary: ExamSummary,
    pub levels: Vec<Named>,
    pub specialties: Vec<SpecialtyDto>,
    pub points: Vec<PointDto>,
    pub subjects: Vec<Named>,
    pub fees: FeesDto,
    pub upload_limits: UploadLimitsDto,
    pub slots: Vec<SlotDto>,
    /// The coded reasons a registration may be returned or rejected with.
    pub return_reasons: Vec<ReasonCodeDto>,
    /// 执业类别 values (`practice_category` of the exam section).
    pub practice_categories: Vec<Named>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonCodeDto {
    #[schema(example = "material_unclear")]
    pub code: String,
    #[schema(example = "材料不清晰")]
    pub text: String,
}

/// A value of a closed list with its Chinese name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Named {
    #[schema(example = "intermediate")]
    pub id: &'static str,
    #[schema(example = "中级")]
    pub name: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpecialtyDto {
    #[schema(example = "368")]
    pub code: String,
    #[schema(example = "护理学")]
    pub name: String,
    #[schema(example = "intermediate")]
    pub level: &'static str,
    #[schema(example = "nursing")]
    pub category: &'static str,
    pub paper_based: bool,
    /// Not (yet) taken from the official catalog of the year.
    pub unconfirmed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointDto {
    #[schema(example = "310115")]
    pub code: String,
    #[schema(example = "浦东新区报名点")]
    pub name: String,
    pub district: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeesDto {
    /// Per subject, in fen (0.01 元).
    #[schema(example = 5000)]
    pub per_subject_fen: u32,
    #[schema(example = "CNY")]
    pub currency: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadLimitsDto {
    /// Accepted content types (decided by content, never by name).
    pub formats: Vec<&'static str>,
    pub materials: ImageLimitsDto,
    pub photo: ImageLimitsDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImageLimitsDto {
    pub min_bytes: u64,
    pub max_bytes: u64,
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height at most.
    pub max_pixels: u64,
}

/// A material slot of the exam's catalog. Which slots apply to a registration, and why,
/// is answered per registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    #[schema(example = "4-3a")]
    pub id: String,
    pub title: String,
    pub max_files: u8,
    pub page_hint: Option<u8>,
    /// Why the slot applies, in Chinese.
    pub reason: String,
}

fn limits(l: &ImageLimits) -> ImageLimitsDto {
    ImageLimitsDto {
        min_bytes: l.min_bytes,
        max_bytes: l.max_bytes,
        min_width: l.min_width,
        min_height: l.min_height,
        max_width: l.max_width,
        max_height: l.max_height,
        max_pixels: l.max_pixels,
    }
}

fn named<V: Vocabulary>(v: V) -> Named {
    Named {
        id: v.key(),
        name: v.label(),
    }
}

fn summary(exam: &ExamDefinition, now: time::OffsetDateTime) -> ExamSummary {
    let c = &exam.calendar;
    ExamSummary {
        id: exam.id.to_string(),
        title: exam.title.clone(),
        year: exam.year,
        area: exam.area.name.clone(),
        demo: exam.demo,
        registration_open: c.registration.contains(now),
        calendar: CalendarDto {
            registration_opens: rfc3339(c.registration.opens),
            registration_closes: rfc3339(c.registration.closes),
            returns_close: rfc3339(c.returns_close),
            resubmit_deadline: rfc3339(c.resubmit_deadline),
            confirmation_closes: rfc3339(c.confirmation_closes),
            qualification_review_opens: rfc3339(c.qualification_review.opens),
            qualification_review_closes: rfc3339(c.qualification_review.closes),
            qualification_results_published: rfc3339(c.qualification_results_published),
            payment_opens: rfc3339(c.payment.opens),
            payment_closes: rfc3339(c.payment.closes),
            eligibility_cutoff: c.eligibility_cutoff.to_string(),
        },
    }
}

/// Exams whose registration window is open now.
#[utoipa::path(get, path = "/exams", tag = "exams",
    responses((status = 200, description = "Open exams, demo first", body = Vec<ExamSummary>)))]
pub async fn list_open(State(app): State<AppState>) -> Json<Vec<ExamSummary>> {
    let now = app.clock.now();
    Json(
        app.exams
            .open_at(now)
            .into_iter()
            .map(|e| summary(e, now))
            .collect(),
    )
}

/// One exam as candidates see it, open or not.
#[utoipa::path(get, path = "/exams/{id}", tag = "exams",
    params(("id" = String, Path, description = "Exam id, e.g. 2025-shanghai")),
    responses(
        (status = 200, body = ExamDetail),
        (status = 404, description = "No such exam", body = ApiErrorEnvelope),
    ))]
pub async fn get_exam(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ExamDetail>, AppError> {
    let exam = app.exams.get(&id).ok_or(AppError::NotFound)?;
    let now = app.clock.now();
    Ok(Json(ExamDetail {
        summary: summary(exam, now),
        levels: exam.levels.iter().copied().map(named).collect(),
        specialties: exam
            .specialties
            .iter()
            .map(|s| SpecialtyDto {
                code: s.code.clone(),
                name: s.name.clone(),
                level: s.level.key(),
                category: s.category.key(),
                paper_based: s.paper_based,
                unconfirmed: s.provenance == Provenance::Unconfirmed,
            })
            .collect(),
        points: exam
            .points
            .iter()
            .map(|p| PointDto {
                code: p.code.clone(),
                name: p.name.clone(),
                district: p.district.clone(),
            })
            .collect(),
        subjects: exam.subjects.iter().copied().map(named).collect(),
        fees: FeesDto {
            per_subject_fen: exam.fees.per_subject.0,
            currency: "CNY",
        },
        upload_limits: UploadLimitsDto {
            formats: vec!["image/jpeg"],
            materials: limits(&exam.uploads.materials),
            photo: limits(&exam.uploads.photo),
        },
        slots: exam
            .slots
            .iter()
            .map(|s| SlotDto {
                id: s.id.to_string(),
                title: s.title.clone(),
                max_files: s.max_files,
                page_hint: s.page_hint,
                reason: s.reason.clone(),
            })
            .collect(),
        return_reasons: exam
            .return_reasons
            .iter()
            .map(|r| ReasonCodeDto {
                code: r.code.clone(),
                text: r.text.clone(),
            })
            .collect(),
        practice_categories: PracticeCategory::ALL.iter().copied().map(named).collect(),
    }))
}
