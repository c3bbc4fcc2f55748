//! The payment order and its states.

use std::fmt;

use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::exam::FeeBreakdown;
use crate::money::Fen;

/// Who takes the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// examreg's own cashier: demos, training and tests run the whole path with it.
    Sandbox,
    /// WeChat Pay API v3.
    WechatPay,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [ProviderKind::Sandbox, ProviderKind::WechatPay];

    pub fn key(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => "sandbox",
            ProviderKind::WechatPay => "wechatpay",
        }
    }

    pub fn from_key(key: &str) -> Option<ProviderKind> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Sandbox => "模拟支付（演示）",
            ProviderKind::WechatPay => "微信支付",
        }
    }
}

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// 待支付: the candidate may pay it until it expires.
    Open,
    /// 已支付.
    Paid,
    /// 已关闭: expired, or replaced by a new order; closed at the provider too.
    Closed,
    /// 已退款.
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Open,
        OrderStatus::Paid,
        OrderStatus::Closed,
        OrderStatus::Refunded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::Paid => "paid",
            OrderStatus::Closed => "closed",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn from_key(key: &str) -> Option<OrderStatus> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Open => "待支付",
            OrderStatus::Paid => "已支付",
            OrderStatus::Closed => "已关闭",
            OrderStatus::Refunded => "已退款",
        }
    }
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    /// The provider reports the payment (by notification or when queried).
    Pay,
    /// Expired or replaced, and closed at the provider.
    Close,
    /// The refund the provider confirmed.
    Refund,
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 3] = [OrderEvent::Pay, OrderEvent::Close, OrderEvent::Refund];
}

/// An event that does not apply to the order's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct IllegalOrderTransition {
    pub from: OrderStatus,
    pub event: OrderEvent,
}

impl fmt::Display for IllegalOrderTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "订单状态为“{}”，不能进行此操作", self.from.label())
    }
}

/// The one table of an order's life. A payment is recorded even on a closed order (money
/// that arrived is never dropped; [`super::settle`] flags it for refund).
pub fn transition(
    from: OrderStatus,
    event: OrderEvent,
) -> Result<OrderStatus, IllegalOrderTransition> {
    use OrderEvent as E;
    use OrderStatus as S;
    match (from, event) {
        (S::Open | S::Closed, E::Pay) => Ok(S::Paid),
        (S::Open, E::Close) => Ok(S::Closed),
        (S::Paid, E::Refund) => Ok(S::Refunded),
        (from, event) => Err(IllegalOrderTransition { from, event }),
    }
}

/// A merchant order number (商户订单号): `ER`, the day it was made (YYMMDD) and 120
/// random bits in Crockford base32, 32 characters in all, within WeChat Pay's
/// `out_trade_no` alphabet. Unique, not guessable and not sequential.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MerchantOrderNo(String);

/// A merchant refund number (商户退款单号, `out_refund_no`): the same shape with `RF`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefundNo(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const NUMBER_LEN: usize = 32;

fn random_number(prefix: &str, day: Date, random: [u8; 15]) -> String {
    let mut out = format!(
        "{prefix}{:02}{:02}{:02}",
        day.year().rem_euclid(100),
        u8::from(day.month()),
        day.day()
    );
    // 15 bytes = 120 bits = 24 symbols of 5 bits.
    let mut acc: u32 = 0;
    let mut bits = 0;
    for byte in random {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(CROCKFORD[((acc >> bits) & 31) as usize]));
        }
    }
    out
}

fn is_number(prefix: &str, text: &str) -> bool {
    text.len() == NUMBER_LEN
        && text.starts_with(prefix)
        && text[2..8].bytes().all(|b| b.is_ascii_digit())
        && text[8..].bytes().all(|b| CROCKFORD.contains(&b))
}

impl MerchantOrderNo {
    pub const LEN: usize = NUMBER_LEN;

    /// A number for an order made on `day`, from 15 random bytes.
    pub fn new(day: Date, random: [u8; 15]) -> MerchantOrderNo {
        MerchantOrderNo(random_number("ER", day, random))
    }

    /// Checks the shape only; whether such an order exists is the store's to say.
    pub fn parse(text: &str) -> Option<MerchantOrderNo> {
        is_number("ER", text).then(|| MerchantOrderNo(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MerchantOrderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RefundNo {
    pub fn new(day: Date, random: [u8; 15]) -> RefundNo {
        RefundNo(random_number("RF", day, random))
    }

    pub fn parse(text: &str) -> Option<RefundNo> {
        is_number("RF", text).then(|| RefundNo(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RefundNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When an order made at `created` stops being payable: after `ttl`, and never after the
/// payment close.
pub fn order_expiry(
    created: OffsetDateTime,
    ttl: Duration,
    payment_closes: OffsetDateTime,
) -> OffsetDateTime {
    (created + ttl).min(payment_closes)
}

/// The payment the provider reported on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidWith {
    /// The provider's transaction id (微信支付订单号).
    pub transaction_id: String,
    pub amount: Fen,
    /// When the provider took the money (`success_time`), not when we heard of it.
    pub paid_at: OffsetDateTime,
}

/// A payment order of one registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub merchant_no: MerchantOrderNo,
    pub registration_id: Uuid,
    pub provider: ProviderKind,
    /// What it charges for, fixed when it was made.
    pub fees: FeeBreakdown,
    pub status: OrderStatus,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub paid: Option<PaidWith>,
    /// Something finance must look at: a payment to refund, a report that did not match.
    pub flag: Option<super::Flag>,
    /// Moves on with every change (compare-and-set).
    pub revision: i32,
}

impl Order {
    pub fn amount(&self) -> Fen {
        self.fees.total
    }

    /// Whether the candidate can still pay this order at `now` for `fees`: open, not
    /// expired, and charging what the registration costs today.
    pub fn reusable(&self, fees: &FeeBreakdown, now: OffsetDateTime) -> bool {
        self.status == OrderStatus::Open && now < self.expires_at && &self.fees == fees
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn every_status_and_event_pair_against_the_expected_table() {
        use OrderEvent as E;
        use OrderStatus as S;
        let allowed: &[(S, E, S)] = &[
            (S::Open, E::Pay, S::Paid),
            (S::Closed, E::Pay, S::Paid),
            (S::Open, E::Close, S::Closed),
            (S::Paid, E::Refund, S::Refunded),
        ];
        for from in OrderStatus::ALL {
            for event in OrderEvent::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(
                    transition(from, event).ok(),
                    expected,
                    "{from:?} + {event:?}"
                );
            }
        }
    }

    #[test]
    fn status_and_provider_keys_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_key(s.key()), Some(s));
        }
        for p in ProviderKind::ALL {
            assert_eq!(ProviderKind::from_key(p.key()), Some(p));
        }
        assert_eq!(OrderStatus::from_key("pending"), None);
    }

    #[test]
    fn merchant_numbers_are_32_characters_of_the_out_trade_no_alphabet() {
        let no = MerchantOrderNo::new(date!(2025 - 02 - 07), [0xff; 15]);
        assert_eq!(no.as_str(), "ER250207ZZZZZZZZZZZZZZZZZZZZZZZZ");
        let no = MerchantOrderNo::new(date!(2025 - 02 - 07), [0; 15]);
        assert_eq!(no.as_str(), "ER250207000000000000000000000000");
        let no = MerchantOrderNo::new(date!(2025 - 02 - 07), *b"examreg-payment");
        assert_eq!(no.as_str().len(), MerchantOrderNo::LEN);
        assert_eq!(MerchantOrderNo::parse(no.as_str()), Some(no.clone()));
        assert_eq!(
            RefundNo::parse(no.as_str()),
            None,
            "an order number is no refund number"
        );
        let refund = RefundNo::new(date!(2025 - 02 - 07), *b"examreg-payment");
        assert_eq!(&refund.as_str()[..2], "RF");
        assert_eq!(&refund.as_str()[2..], &no.as_str()[2..]);
        assert_eq!(RefundNo::parse(refund.as_str()), Some(refund));
        assert!(
            no.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() && !b.is_ascii_lowercase())
        );
    }

    #[test]
    fn parse_refuses_what_we_never_make() {
        for bad in [
            "",
            "ER250207",
            "XX250207ZZZZZZZZZZZZZZZZZZZZZZZZ",
            "ER25O207ZZZZZZZZZZZZZZZZZZZZZZZZ",
            "ER250207ZZZZZZZZZZZZZZZZZZZZZZZI",
            "ER250207ZZZZZZZZZZZZZZZZZZZZZZZz",
            "ER250207ZZZZZZZZZZZZZZZZZZZZZZZZZ",
        ] {
            assert_eq!(MerchantOrderNo::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_order_expires_after_its_time_and_never_after_the_payment_close() {
        let close = datetime!(2025-02-17 00:00 +8);
        assert_eq!(
            order_expiry(datetime!(2025-02-10 10:00 +8), Duration::minutes(30), close),
            datetime!(2025-02-10 10:30 +8)
        );
        assert_eq!(
            order_expiry(datetime!(2025-02-16 23:50 +8), Duration::minutes(30), close),
            close
        );
    }
}
