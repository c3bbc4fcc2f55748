//! What a reported payment means: the order is paid and the registration is 缴费成功, or the
//! money is recorded and flagged for refund, or the report does not match and nothing
//! changes. One function, so the notification route, the query job and the deadline job
//! settle the same way.

use time::OffsetDateTime;

use super::{MerchantOrderNo, Order, OrderStatus};
use crate::exam::Calendar;
use crate::money::Fen;
use crate::registration::Status;

/// A payment as a provider reports it, after its signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReport {
    pub merchant_no: MerchantOrderNo,
    pub transaction_id: String,
    pub amount: Fen,
    pub paid_at: OffsetDateTime,
    /// The merchant the provider names is ours (a signed report for another merchant's
    /// account changes nothing and is flagged).
    pub merchant_matches: bool,
}

/// Something finance must look at on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Paid on an order already closed (expired or replaced): refund.
    PaidWhenClosed,
    /// Paid at or after the payment close: refund.
    PaidAfterClose,
    /// The registration was already paid by another order: refund this one.
    PaidTwice,
    /// The registration could not be paid any more (abandoned, say): refund.
    NotPayable(Status),
    /// The report's amount is not the order's: nothing was changed.
    AmountMismatch { expected: Fen, reported: Fen },
    /// A second, different transaction reported for an order already paid.
    OtherTransaction,
    /// The report names another merchant: nothing was changed.
    MerchantMismatch,
}

impl Flag {
    pub fn key(self) -> &'static str {
        match self {
            Flag::PaidWhenClosed => "paid_when_closed",
            Flag::PaidAfterClose => "paid_after_close",
            Flag::PaidTwice => "paid_twice",
            Flag::NotPayable(_) => "not_payable",
            Flag::AmountMismatch { .. } => "amount_mismatch",
            Flag::OtherTransaction => "other_transaction",
            Flag::MerchantMismatch => "merchant_mismatch",
        }
    }

    /// Whether the money must go back to the candidate.
    pub fn refund_due(self) -> bool {
        matches!(
            self,
            Flag::PaidWhenClosed | Flag::PaidAfterClose | Flag::PaidTwice | Flag::NotPayable(_)
        )
    }

    /// What finance reads.
    pub fn label(self) -> String {
        match self {
            Flag::PaidWhenClosed => "订单关闭后到账，应退款".to_owned(),
            Flag::PaidAfterClose => "缴费截止后到账，应退款".to_owned(),
            Flag::PaidTwice => "重复缴费，应退款".to_owned(),
            Flag::NotPayable(status) => {
                format!("到账时报名状态为“{}”，应退款", status.label())
            }
            Flag::AmountMismatch { expected, reported } => {
                format!("金额不符：订单 {expected}，支付平台 {reported}")
            }
            Flag::OtherTransaction => "同一订单出现另一笔交易".to_owned(),
            Flag::MerchantMismatch => "商户号不符：支付通知不属于本商户".to_owned(),
        }
    }
}

/// What to do with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// The order is paid and the registration becomes 缴费成功.
    Counts,
    /// The order is paid (the money arrived) and flagged; the registration stays as it is.
    Refund(Flag),
    /// This payment is on record already: nothing to do, and the provider is answered
    /// success again.
    AlreadyRecorded,
    /// The report does not match the order: nothing changes but the flag.
    Mismatch(Flag),
}

/// Settles `report` on `order` of a registration now in `registration`.
pub fn settle(
    order: &Order,
    registration: Status,
    calendar: &Calendar,
    report: &PaymentReport,
) -> Settlement {
    if !report.merchant_matches {
        return Settlement::Mismatch(Flag::MerchantMismatch);
    }
    if let Some(paid) = &order.paid {
        return if paid.transaction_id == report.transaction_id {
            Settlement::AlreadyRecorded
        } else {
            Settlement::Mismatch(Flag::OtherTransaction)
        };
    }
    if report.amount != order.amount() {
        return Settlement::Mismatch(Flag::AmountMismatch {
            expected: order.amount(),
            reported: report.amount,
        });
    }
    if order.status == OrderStatus::Closed {
        return Settlement::Refund(Flag::PaidWhenClosed);
    }
    if report.paid_at >= calendar.payment.closes {
        return Settlement::Refund(Flag::PaidAfterClose);
    }
    match registration {
        Status::Qualified => Settlement::Counts,
        Status::Paid => Settlement::Refund(Flag::PaidTwice),
        other => Settlement::Refund(Flag::NotPayable(other)),
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    use super::*;
    use crate::exam::{FeeBreakdown, FeeLine};
    use crate::payment::{PaidWith, ProviderKind};
    use crate::vocab::Subject;

    fn calendar() -> Calendar {
        Calendar::demo_around(datetime!(2024-11-27 10:00 +8))
    }

    fn order(status: OrderStatus) -> Order {
        let fees = FeeBreakdown {
            lines: vec![
                FeeLine {
                    subject: Subject::BasicKnowledge,
                    unit: Fen(5000),
                },
                FeeLine {
                    subject: Subject::ProfessionalPractice,
                    unit: Fen(5000),
                },
            ],
            total: Fen(10_000),
        };
        let created = calendar().payment.opens + Duration::days(1);
        Order {
            id: Uuid::nil(),
            merchant_no: MerchantOrderNo::new(date!(2025 - 02 - 07), [7; 15]),
            registration_id: Uuid::nil(),
            provider: ProviderKind::Sandbox,
            fees,
            status,
            created_at: created,
            expires_at: created + Duration::minutes(30),
            closed_at: None,
            paid: None,
            flag: None,
            revision: 0,
        }
    }

    fn report(order: &Order, paid_at: OffsetDateTime) -> PaymentReport {
        PaymentReport {
            merchant_no: order.merchant_no.clone(),
            transaction_id: "4200000001".to_owned(),
            amount: order.amount(),
            paid_at,
            merchant_matches: true,
        }
    }

    #[test]
    fn a_payment_inside_the_window_on_an_open_order_counts() {
        let o = order(OrderStatus::Open);
        let paid_at = o.created_at + Duration::minutes(1);
        assert_eq!(
            settle(&o, Status::Qualified, &calendar(), &report(&o, paid_at)),
            Settlement::Counts
        );
    }

    #[test]
    fn paid_one_second_before_the_close_counts_however_late_we_hear_of_it() {
        let o = order(OrderStatus::Open);
        let closes = calendar().payment.closes;
        let r = report(&o, closes - Duration::seconds(1));
        assert_eq!(
            settle(&o, Status::Qualified, &calendar(), &r),
            Settlement::Counts
        );
        let r = report(&o, closes);
        assert_eq!(
            settle(&o, Status::Qualified, &calendar(), &r),
            Settlement::Refund(Flag::PaidAfterClose)
        );
    }

    #[test]
    fn the_same_payment_twice_is_recorded_once() {
        let mut o = order(OrderStatus::Paid);
        let r = report(&o, o.created_at);
        o.paid = Some(PaidWith {
            transaction_id: r.transaction_id.clone(),
            amount: r.amount,
            paid_at: r.paid_at,
        });
        assert_eq!(
            settle(&o, Status::Paid, &calendar(), &r),
            Settlement::AlreadyRecorded
        );
        let other = PaymentReport {
            transaction_id: "4200000002".to_owned(),
            ..r
        };
        assert_eq!(
            settle(&o, Status::Paid, &calendar(), &other),
            Settlement::Mismatch(Flag::OtherTransaction)
        );
    }

    #[test]
    fn money_that_should_not_have_come_is_flagged_for_refund() {
        let o = order(OrderStatus::Open);
        let r = report(&o, o.created_at);
        assert_eq!(
            settle(&o, Status::Paid, &calendar(), &r),
            Settlement::Refund(Flag::PaidTwice)
        );
        assert_eq!(
            settle(&o, Status::Abandoned, &calendar(), &r),
            Settlement::Refund(Flag::NotPayable(Status::Abandoned))
        );
        let closed = order(OrderStatus::Closed);
        assert_eq!(
            settle(&closed, Status::Qualified, &calendar(), &r),
            Settlement::Refund(Flag::PaidWhenClosed)
        );
        for flag in [
            Flag::PaidTwice,
            Flag::PaidWhenClosed,
            Flag::PaidAfterClose,
            Flag::NotPayable(Status::Abandoned),
        ] {
            assert!(flag.refund_due(), "{flag:?}");
        }
    }

    #[test]
    fn another_merchants_report_changes_nothing() {
        let o = order(OrderStatus::Open);
        let r = PaymentReport {
            merchant_matches: false,
            ..report(&o, o.created_at)
        };
        assert_eq!(
            settle(&o, Status::Qualified, &calendar(), &r),
            Settlement::Mismatch(Flag::MerchantMismatch)
        );
        assert!(!Flag::MerchantMismatch.refund_due());
    }

    #[test]
    fn a_wrong_amount_changes_nothing() {
        let o = order(OrderStatus::Open);
        let r = PaymentReport {
            amount: Fen(1),
            ..report(&o, o.created_at)
        };
        let settled = settle(&o, Status::Qualified, &calendar(), &r);
        assert_eq!(
            settled,
            Settlement::Mismatch(Flag::AmountMismatch {
                expected: Fen(10_000),
                reported: Fen(1)
            })
        );
        let Settlement::Mismatch(flag) = settled else {
            unreachable!()
        };
        assert!(!flag.refund_due());
    }
}
