//! One table of one-time codes for every purpose, and throttling counts that are not only
//! failures.
//!
//! - `one_time_code` replaces `password_reset`: a code belongs to a `subject` (an account,
//!   `candidate:<id>` or `staff:<id>`, for a password reset; a phone number,
//!   `sign_up:<phone>`, for the code that verifies the phone before an account exists).
//!   Live reset codes are copied over, so a code sent just before the upgrade still works.
//! - `auth_failure` becomes `throttle_event`: the same keyed events counted over a sliding
//!   window, now also the codes sent to a recipient and the codes asked for from an
//!   address.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum OneTimeCode {
    Table,
    Id,
    Subject,
    CodeHash,
    Channel,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Attempts,
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
enum AuthFailure {
    Table,
}

#[derive(DeriveIden)]
enum ThrottleEvent {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OneTimeCode::Table)
                    .col(pk_uuid(OneTimeCode::Id))
                    .col(string_len(OneTimeCode::Subject, 160))
                    .col(string_len(OneTimeCode::CodeHash, 64))
                    .col(string_len(OneTimeCode::Channel, 16))
                    .col(timestamp_with_time_zone(OneTimeCode::CreatedAt))
                    .col(timestamp_with_time_zone(OneTimeCode::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OneTimeCode::UsedAt))
                    .col(integer(OneTimeCode::Attempts).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("one_time_code_subject_idx")
                    .table(OneTimeCode::Table)
                    .col(OneTimeCode::Subject)
                    .col(OneTimeCode::CreatedAt)
                    .to_owned(),
            )
            .await?;
        copy_reset_codes(manager.get_connection()).await?;
        manager
            .drop_table(Table::drop().table(PasswordReset::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(AuthFailure::Table, ThrottleEvent::Table)
                    .to_owned(),
            )
            .await
    }
}

async fn copy_reset_codes(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = db
        .query_all(
            &Query::select()
                .columns([
                    PasswordReset::Id,
                    PasswordReset::AccountKind,
                    PasswordReset::AccountId,
                    PasswordReset::CodeHash,
                    PasswordReset::Channel,
                    PasswordReset::CreatedAt,
                    PasswordReset::ExpiresAt,
                    PasswordReset::UsedAt,
                    PasswordReset::Attempts,
                ])
                .from(PasswordReset::Table)
                .to_owned(),
        )
        .await?;
    for row in rows {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let kind: String = row.try_get("", "account_kind")?;
        let account: uuid::Uuid = row.try_get("", "account_id")?;
        let code_hash: String = row.try_get("", "code_hash")?;
        let channel: String = row.try_get("", "channel")?;
        let created_at: time::OffsetDateTime = row.try_get("", "created_at")?;
        let expires_at: time::OffsetDateTime = row.try_get("", "expires_at")?;
        let used_at: Option<time::OffsetDateTime> = row.try_get("", "used_at")?;
        let attempts: i32 = row.try_get("", "attempts")?;
        let mut insert = Query::insert();
        insert
            .into_table(OneTimeCode::Table)
            .columns([
                OneTimeCode::Id,
                OneTimeCode::Subject,
                OneTimeCode::CodeHash,
                OneTimeCode::Channel,
                OneTimeCode::CreatedAt,
                OneTimeCode::ExpiresAt,
                OneTimeCode::UsedAt,
                OneTimeCode::Attempts,
            ])
            .values([
                Expr::value(id),
                // The subject of an account, as `one_time_codes::Subject` writes it.
                Expr::value(format!("{kind}:{account}")),
                Expr::value(code_hash),
                Expr::value(channel),
                Expr::value(created_at),
                Expr::value(expires_at),
                Expr::value(used_at),
                Expr::value(attempts),
            ])
            .map_err(|e| DbErr::Custom(format!("one-time code row: {e}")))?;
        db.execute(&insert).await?;
    }
    Ok(())
}
