//! Registrations: one per candidate per exam, with their four sections as JSON documents
//! and the columns staff queues filter on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
#[expect(
    clippy::enum_variant_names,
    reason = "the column is registration_no, as in the contract"
)]
enum Registration {
    Table,
    Id,
    RegistrationNo,
    ExamId,
    CandidateId,
    Status,
    Revision,
    FormRevision,
    FormDigest,
    Basic,
    Exam,
    Education,
    Work,
    PointCode,
    Level,
    SpecialtyCode,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Registration::Table)
                    .col(pk_uuid(Registration::Id))
                    .col(string_len(Registration::RegistrationNo, 12))
                    .col(string_len(Registration::ExamId, 64))
                    .col(uuid(Registration::CandidateId))
                    .col(string_len(Registration::Status, 16))
                    .col(integer(Registration::Revision))
                    .col(integer(Registration::FormRevision))
                    .col(string_len(Registration::FormDigest, 64))
                    .col(json_null(Registration::Basic))
                    .col(json_null(Registration::Exam))
                    .col(json_null(Registration::Education))
                    .col(json_null(Registration::Work))
                    .col(string_len_null(Registration::PointCode, 16))
                    .col(string_len_null(Registration::Level, 32))
                    .col(string_len_null(Registration::SpecialtyCode, 8))
                    .col(timestamp_with_time_zone(Registration::CreatedAt))
                    .col(timestamp_with_time_zone(Registration::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "registration_no_key",
                vec![Registration::RegistrationNo],
                true,
            ),
            (
                "registration_candidate_exam_key",
                vec![Registration::CandidateId, Registration::ExamId],
                true,
            ),
            (
                "registration_queue_idx",
                vec![
                    Registration::ExamId,
                    Registration::Status,
                    Registration::PointCode,
                ],
                false,
            ),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(Registration::Table)
                .to_owned();
            if unique {
                index.unique();
            }
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
