//! 退款: an admin gives part or all of a paid order back, with a reason; the provider
//! confirms it (by notification or when asked). A payment flagged for refund may be given
//! back in full; the payment that made a registration 缴费成功 only in part (a full refund
//! would leave a paid registration without its fee: that is a decision on the
//! registration, not a refund).

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Order, OrderStatus, RefundNo};
use crate::account::StaffId;
use crate::money::Fen;

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// 退款处理中: asked; the provider has not confirmed it yet.
    Processing,
    /// 退款成功.
    Succeeded,
    /// 退款失败 (closed or abnormal at the provider): nothing was given back.
    Failed,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 3] = [
        RefundStatus::Processing,
        RefundStatus::Succeeded,
        RefundStatus::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RefundStatus::Processing => "processing",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<RefundStatus> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RefundStatus::Processing => "退款处理中",
            RefundStatus::Succeeded => "退款成功",
            RefundStatus::Failed => "退款失败",
        }
    }
}

/// A refund of (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: Uuid,
    pub order_id: Uuid,
    pub refund_no: RefundNo,
    pub amount: Fen,
    pub reason: String,
    pub status: RefundStatus,
    pub requested_by: StaffId,
    pub requested_at: OffsetDateTime,
    pub settled_at: Option<OffsetDateTime>,
    /// The provider's refund id (微信支付退款单号), once known.
    pub provider_refund_id: Option<String>,
    pub revision: i32,
}

/// A refund as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReport {
    pub refund_no: RefundNo,
    pub provider_refund_id: String,
    pub succeeded: bool,
    pub amount: Fen,
}

/// Why a refund may not be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Only a paid order has money to give back.
    NotPaid(OrderStatus),
    /// Nothing, or more than what is left of the payment.
    Amount { refundable: Fen },
    /// The whole fee of the order that paid the registration.
    WholeFeeOfPaidRegistration,
    /// A reason is required (1–80 characters, no control characters).
    Reason,
}

impl fmt::Display for RefundRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefundRefusal::NotPaid(status) => {
                write!(f, "订单状态为“{}”，没有可退的款项", status.label())
            }
            RefundRefusal::Amount { refundable } => {
                write!(f, "退款金额须大于 0 且不超过可退金额 {refundable}")
            }
            RefundRefusal::WholeFeeOfPaidRegistration => f.write_str(
                "该订单是报名缴费订单，不能全额退款（全额退款将使已缴费的报名没有缴费）；只能部分退款",
            ),
            RefundRefusal::Reason => f.write_str("请填写退款原因（不超过 80 个字）"),
        }
    }
}

/// What is left to refund of `order`, given its refunds so far (the failed ones gave
/// nothing back).
pub fn refundable(order: &Order, refunds: &[Refund]) -> Fen {
    let paid = order.paid.as_ref().map_or(0, |p| p.amount.0);
    let asked: u32 = refunds
        .iter()
        .filter(|r| r.order_id == order.id && r.status != RefundStatus::Failed)
        .map(|r| r.amount.0)
        .sum();
    Fen(paid.saturating_sub(asked))
}

/// Whether `amount` of `order` may be refunded for `reason` now.
pub fn may_refund(
    order: &Order,
    refunds: &[Refund],
    amount: Fen,
    reason: &str,
) -> Result<(), RefundRefusal> {
    if order.status != OrderStatus::Paid {
        return Err(RefundRefusal::NotPaid(order.status));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 80 || reason.chars().any(char::is_control) {
        return Err(RefundRefusal::Reason);
    }
    let left = refundable(order, refunds);
    if amount.0 == 0 || amount > left {
        return Err(RefundRefusal::Amount { refundable: left });
    }
    // The order that paid the registration carries no flag.
    if order.flag.is_none() && amount == left && left == order.amount() {
        return Err(RefundRefusal::WholeFeeOfPaidRegistration);
    }
    Ok(())
}

/// Whether `order` is refunded in full once `refunds` (succeeded) are counted.
pub fn fully_refunded(order: &Order, refunds: &[Refund]) -> bool {
    let paid = order.paid.as_ref().map_or(0, |p| p.amount.0);
    let back: u32 = refunds
        .iter()
        .filter(|r| r.order_id == order.id && r.status == RefundStatus::Succeeded)
        .map(|r| r.amount.0)
        .sum();
    paid > 0 && back >= paid
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::exam::{FeeBreakdown, FeeLine};
    use crate::payment::{Flag, MerchantOrderNo, PaidWith, ProviderKind};
    use crate::vocab::Subject;

    fn paid(flag: Option<Flag>) -> Order {
        let at = datetime!(2025-02-10 10:00 +8);
        Order {
            id: Uuid::from_u128(1),
            merchant_no: MerchantOrderNo::new(date!(2025 - 02 - 10), [1; 15]),
            registration_id: Uuid::from_u128(2),
            provider: ProviderKind::Sandbox,
            fees: FeeBreakdown {
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
            },
            status: OrderStatus::Paid,
            created_at: at,
            expires_at: at,
            closed_at: None,
            paid: Some(PaidWith {
                transaction_id: "4200".into(),
                amount: Fen(10_000),
                paid_at: at,
            }),
            flag,
            revision: 1,
        }
    }

    fn refund(order: &Order, amount: u32, status: RefundStatus) -> Refund {
        Refund {
            id: Uuid::from_u128(u128::from(amount)),
            order_id: order.id,
            refund_no: RefundNo::new(date!(2025 - 02 - 11), [2; 15]),
            amount: Fen(amount),
            reason: "重复缴费".into(),
            status,
            requested_by: StaffId(Uuid::nil()),
            requested_at: order.created_at,
            settled_at: None,
            provider_refund_id: None,
            revision: 0,
        }
    }

    #[test]
    fn a_flagged_payment_may_be_refunded_in_full_the_paying_one_only_in_part() {
        let flagged = paid(Some(Flag::PaidTwice));
        assert_eq!(may_refund(&flagged, &[], Fen(10_000), "重复缴费"), Ok(()));
        let paying = paid(None);
        assert_eq!(
            may_refund(&paying, &[], Fen(10_000), "考生申请"),
            Err(RefundRefusal::WholeFeeOfPaidRegistration)
        );
        assert_eq!(may_refund(&paying, &[], Fen(5_000), "少考一科"), Ok(()));
    }

    #[test]
    fn never_more_than_is_left_and_failed_refunds_gave_nothing_back() {
        let order = paid(Some(Flag::PaidTwice));
        let done = [
            refund(&order, 6_000, RefundStatus::Succeeded),
            refund(&order, 4_000, RefundStatus::Failed),
        ];
        assert_eq!(refundable(&order, &done), Fen(4_000));
        assert_eq!(
            may_refund(&order, &done, Fen(4_001), "x"),
            Err(RefundRefusal::Amount {
                refundable: Fen(4_000)
            })
        );
        assert_eq!(
            may_refund(&order, &done, Fen(0), "x"),
            Err(RefundRefusal::Amount {
                refundable: Fen(4_000)
            })
        );
        assert!(!fully_refunded(&order, &done));
        let all = [
            refund(&order, 6_000, RefundStatus::Succeeded),
            refund(&order, 4_000, RefundStatus::Succeeded),
        ];
        assert!(fully_refunded(&order, &all));
    }

    #[test]
    fn only_paid_orders_with_a_reason() {
        let mut open = paid(None);
        open.status = OrderStatus::Open;
        assert_eq!(
            may_refund(&open, &[], Fen(1), "x"),
            Err(RefundRefusal::NotPaid(OrderStatus::Open))
        );
        let order = paid(Some(Flag::PaidTwice));
        for reason in ["", "  ", "a\u{7}b", &"长".repeat(81)] {
            assert_eq!(
                may_refund(&order, &[], Fen(1), reason),
                Err(RefundRefusal::Reason),
                "{reason:?}"
            );
        }
    }
}
