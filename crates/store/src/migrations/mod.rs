//! Schema migrations: one set for SQLite and PostgreSQL, built with backend-neutral
//! builders. Append-only: a merged migration is never edited; changes come as new files.

use sea_orm_migration::prelude::*;

mod m20261125_000001_staff_and_audit;
mod m20261125_000002_accounts_and_sessions;
mod m20261125_000003_registrations;
mod m20261125_000004_uploads;
mod m20261125_000005_form_revision_of_uploads;
mod m20261125_000006_return_reasons;
mod m20261125_000007_printed_forms;
mod m20261207_000008_decisions;
mod m20261207_000009_one_time_codes;
mod m20261208_000010_payments;

pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_staff_and_audit::Migration),
            Box::new(m20261125_000002_accounts_and_sessions::Migration),
            Box::new(m20261125_000003_registrations::Migration),
            Box::new(m20261125_000004_uploads::Migration),
            Box::new(m20261125_000005_form_revision_of_uploads::Migration),
            Box::new(m20261125_000006_return_reasons::Migration),
            Box::new(m20261125_000007_printed_forms::Migration),
            Box::new(m20261207_000008_decisions::Migration),
            Box::new(m20261207_000009_one_time_codes::Migration),
            Box::new(m20261208_000010_payments::Migration),
        ]
    }
}
