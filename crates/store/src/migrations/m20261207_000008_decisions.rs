//! Decisions as rows of their own, and 执业类别 as a closed list.
//!
//! - `decision`: one row per 报名确认 or 资格审核 decision (kind, the status it was taken
//!   on, coded reasons, who, the revision seen, the snapshot of what was decided on, when).
//!   The previous release kept all of it in the `details` of the decision's audit row; the
//!   rows are copied from there. `registration.return_reasons`, which held the latest
//!   decision's reasons, is no longer read (its values are the latest decision's) and is
//!   left for a later migration to drop.
//! - `registration.exam.practice_category` was free text; it becomes a key of the closed
//!   list (`clinical`, `dental`, `tcm`, `public_health`, `nursing`) or null. Text naming
//!   one of them by its Chinese label is mapped; anything else becomes null (the
//!   candidate is asked again by the eligibility pre-check).

use sea_orm::{ConnectionTrait, Value as DbValue};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use serde_json::Value;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Decision {
    Table,
    Id,
    RegistrationId,
    Kind,
    FromStatus,
    Reasons,
    StaffId,
    Revision,
    Snapshot,
    DecidedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    ActorId,
    Action,
    SubjectKind,
    SubjectId,
    Details,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    Id,
    Exam,
}

/// The audit actions of the previous release that were decisions, with their kind.
const DECISION_ACTIONS: [(&str, &str); 4] = [
    ("review.confirmed", "confirm"),
    ("review.returned", "return"),
    ("review.qualified", "qualify"),
    ("review.disqualified", "disqualify"),
];

/// The free-text 执业类别 values that name an entry of the closed list.
fn practice_category_key(text: &str) -> Option<&'static str> {
    let text = text.trim();
    let known: [(&str, &[&str]); 5] = [
        ("clinical", &["clinical", "临床", "临床类别", "临床医学"]),
        ("dental", &["dental", "口腔", "口腔类别", "口腔医学"]),
        ("tcm", &["tcm", "中医", "中医类别", "中医学"]),
        (
            "public_health",
            &["public_health", "公共卫生", "公共卫生类别"],
        ),
        ("nursing", &["nursing", "护理", "护士", "护士执业"]),
    ];
    known
        .iter()
        .find(|(_, names)| names.contains(&text))
        .map(|(key, _)| *key)
}

fn uuid_of(text: Option<String>) -> Option<uuid::Uuid> {
    text.and_then(|t| uuid::Uuid::parse_str(&t).ok())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Decision::Table)
                    .col(pk_uuid(Decision::Id))
                    .col(uuid(Decision::RegistrationId))
                    .col(string_len(Decision::Kind, 16))
                    .col(string_len(Decision::FromStatus, 16))
                    .col(json(Decision::Reasons))
                    .col(uuid(Decision::StaffId))
                    .col(integer(Decision::Revision))
                    .col(json_null(Decision::Snapshot))
                    .col(timestamp_with_time_zone(Decision::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("decision_registration_revision_idx")
                    .table(Decision::Table)
                    .col(Decision::RegistrationId)
                    .col(Decision::Revision)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        copy_decisions_from_audit(db).await?;
        close_practice_categories(db).await
    }
}

async fn copy_decisions_from_audit(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = db
        .query_all(
            &Query::select()
                .columns([
                    AuditLog::Id,
                    AuditLog::OccurredAt,
                    AuditLog::ActorId,
                    AuditLog::Action,
                    AuditLog::SubjectId,
                    AuditLog::Details,
                ])
                .from(AuditLog::Table)
                .and_where(Expr::col(AuditLog::SubjectKind).eq("registration"))
                .and_where(
                    Expr::col(AuditLog::Action).is_in(DECISION_ACTIONS.map(|(action, _)| action)),
                )
                .order_by(AuditLog::Id, Order::Asc)
                .to_owned(),
        )
        .await?;
    for row in rows {
        let action: String = row.try_get("", "action")?;
        let Some((_, kind)) = DECISION_ACTIONS.iter().find(|(a, _)| *a == action) else {
            continue;
        };
        let at: time::OffsetDateTime = row.try_get("", "occurred_at")?;
        let details: Value = row.try_get("", "details")?;
        let (Some(registration), Some(staff)) = (
            uuid_of(row.try_get("", "subject_id")?),
            uuid_of(row.try_get("", "actor_id")?),
        ) else {
            continue;
        };
        let from = details["from"].as_str().unwrap_or("submitted").to_owned();
        let revision = details["revision"]
            .as_i64()
            .and_then(|r| <i32 as TryFrom<i64>>::try_from(r).ok())
            .unwrap_or(0);
        let reasons = match &details["reasons"] {
            Value::Array(list) => Value::Array(list.clone()),
            _ => Value::Array(Vec::new()),
        };
        let snapshot = details.get("snapshot").cloned();
        let mut insert = Query::insert();
        insert
            .into_table(Decision::Table)
            .columns([
                Decision::Id,
                Decision::RegistrationId,
                Decision::Kind,
                Decision::FromStatus,
                Decision::Reasons,
                Decision::StaffId,
                Decision::Revision,
                Decision::Snapshot,
                Decision::DecidedAt,
            ])
            .values([
                Expr::value(uuid::Uuid::new_v4()),
                Expr::value(registration),
                Expr::value(*kind),
                Expr::value(from),
                Expr::value(DbValue::Json(Some(Box::new(reasons)))),
                Expr::value(staff),
                Expr::value(revision),
                Expr::value(DbValue::Json(snapshot.map(Box::new))),
                Expr::value(at),
            ])
            .map_err(|e| DbErr::Custom(format!("decision row: {e}")))?;
        db.execute(&insert).await?;
    }
    Ok(())
}

async fn close_practice_categories(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = db
        .query_all(
            &Query::select()
                .columns([Registration::Id, Registration::Exam])
                .from(Registration::Table)
                .and_where(Expr::col(Registration::Exam).is_not_null())
                .to_owned(),
        )
        .await?;
    for row in rows {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let mut exam: Value = row.try_get("", "exam")?;
        let Some(fields) = exam.as_object_mut() else {
            continue;
        };
        let key = match fields.get("practice_category") {
            Some(Value::String(text)) => practice_category_key(text),
            _ => None,
        };
        fields.insert(
            "practice_category".to_owned(),
            key.map_or(Value::Null, |k| Value::String(k.to_owned())),
        );
        db.execute(
            &Query::update()
                .table(Registration::Table)
                .value(Registration::Exam, DbValue::Json(Some(Box::new(exam))))
                .and_where(Expr::col(Registration::Id).eq(id))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::practice_category_key;

    #[test]
    fn free_text_categories_map_to_the_closed_list() {
        assert_eq!(practice_category_key("临床"), Some("clinical"));
        assert_eq!(practice_category_key(" 护理 "), Some("nursing"));
        assert_eq!(practice_category_key("nursing"), Some("nursing"));
        assert_eq!(practice_category_key("内科"), None);
        assert_eq!(practice_category_key(""), None);
    }
}
