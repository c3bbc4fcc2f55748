//! Registrations. Every change is a compare-and-set on `revision`: a writer that read an
//! older revision changes nothing and learns it lost.

use examreg_domain::account::CandidateId;
use examreg_domain::registration::{
    Decision, FormBarcode, Registration, RegistrationNo, Sections, Status,
};
use examreg_domain::vocab::Vocabulary;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{candidate_account, registration, upload};

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("registration {what}: {err}"))
}

fn section<T: serde::de::DeserializeOwned>(
    value: Option<serde_json::Value>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    value
        .map(|v| serde_json::from_value(v).map_err(|e| corrupt(what, e)))
        .transpose()
}

fn from_row(
    row: registration::Model,
    last_decision: Option<Decision>,
) -> Result<Registration, StoreError> {
    Ok(Registration {
        id: row.id,
        no: RegistrationNo::parse(&row.registration_no).map_err(|e| corrupt("number", e))?,
        exam_id: row.exam_id,
        candidate_id: CandidateId(row.candidate_id),
        status: Status::from_key(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
        revision: row.revision,
        form_revision: row.form_revision,
        form_digest: row.form_digest,
        sections: Sections {
            basic: section(row.basic, "basic")?,
            exam: section(row.exam, "exam")?,
            education: section(row.education, "education")?,
            work: section(row.work, "work")?,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        photo_confirmed_at: row.photo_confirmed_at,
        materials_completed_at: row.materials_completed_at,
        last_decision,
    })
}

/// The registrations of `rows`, each with its latest decision (one more query in all).
async fn with_decisions(
    db: &impl ConnectionTrait,
    rows: Vec<registration::Model>,
) -> Result<Vec<Registration>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut latest = crate::decisions::latest(db, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let decision = latest.remove(&row.id);
            from_row(row, decision)
        })
        .collect()
}

async fn one_with_decision(
    db: &impl ConnectionTrait,
    row: Option<registration::Model>,
) -> Result<Option<Registration>, StoreError> {
    Ok(with_decisions(db, row.into_iter().collect())
        .await?
        .into_iter()
        .next())
}

/// Why a new registration was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCreated {
    /// The candidate already has one for this exam.
    AlreadyRegistered,
    /// The number was taken (pick another and try again).
    NumberTaken,
}

pub async fn create(
    db: &impl ConnectionTrait,
    no: &RegistrationNo,
    exam_id: &str,
    candidate: CandidateId,
    now: OffsetDateTime,
) -> Result<Result<Uuid, NotCreated>, StoreError> {
    if find_for_candidate(db, candidate, exam_id).await?.is_some() {
        return Ok(Err(NotCreated::AlreadyRegistered));
    }
    if find_by_no(db, no).await?.is_some() {
        return Ok(Err(NotCreated::NumberTaken));
    }
    let id = Uuid::new_v4();
    let row = registration::ActiveModel {
        id: Set(id),
        registration_no: Set(no.as_str().to_owned()),
        exam_id: Set(exam_id.to_owned()),
        candidate_id: Set(candidate.0),
        status: Set(Status::Draft.key().to_owned()),
        revision: Set(1),
        form_revision: Set(0),
        form_digest: Set(String::new()),
        basic: Set(None),
        exam: Set(None),
        education: Set(None),
        work: Set(None),
        point_code: Set(None),
        level: Set(None),
        specialty_code: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        photo_confirmed_at: Set(None),
        materials_completed_at: Set(None),
        return_reasons: Set(None),
    };
    match registration::Entity::insert(row)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(Ok(id)),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict(detail) if detail.contains("registration_no") => {
                Ok(Err(NotCreated::NumberTaken))
            }
            StoreError::Conflict(_) => Ok(Err(NotCreated::AlreadyRegistered)),
            other => Err(other),
        },
    }
}

pub async fn find_by_no(
    db: &impl ConnectionTrait,
    no: &RegistrationNo,
) -> Result<Option<Registration>, StoreError> {
    let row = registration::Entity::find()
        .filter(registration::Column::RegistrationNo.eq(no.as_str()))
        .one(db)
        .await?;
    one_with_decision(db, row).await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Registration>, StoreError> {
    let row = registration::Entity::find_by_id(id).one(db).await?;
    one_with_decision(db, row).await
}

pub async fn find_for_candidate(
    db: &impl ConnectionTrait,
    candidate: CandidateId,
    exam_id: &str,
) -> Result<Option<Registration>, StoreError> {
    let row = registration::Entity::find()
        .filter(registration::Column::CandidateId.eq(candidate.0))
        .filter(registration::Column::ExamId.eq(exam_id))
        .one(db)
        .await?;
    one_with_decision(db, row).await
}

pub async fn list_for_candidate(
    db: &impl ConnectionTrait,
    candidate: CandidateId,
) -> Result<Vec<Registration>, StoreError> {
    let rows = registration::Entity::find()
        .filter(registration::Column::CandidateId.eq(candidate.0))
        .order_by_desc(registration::Column::CreatedAt)
        .all(db)
        .await?;
    with_decisions(db, rows).await
}

/// Writes the sections, moving `revision` on by one; `false` when the registration is no
/// longer at `expected_revision` (someone else saved first) and nothing was written.
pub async fn save_sections(
    db: &impl ConnectionTrait,
    record: &Registration,
    expected_revision: i32,
    sections: &Sections,
    form_revision: i32,
    form_digest: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let json =
        |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| corrupt("section", e));
    let basic = sections
        .basic
        .as_ref()
        .map(serde_json::to_value)
        .map(json)
        .transpose()?;
    let exam = sections
        .exam
        .as_ref()
        .map(serde_json::to_value)
        .map(json)
        .transpose()?;
    let education = sections
        .education
        .as_ref()
        .map(serde_json::to_value)
        .map(json)
        .transpose()?;
    let work = sections
        .work
        .as_ref()
        .map(serde_json::to_value)
        .map(json)
        .transpose()?;
    let result = registration::Entity::update_many()
        .col_expr(registration::Column::Basic, Expr::value(basic))
        .col_expr(registration::Column::Exam, Expr::value(exam))
        .col_expr(registration::Column::Education, Expr::value(education))
        .col_expr(registration::Column::Work, Expr::value(work))
        .col_expr(
            registration::Column::PointCode,
            Expr::value(sections.exam.as_ref().map(|e| e.point.clone())),
        )
        .col_expr(
            registration::Column::Level,
            Expr::value(sections.exam.as_ref().map(|e| e.level.key().to_owned())),
        )
        .col_expr(
            registration::Column::SpecialtyCode,
            Expr::value(sections.exam.as_ref().map(|e| e.specialty_code.clone())),
        )
        .col_expr(
            registration::Column::FormRevision,
            Expr::value(form_revision),
        )
        .col_expr(
            registration::Column::FormDigest,
            Expr::value(form_digest.to_owned()),
        )
        .col_expr(
            registration::Column::Revision,
            Expr::value(expected_revision + 1),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(record.id))
        .filter(registration::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Serialises writers of one registration until the transaction ends (PostgreSQL row
/// lock; SQLite writers are serialised already).
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT id FROM registration WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Sets or clears the two upload milestones, moving `revision` on.
pub async fn set_milestones(
    db: &impl ConnectionTrait,
    id: Uuid,
    photo_confirmed_at: Option<OffsetDateTime>,
    materials_completed_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    registration::Entity::update_many()
        .col_expr(
            registration::Column::PhotoConfirmedAt,
            Expr::value(photo_confirmed_at),
        )
        .col_expr(
            registration::Column::MaterialsCompletedAt,
            Expr::value(materials_completed_at),
        )
        .col_expr(
            registration::Column::Revision,
            Expr::col(registration::Column::Revision).add(1),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves the registration from `from` to `to` (as the lifecycle decided), moving
/// `revision` on; `false` when it is no longer at (`from`, `expected_revision`): someone
/// got there first and nothing was written.
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: Status,
    to: Status,
    expected_revision: i32,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let result = registration::Entity::update_many()
        .col_expr(registration::Column::Status, Expr::value(to.key()))
        .col_expr(
            registration::Column::Revision,
            Expr::value(expected_revision + 1),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::Status.eq(from.key()))
        .filter(registration::Column::Revision.eq(expected_revision))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// How many registrations of `exam_id` are in `status`, in `points` (`None`: all).
pub async fn count_in_status(
    db: &impl ConnectionTrait,
    exam_id: &str,
    status: Status,
    points: Option<&[String]>,
) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    let mut query = registration::Entity::find()
        .filter(registration::Column::ExamId.eq(exam_id))
        .filter(registration::Column::Status.eq(status.key()));
    if let Some(points) = points {
        query = query.filter(registration::Column::PointCode.is_in(points.iter().cloned()));
    }
    Ok(query.count(db).await?)
}

/// What a staff queue asks for. `points: None` is the whole area.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    pub exam_id: Option<String>,
    pub points: Option<Vec<String>>,
    pub point: Option<String>,
    /// A 网报号 or its beginning.
    pub number_prefix: Option<String>,
    /// The candidate's name as on the account, exactly.
    pub name: Option<String>,
    pub level: Option<String>,
    pub specialty_code: Option<String>,
    /// Last changed (submitted, returned, decided) at or after this instant.
    pub updated_from: Option<OffsetDateTime>,
    /// Last changed before this instant.
    pub updated_before: Option<OffsetDateTime>,
    /// Only registrations whose uploaded form has no readable barcode.
    pub unreadable_form: bool,
    pub page: u64,
    pub per_page: u64,
}

pub async fn queue(
    db: &impl ConnectionTrait,
    filter: &QueueFilter,
) -> Result<Vec<Registration>, StoreError> {
    use sea_orm::QuerySelect;
    let mut query = registration::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(registration::Column::Status.eq(status.key()));
    }
    if let Some(exam_id) = &filter.exam_id {
        query = query.filter(registration::Column::ExamId.eq(exam_id.clone()));
    }
    if let Some(points) = &filter.points {
        query = query.filter(registration::Column::PointCode.is_in(points.clone()));
    }
    if let Some(point) = &filter.point {
        query = query.filter(registration::Column::PointCode.eq(point.clone()));
    }
    if let Some(prefix) = &filter.number_prefix {
        query = query.filter(registration::Column::RegistrationNo.starts_with(prefix.clone()));
    }
    if let Some(name) = &filter.name {
        query = query.filter(
            registration::Column::CandidateId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(candidate_account::Column::Id)
                    .from(candidate_account::Entity)
                    .and_where(candidate_account::Column::Name.eq(name.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(level) = &filter.level {
        query = query.filter(registration::Column::Level.eq(level.clone()));
    }
    if let Some(code) = &filter.specialty_code {
        query = query.filter(registration::Column::SpecialtyCode.eq(code.clone()));
    }
    if let Some(from) = filter.updated_from {
        query = query.filter(registration::Column::UpdatedAt.gte(from));
    }
    if let Some(before) = filter.updated_before {
        query = query.filter(registration::Column::UpdatedAt.lt(before));
    }
    if filter.unreadable_form {
        query = query.filter(
            registration::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(upload::Column::RegistrationId)
                    .from(upload::Entity)
                    .and_where(upload::Column::Slot.eq(examreg_domain::exam::SlotId::FORM))
                    .and_where(upload::Column::Barcode.eq(FormBarcode::Unreadable.key()))
                    .to_owned(),
            ),
        );
    }
    let rows = query
        .order_by_asc(registration::Column::UpdatedAt)
        .order_by_asc(registration::Column::Id)
        .offset(filter.page * filter.per_page)
        .limit(filter.per_page)
        .all(db)
        .await?;
    with_decisions(db, rows).await
}
