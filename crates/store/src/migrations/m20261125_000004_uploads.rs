//! Uploaded files (photo and materials) and the registration's upload milestones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Upload {
    Table,
    Id,
    RegistrationId,
    Slot,
    Sha256,
    Size,
    Width,
    Height,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Registration {
    Table,
    PhotoConfirmedAt,
    MaterialsCompletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Upload::Table)
                    .col(pk_uuid(Upload::Id))
                    .col(uuid(Upload::RegistrationId))
                    .col(string_len(Upload::Slot, 8))
                    .col(string_len(Upload::Sha256, 64))
                    .col(big_integer(Upload::Size))
                    .col(integer(Upload::Width))
                    .col(integer(Upload::Height))
                    .col(string_len(Upload::StorageKey, 200))
                    .col(timestamp_with_time_zone(Upload::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("upload_registration_sha256_key")
                    .table(Upload::Table)
                    .col(Upload::RegistrationId)
                    .col(Upload::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("upload_registration_slot_idx")
                    .table(Upload::Table)
                    .col(Upload::RegistrationId)
                    .col(Upload::Slot)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            Registration::PhotoConfirmedAt,
            Registration::MaterialsCompletedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Registration::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
