//! 缴费: payment orders, and the sandbox provider's own ledger.
//!
//! - `payment_order`: one row per order (商户订单号 unique), what it charges for, its
//!   state, the payment the provider reported and a flag for finance. At most one open
//!   order per registration, enforced by a partial unique index.
//! - `payment_refund`: refunds an admin asked for (商户退款单号 unique), with their state.
//! - `payment_bill`: a provider's daily bill as imported (its successful payments), one
//!   row per provider and day, replaced when the same day is imported again.
//! - `sandbox_trade`, `sandbox_refund`: what the built-in sandbox provider knows, kept
//!   apart from ours as a real provider's would be: its queries read them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum PaymentOrder {
    Table,
    Id,
    MerchantNo,
    RegistrationId,
    Provider,
    AmountFen,
    Fees,
    Status,
    CreatedAt,
    ExpiresAt,
    ClosedAt,
    TransactionId,
    PaidAmountFen,
    PaidAt,
    Flag,
    FlagDetails,
    Revision,
}

#[derive(DeriveIden)]
enum PaymentRefund {
    Table,
    Id,
    OrderId,
    RefundNo,
    AmountFen,
    Reason,
    Status,
    RequestedBy,
    RequestedAt,
    SettledAt,
    ProviderRefundId,
    Revision,
}

#[derive(DeriveIden)]
enum PaymentBill {
    Table,
    Id,
    Provider,
    BillDate,
    Lines,
    Sha256,
    ImportedAt,
}

#[derive(DeriveIden)]
enum SandboxRefund {
    Table,
    RefundNo,
    MerchantNo,
    AmountFen,
    State,
    RefundId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxTrade {
    Table,
    MerchantNo,
    AmountFen,
    Description,
    State,
    TransactionId,
    SuccessTime,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaymentOrder::Table)
                    .col(pk_uuid(PaymentOrder::Id))
                    .col(string_len_uniq(PaymentOrder::MerchantNo, 32))
                    .col(uuid(PaymentOrder::RegistrationId))
                    .col(string_len(PaymentOrder::Provider, 16))
                    .col(big_integer(PaymentOrder::AmountFen))
                    .col(json(PaymentOrder::Fees))
                    .col(string_len(PaymentOrder::Status, 16))
                    .col(timestamp_with_time_zone(PaymentOrder::CreatedAt))
                    .col(timestamp_with_time_zone(PaymentOrder::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PaymentOrder::ClosedAt))
                    .col(string_len_null(PaymentOrder::TransactionId, 64))
                    .col(big_integer_null(PaymentOrder::PaidAmountFen))
                    .col(timestamp_with_time_zone_null(PaymentOrder::PaidAt))
                    .col(string_len_null(PaymentOrder::Flag, 32))
                    .col(json_null(PaymentOrder::FlagDetails))
                    .col(integer(PaymentOrder::Revision).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payment_order_registration_idx")
                    .table(PaymentOrder::Table)
                    .col(PaymentOrder::RegistrationId)
                    .col(PaymentOrder::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The query job's scan: open orders by age.
        manager
            .create_index(
                Index::create()
                    .name("payment_order_status_idx")
                    .table(PaymentOrder::Table)
                    .col(PaymentOrder::Status)
                    .col(PaymentOrder::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // One open order per registration: the same statement on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX payment_order_one_open_idx \
                 ON payment_order (registration_id) WHERE status = 'open'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SandboxTrade::Table)
                    .col(string_len(SandboxTrade::MerchantNo, 32).primary_key())
                    .col(big_integer(SandboxTrade::AmountFen))
                    .col(string_len(SandboxTrade::Description, 128))
                    .col(string_len(SandboxTrade::State, 16))
                    .col(string_len_null(SandboxTrade::TransactionId, 64))
                    .col(timestamp_with_time_zone_null(SandboxTrade::SuccessTime))
                    .col(timestamp_with_time_zone(SandboxTrade::CreatedAt))
                    .col(timestamp_with_time_zone(SandboxTrade::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentRefund::Table)
                    .col(pk_uuid(PaymentRefund::Id))
                    .col(uuid(PaymentRefund::OrderId))
                    .col(string_len_uniq(PaymentRefund::RefundNo, 32))
                    .col(big_integer(PaymentRefund::AmountFen))
                    .col(string_len(PaymentRefund::Reason, 400))
                    .col(string_len(PaymentRefund::Status, 16))
                    .col(uuid(PaymentRefund::RequestedBy))
                    .col(timestamp_with_time_zone(PaymentRefund::RequestedAt))
                    .col(timestamp_with_time_zone_null(PaymentRefund::SettledAt))
                    .col(string_len_null(PaymentRefund::ProviderRefundId, 64))
                    .col(integer(PaymentRefund::Revision).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payment_refund_order_idx")
                    .table(PaymentRefund::Table)
                    .col(PaymentRefund::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payment_refund_status_idx")
                    .table(PaymentRefund::Table)
                    .col(PaymentRefund::Status)
                    .col(PaymentRefund::RequestedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentBill::Table)
                    .col(pk_uuid(PaymentBill::Id))
                    .col(string_len(PaymentBill::Provider, 16))
                    .col(string_len(PaymentBill::BillDate, 10))
                    .col(json(PaymentBill::Lines))
                    .col(string_len(PaymentBill::Sha256, 64))
                    .col(timestamp_with_time_zone(PaymentBill::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payment_bill_day_idx")
                    .table(PaymentBill::Table)
                    .col(PaymentBill::Provider)
                    .col(PaymentBill::BillDate)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SandboxRefund::Table)
                    .col(string_len(SandboxRefund::RefundNo, 32).primary_key())
                    .col(string_len(SandboxRefund::MerchantNo, 32))
                    .col(big_integer(SandboxRefund::AmountFen))
                    .col(string_len(SandboxRefund::State, 16))
                    .col(string_len(SandboxRefund::RefundId, 64))
                    .col(timestamp_with_time_zone(SandboxRefund::CreatedAt))
                    .to_owned(),
            )
            .await
    }
}
