//! Candidate accounts, sessions, sign-in failures, captchas, password resets, and the
//! notification outbox.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CandidateAccount {
    Table,
    Id,
    Username,
    PasswordHash,
    Name,
    IdType,
    IdNumber,
    Phone,
    Email,
    CreatedAt,
    PasswordChangedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    IdHash,
    AccountKind,
    AccountId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum AuthFailure {
    Table,
    Id,
    Key,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Captcha {
    Table,
    Id,
    AnswerHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PasswordReset {
    Table,
    Id,
    AccountKind,
    AccountId,
    CodeHash,
    Channel,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Attempts,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    Channel,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    NextAttemptAt,
    Attempts,
    SentAt,
    LastError,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CandidateAccount::Table)
                    .col(pk_uuid(CandidateAccount::Id))
                    .col(string_len(CandidateAccount::Username, 32))
                    .col(text(CandidateAccount::PasswordHash))
                    .col(string_len(CandidateAccount::Name, 200))
                    .col(string_len(CandidateAccount::IdType, 32))
                    .col(string_len(CandidateAccount::IdNumber, 32))
                    .col(string_len(CandidateAccount::Phone, 32))
                    .col(string_len_null(CandidateAccount::Email, 254))
                    .col(timestamp_with_time_zone(CandidateAccount::CreatedAt))
                    .col(timestamp_with_time_zone(
                        CandidateAccount::PasswordChangedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "candidate_account_username_key",
                vec![CandidateAccount::Username],
            ),
            (
                "candidate_account_identity_key",
                vec![CandidateAccount::IdType, CandidateAccount::IdNumber],
            ),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(CandidateAccount::Table)
                .unique()
                .to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(string_len(Session::IdHash, 64).primary_key())
                    .col(string_len(Session::AccountKind, 16))
                    .col(uuid(Session::AccountId))
                    .col(string_len(Session::CsrfToken, 64))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(string_len_null(Session::Ip, 64))
                    .col(string_len_null(Session::UserAgent, 256))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("session_account_idx")
                    .table(Session::Table)
                    .col(Session::AccountKind)
                    .col(Session::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthFailure::Table)
                    .col(big_pk_auto(AuthFailure::Id))
                    .col(string_len(AuthFailure::Key, 160))
                    .col(timestamp_with_time_zone(AuthFailure::OccurredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_failure_key_time_idx")
                    .table(AuthFailure::Table)
                    .col(AuthFailure::Key)
                    .col(AuthFailure::OccurredAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Captcha::Table)
                    .col(string_len(Captcha::Id, 64).primary_key())
                    .col(string_len(Captcha::AnswerHash, 64))
                    .col(timestamp_with_time_zone(Captcha::CreatedAt))
                    .col(timestamp_with_time_zone(Captcha::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Captcha::UsedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordReset::Table)
                    .col(pk_uuid(PasswordReset::Id))
                    .col(string_len(PasswordReset::AccountKind, 16))
                    .col(uuid(PasswordReset::AccountId))
                    .col(string_len(PasswordReset::CodeHash, 64))
                    .col(string_len(PasswordReset::Channel, 16))
                    .col(timestamp_with_time_zone(PasswordReset::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordReset::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordReset::UsedAt))
                    .col(integer(PasswordReset::Attempts).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("password_reset_account_idx")
                    .table(PasswordReset::Table)
                    .col(PasswordReset::AccountKind)
                    .col(PasswordReset::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(pk_uuid(Notification::Id))
                    .col(string_len(Notification::Channel, 16))
                    .col(string_len(Notification::Recipient, 254))
                    .col(string_len(Notification::Subject, 200))
                    .col(text(Notification::Body))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone(Notification::NextAttemptAt))
                    .col(integer(Notification::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Notification::SentAt))
                    .col(text_null(Notification::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_due_idx")
                    .table(Notification::Table)
                    .col(Notification::SentAt)
                    .col(Notification::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
