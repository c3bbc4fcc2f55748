//! Printed application forms: the server's form key, one row per printed revision (so an
//! older print can still be verified as authentic), and what the barcode of an uploaded
//! form scan said.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ServerSecret {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FormPrint {
    Table,
    RegistrationId,
    Revision,
    Digest,
    FirstPrintedAt,
}

#[derive(DeriveIden)]
enum Upload {
    Table,
    Barcode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerSecret::Table)
                    .col(string_len(ServerSecret::Name, 40).primary_key())
                    .col(string_len(ServerSecret::Value, 128))
                    .col(timestamp_with_time_zone(ServerSecret::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FormPrint::Table)
                    .col(uuid(FormPrint::RegistrationId))
                    .col(integer(FormPrint::Revision))
                    .col(string_len(FormPrint::Digest, 64))
                    .col(timestamp_with_time_zone(FormPrint::FirstPrintedAt))
                    .primary_key(
                        Index::create()
                            .col(FormPrint::RegistrationId)
                            .col(FormPrint::Revision),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Upload::Table)
                    .add_column(string_len_null(Upload::Barcode, 16))
                    .to_owned(),
            )
            .await
    }
}
