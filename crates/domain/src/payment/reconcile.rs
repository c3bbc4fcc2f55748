//! 对账: a provider's bill of one day against our orders. Every difference is named: money
//! the provider took for an order we think unpaid, amounts that differ, a registration
//! paid twice, an order we never made, an order we think paid that the bill does not show.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};

use super::{Order, OrderStatus};
use crate::clock::CHINA_STANDARD_TIME;
use crate::money::Fen;

/// One successful payment of a provider's bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillLine {
    /// 商户订单号 as the bill has it (it may name no order of ours).
    pub merchant_no: String,
    pub transaction_id: String,
    pub amount: Fen,
    pub paid_at: OffsetDateTime,
}

/// A difference between the bill and our orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The provider took the money; our order is not paid.
    PaidThereUnpaidHere { merchant_no: String, amount: Fen },
    /// Both say paid, for different amounts.
    AmountsDiffer {
        merchant_no: String,
        ours: Fen,
        theirs: Fen,
    },
    /// One registration paid by more than one order that day.
    PaidTwice { merchant_nos: Vec<String> },
    /// The bill names an order we never made.
    UnknownOrder { merchant_no: String, amount: Fen },
    /// We think it paid that day; the bill does not show it.
    PaidHereNotThere { merchant_no: String, amount: Fen },
}

impl Mismatch {
    pub fn key(&self) -> &'static str {
        match self {
            Mismatch::PaidThereUnpaidHere { .. } => "paid_there_unpaid_here",
            Mismatch::AmountsDiffer { .. } => "amounts_differ",
            Mismatch::PaidTwice { .. } => "paid_twice",
            Mismatch::UnknownOrder { .. } => "unknown_order",
            Mismatch::PaidHereNotThere { .. } => "paid_here_not_there",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Mismatch::PaidThereUnpaidHere { .. } => "支付平台已收款，本系统未缴费",
            Mismatch::AmountsDiffer { .. } => "金额不一致",
            Mismatch::PaidTwice { .. } => "同一报名重复缴费",
            Mismatch::UnknownOrder { .. } => "本系统没有该订单",
            Mismatch::PaidHereNotThere { .. } => "本系统已缴费，对账单无此交易",
        }
    }

    /// The order numbers it concerns.
    pub fn orders(&self) -> Vec<String> {
        match self {
            Mismatch::PaidThereUnpaidHere { merchant_no, .. }
            | Mismatch::AmountsDiffer { merchant_no, .. }
            | Mismatch::UnknownOrder { merchant_no, .. }
            | Mismatch::PaidHereNotThere { merchant_no, .. } => vec![merchant_no.clone()],
            Mismatch::PaidTwice { merchant_nos } => merchant_nos.clone(),
        }
    }

    /// What it is about, in figures.
    pub fn detail(&self) -> String {
        match self {
            Mismatch::PaidThereUnpaidHere { amount, .. }
            | Mismatch::UnknownOrder { amount, .. }
            | Mismatch::PaidHereNotThere { amount, .. } => amount.to_string(),
            Mismatch::AmountsDiffer { ours, theirs, .. } => {
                format!("本系统 {ours}，支付平台 {theirs}")
            }
            Mismatch::PaidTwice { merchant_nos } => format!("{} 笔", merchant_nos.len()),
        }
    }
}

fn china_day(at: OffsetDateTime) -> Date {
    at.to_offset(CHINA_STANDARD_TIME).date()
}

/// The differences between the bill of `day` and `orders` (ours: at least every order
/// paid that day and every order the bill names).
pub fn reconcile(day: Date, bill: &[BillLine], orders: &[Order]) -> Vec<Mismatch> {
    let by_no: BTreeMap<&str, &Order> =
        orders.iter().map(|o| (o.merchant_no.as_str(), o)).collect();
    let mut found = Vec::new();
    let mut paid_by_registration: BTreeMap<uuid::Uuid, Vec<String>> = BTreeMap::new();
    for line in bill {
        let Some(order) = by_no.get(line.merchant_no.as_str()) else {
            found.push(Mismatch::UnknownOrder {
                merchant_no: line.merchant_no.clone(),
                amount: line.amount,
            });
            continue;
        };
        paid_by_registration
            .entry(order.registration_id)
            .or_default()
            .push(line.merchant_no.clone());
        match &order.paid {
            None => found.push(Mismatch::PaidThereUnpaidHere {
                merchant_no: line.merchant_no.clone(),
                amount: line.amount,
            }),
            Some(paid) if paid.amount != line.amount => found.push(Mismatch::AmountsDiffer {
                merchant_no: line.merchant_no.clone(),
                ours: paid.amount,
                theirs: line.amount,
            }),
            Some(_) => {}
        }
    }
    for merchant_nos in paid_by_registration.into_values() {
        if merchant_nos.len() > 1 {
            found.push(Mismatch::PaidTwice { merchant_nos });
        }
    }
    for order in orders {
        let Some(paid) = &order.paid else { continue };
        let paid_that_day = china_day(paid.paid_at) == day
            && matches!(order.status, OrderStatus::Paid | OrderStatus::Refunded);
        if paid_that_day
            && !bill
                .iter()
                .any(|l| l.merchant_no == order.merchant_no.as_str())
        {
            found.push(Mismatch::PaidHereNotThere {
                merchant_no: order.merchant_no.to_string(),
                amount: paid.amount,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};
    use uuid::Uuid;

    use super::*;
    use crate::exam::FeeBreakdown;
    use crate::payment::{MerchantOrderNo, PaidWith, ProviderKind};

    const DAY: Date = date!(2025 - 02 - 10);
    const AT: OffsetDateTime = datetime!(2025-02-10 10:00 +8);

    fn order(n: u8, registration: u128, paid: Option<u32>) -> Order {
        Order {
            id: Uuid::from_u128(u128::from(n)),
            merchant_no: MerchantOrderNo::new(DAY, [n; 15]),
            registration_id: Uuid::from_u128(registration),
            provider: ProviderKind::Sandbox,
            fees: FeeBreakdown {
                lines: Vec::new(),
                total: Fen(20_000),
            },
            status: if paid.is_some() {
                OrderStatus::Paid
            } else {
                OrderStatus::Closed
            },
            created_at: AT,
            expires_at: AT,
            closed_at: None,
            paid: paid.map(|fen| PaidWith {
                transaction_id: format!("42{n}"),
                amount: Fen(fen),
                paid_at: AT,
            }),
            flag: None,
            revision: 1,
        }
    }

    fn line(order: &Order, amount: u32) -> BillLine {
        BillLine {
            merchant_no: order.merchant_no.to_string(),
            transaction_id: "42".into(),
            amount: Fen(amount),
            paid_at: AT,
        }
    }

    #[test]
    fn a_bill_that_matches_finds_nothing() {
        let a = order(1, 1, Some(20_000));
        assert_eq!(reconcile(DAY, &[line(&a, 20_000)], &[a]), []);
    }

    #[test]
    fn every_kind_of_difference_is_found() {
        let paid = order(1, 1, Some(20_000));
        let unpaid_here = order(2, 2, None);
        let differs = order(3, 3, Some(20_000));
        let twice_a = order(4, 4, Some(20_000));
        let twice_b = order(5, 4, Some(20_000));
        let missing = order(6, 6, Some(20_000));
        let bill = [
            line(&paid, 20_000),
            line(&unpaid_here, 20_000),
            line(&differs, 15_000),
            line(&twice_a, 20_000),
            line(&twice_b, 20_000),
            BillLine {
                merchant_no: "ER250210NOTOURSNOTOURSNOTOURS000".into(),
                transaction_id: "42x".into(),
                amount: Fen(5_000),
                paid_at: AT,
            },
        ];
        let orders = [
            paid,
            unpaid_here.clone(),
            differs.clone(),
            twice_a.clone(),
            twice_b.clone(),
            missing.clone(),
        ];
        let found = reconcile(DAY, &bill, &orders);
        let keys: Vec<&str> = found.iter().map(Mismatch::key).collect();
        assert_eq!(
            keys,
            [
                "paid_there_unpaid_here",
                "amounts_differ",
                "unknown_order",
                "paid_twice",
                "paid_here_not_there"
            ]
        );
        assert_eq!(found[0].orders(), [unpaid_here.merchant_no.to_string()]);
        assert_eq!(found[1].detail(), "本系统 200.00 元，支付平台 150.00 元");
        assert_eq!(
            found[3].orders(),
            [
                twice_a.merchant_no.to_string(),
                twice_b.merchant_no.to_string()
            ]
        );
        assert_eq!(found[4].orders(), [missing.merchant_no.to_string()]);
    }

    #[test]
    fn an_order_paid_another_day_is_not_missing_from_this_bill() {
        let mut other_day = order(1, 1, Some(20_000));
        if let Some(paid) = other_day.paid.as_mut() {
            paid.paid_at = datetime!(2025-02-11 00:00:01 +8);
        }
        assert_eq!(reconcile(DAY, &[], &[other_day]), []);
    }
}
