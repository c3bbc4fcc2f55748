//! Providers' daily bills as imported for reconciliation.

use examreg_domain::payment::{BillLine, ProviderKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{corrupt, fen};
use crate::StoreError;
use crate::entities::payment_bill;

/// A provider's bill of one day as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBill {
    pub lines: Vec<BillLine>,
    pub sha256: String,
    pub imported_at: OffsetDateTime,
}

fn bill_line_json(line: &BillLine) -> serde_json::Value {
    json!({
        "merchant_no": line.merchant_no,
        "transaction_id": line.transaction_id,
        "amount_fen": line.amount.0,
        "paid_at": line.paid_at.unix_timestamp(),
    })
}

fn bill_line_of(value: &serde_json::Value) -> Result<BillLine, StoreError> {
    let text = |name: &str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| corrupt("bill line", name))
    };
    let number = |name: &str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| corrupt("bill line", name))
    };
    Ok(BillLine {
        merchant_no: text("merchant_no")?,
        transaction_id: text("transaction_id")?,
        amount: fen(number("amount_fen")?, "bill amount")?,
        paid_at: OffsetDateTime::from_unix_timestamp(number("paid_at")?)
            .map_err(|e| corrupt("bill paid_at", e))?,
    })
}

/// Stores the bill of `day` (`YYYY-MM-DD`), replacing an earlier import of the same day.
pub async fn save_bill(
    db: &impl ConnectionTrait,
    provider: ProviderKind,
    day: &str,
    lines: &[BillLine],
    sha256: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    payment_bill::Entity::delete_many()
        .filter(payment_bill::Column::Provider.eq(provider.key()))
        .filter(payment_bill::Column::BillDate.eq(day))
        .exec(db)
        .await?;
    let row = payment_bill::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider: Set(provider.key().to_owned()),
        bill_date: Set(day.to_owned()),
        lines: Set(serde_json::Value::Array(
            lines.iter().map(bill_line_json).collect(),
        )),
        sha256: Set(sha256.to_owned()),
        imported_at: Set(now),
    };
    payment_bill::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn bill(
    db: &impl ConnectionTrait,
    provider: ProviderKind,
    day: &str,
) -> Result<Option<StoredBill>, StoreError> {
    let Some(row) = payment_bill::Entity::find()
        .filter(payment_bill::Column::Provider.eq(provider.key()))
        .filter(payment_bill::Column::BillDate.eq(day))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let lines = row
        .lines
        .as_array()
        .ok_or_else(|| corrupt("bill", "lines"))?
        .iter()
        .map(bill_line_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StoredBill {
        lines,
        sha256: row.sha256,
        imported_at: row.imported_at,
    }))
}
