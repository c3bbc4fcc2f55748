//! The form revision a file was uploaded at: a signed application form counts only for
//! the revision that was current when it was uploaded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Upload {
    Table,
    FormRevision,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Upload::Table)
                    .add_column(integer_null(Upload::FormRevision))
                    .to_owned(),
            )
            .await
    }
}
