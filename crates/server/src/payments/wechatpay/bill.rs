//! The trade bill (交易账单) WeChat Pay gives for a day, as text.

use examreg_domain::money::Fen;
use examreg_domain::payment::BillLine;

/// The successful payments of a WeChat Pay trade bill (交易账单): a header row, rows whose
/// fields each start with a backtick, then the summary (`总交易单数,…`).
pub fn parse_trade_bill(text: &str) -> Result<Vec<BillLine>, String> {
    let mut rows = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = rows
        .next()
        .ok_or("empty bill")?
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    let (at, transaction, order, state, amount) = (
        column("交易时间")?,
        column("微信订单号")?,
        column("商户订单号")?,
        column("交易状态")?,
        column("订单金额")?,
    );
    let mut lines = Vec::new();
    for row in rows {
        if row.starts_with("总交易单数") {
            break;
        }
        let fields: Vec<&str> = row
            .split(',')
            .map(|f| f.trim().trim_start_matches('`'))
            .collect();
        let get = |i: usize| {
            fields
                .get(i)
                .copied()
                .ok_or_else(|| format!("short row: {row}"))
        };
        if get(state)? != "SUCCESS" {
            continue;
        }
        let paid_at = time::PrimitiveDateTime::parse(
            get(at)?,
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        )
        .map_err(|e| format!("交易时间 {}: {e}", get(at).unwrap_or_default()))?
        .assume_offset(examreg_domain::clock::CHINA_STANDARD_TIME);
        lines.push(BillLine {
            merchant_no: get(order)?.to_owned(),
            transaction_id: get(transaction)?.to_owned(),
            amount: Fen::parse_yuan(get(amount)?).ok_or_else(|| format!("订单金额 in {row}"))?,
            paid_at,
        });
    }
    Ok(lines)
}
