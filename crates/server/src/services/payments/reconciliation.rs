//! 对账: imports a provider's bill of one day (by the daily job, or an administrator's
//! 导入对账单) and lists every difference with our orders; exports the list as CSV and
//! xlsx for finance.

use examreg_domain::account::Actor;
use examreg_domain::money::Fen;
use examreg_domain::payment::{Mismatch, reconcile};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, payments};
use serde_json::json;
use time::{Date, OffsetDateTime};

use super::PaymentError;
use crate::payments::{PaymentProvider, china_day_bounds};
use crate::state::AppState;

/// One day's reconciliation.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    pub day: Date,
    pub imported_at: OffsetDateTime,
    /// Successful payments in the bill, and their sum.
    pub bill_count: usize,
    pub bill_total: Fen,
    /// Our orders paid that day, and their sum.
    pub ours_count: usize,
    pub ours_total: Fen,
    pub mismatches: Vec<Mismatch>,
}

pub fn day_key(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Imports the bill of `day` from the provider (again, if it was imported before) and
/// reconciles it.
pub async fn import(
    app: &AppState,
    day: Date,
    actor: Actor,
) -> Result<Reconciliation, PaymentError> {
    let (lines, sha256) = app.payments.bill(day).await?;
    let now = app.clock.now();
    let provider = app.payments.kind();
    let key = day_key(day);
    let count = lines.len();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                payments::save_bill(txn, provider, &key, &lines, &sha256, now).await?;
                audit::record(
                    txn,
                    AuditEntry {
                        at: now,
                        actor: &actor,
                        action: AuditAction::PAYMENT_BILL_IMPORTED,
                        subject: None,
                        outcome: Outcome::Success,
                        ip: None,
                        details: json!({ "provider": provider.key(), "day": key, "lines": count, "sha256": sha256 }),
                    },
                )
                .await
            })
        })
        .await?;
    Ok(view(app, day)
        .await?
        .ok_or_else(|| StoreError::Corrupt("an imported bill vanished".into()))?)
}

/// The reconciliation of `day`, if its bill was imported.
pub async fn view(app: &AppState, day: Date) -> Result<Option<Reconciliation>, StoreError> {
    let db = app.store.conn();
    let Some(bill) = payments::bill(db, app.payments.kind(), &day_key(day)).await? else {
        return Ok(None);
    };
    let (from, to) = china_day_bounds(day);
    let mut orders = payments::paid_between(db, from, to).await?;
    let named: Vec<String> = bill
        .lines
        .iter()
        .map(|l| l.merchant_no.clone())
        .filter(|no| !orders.iter().any(|o| o.merchant_no.as_str() == no))
        .collect();
    orders.extend(payments::find_many(db, &named).await?);
    let paid_today: Vec<_> = orders
        .iter()
        .filter_map(|o| {
            o.paid
                .as_ref()
                .filter(|p| p.paid_at >= from && p.paid_at < to)
        })
        .collect();
    Ok(Some(Reconciliation {
        day,
        imported_at: bill.imported_at,
        bill_count: bill.lines.len(),
        bill_total: Fen(bill.lines.iter().map(|l| l.amount.0).sum()),
        ours_count: paid_today.len(),
        ours_total: Fen(paid_today.iter().map(|p| p.amount.0).sum()),
        mismatches: reconcile(day, &bill.lines, &orders),
    }))
}

const COLUMNS: [&str; 4] = ["问题", "订单号", "说明", "代码"];

fn rows(reconciliation: &Reconciliation) -> Vec<[String; 4]> {
    reconciliation
        .mismatches
        .iter()
        .map(|m| {
            [
                m.label().to_owned(),
                m.orders().join(" "),
                m.detail(),
                m.key().to_owned(),
            ]
        })
        .collect()
}

/// The differences as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs
/// read the Chinese).
pub fn csv(reconciliation: &Reconciliation) -> String {
    let field = |text: &str| {
        // A cell starting with = + - @ would be a formula to a spreadsheet.
        let text = if text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        format!("\"{}\"", text.replace('"', "\"\""))
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.map(field).join(","));
    out.push_str("\r\n");
    for row in rows(reconciliation) {
        out.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The differences as an xlsx workbook.
pub fn xlsx(reconciliation: &Reconciliation) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("对账 {}", day_key(reconciliation.day)))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in (0u16..).zip(COLUMNS) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (row, cells) in (1u32..).zip(rows(reconciliation)) {
        for (col, cell) in (0u16..).zip(cells) {
            sheet.write_string(row, col, cell)?;
        }
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 70)?;
    sheet.set_column_width(2, 36)?;
    workbook.save_to_buffer()
}
