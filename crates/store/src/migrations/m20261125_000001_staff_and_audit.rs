//! Staff accounts with their point scopes, and the append-only audit log.

use sea_orm::{DbBackend, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum StaffAccount {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    CreatedAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum StaffPointScope {
    Table,
    StaffId,
    PointCode,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    ActorKind,
    ActorId,
    Action,
    SubjectKind,
    SubjectId,
    Outcome,
    Ip,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffAccount::Table)
                    .col(pk_uuid(StaffAccount::Id))
                    .col(string_len(StaffAccount::Username, 32))
                    .col(text(StaffAccount::PasswordHash))
                    .col(string_len(StaffAccount::Role, 32))
                    .col(timestamp_with_time_zone(StaffAccount::CreatedAt))
                    .col(timestamp_with_time_zone_null(StaffAccount::DisabledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("staff_account_username_key")
                    .table(StaffAccount::Table)
                    .col(StaffAccount::Username)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffPointScope::Table)
                    .col(uuid(StaffPointScope::StaffId))
                    .col(string_len(StaffPointScope::PointCode, 16))
                    .primary_key(
                        Index::create()
                            .col(StaffPointScope::StaffId)
                            .col(StaffPointScope::PointCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("staff_point_scope_staff_fk")
                            .from(StaffPointScope::Table, StaffPointScope::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .col(string_len(AuditLog::ActorKind, 16))
                    .col(string_len_null(AuditLog::ActorId, 64))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len_null(AuditLog::SubjectKind, 32))
                    .col(string_len_null(AuditLog::SubjectId, 64))
                    .col(string_len(AuditLog::Outcome, 16))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(json(AuditLog::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_subject_idx")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectKind)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await?;

        // The audit log is append-only, also against a mistaken UPDATE in a later release.
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &[
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            ],
            DbBackend::Postgres => &[
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            ],
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        };
        for sql in statements {
            db.execute_raw(Statement::from_string(manager.get_database_backend(), *sql))
                .await?;
        }
        Ok(())
    }
}
