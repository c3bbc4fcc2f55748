//! Payment providers behind one trait: make an order payable, ask what became of it,
//! close it, and verify what the provider calls back with. The variant is chosen in the
//! configuration (`[payments] provider`); the use cases (`services::payments`) never know
//! which one they talk to.

pub mod sandbox;
pub mod wechatpay;

use axum::http::HeaderMap;
use examreg_domain::payment::{
    BillLine, MerchantOrderNo, Order, PaymentReport, ProviderKind, Refund, RefundNo, RefundReport,
};
use time::OffsetDateTime;

/// How a notification's timestamp may differ from our clock (WeChat Pay: 5 minutes).
pub const NOTIFICATION_MAX_AGE: time::Duration = time::Duration::minutes(5);

/// Where the candidate goes to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkout {
    /// A page to send the browser to (the sandbox cashier, WeChat Pay H5).
    Redirect(String),
    /// A `code_url` to draw as a QR code and scan (WeChat Pay Native, on a desktop).
    QrCode(String),
}

/// What the provider says of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeState {
    /// Not paid (yet): NOTPAY, USERPAYING, PAYERROR.
    NotPaid,
    Paid(PaymentReport),
    /// Closed at the provider: it can no longer be paid.
    Closed,
    /// The provider never heard of it (the order was never made there).
    Unknown,
}

/// What a verified notification reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    Payment(PaymentReport),
    Refund(RefundReport),
    /// Something else (a failed payment attempt, an event we do not act on).
    Nothing,
}

/// What the provider says of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted, not settled yet: a notification (or a later query) settles it.
    Processing,
    Settled(RefundReport),
    /// The provider never heard of it.
    Unknown,
}

/// A provider call that did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Down, slow or throttling: try again later; nothing is known to have changed.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// Closing an order the candidate has just paid (WeChat Pay `ORDERPAID`).
    #[error("the order is already paid")]
    AlreadyPaid,
    #[error(transparent)]
    Store(#[from] examreg_store::StoreError),
}

/// Why a notification was refused (answered 401, nothing changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotificationRefused {
    #[error("signature headers missing")]
    MissingHeaders,
    #[error("timestamp outside the accepted window")]
    Stale,
    #[error("signature does not verify")]
    BadSignature,
    #[error("body cannot be read")]
    Malformed,
    #[error("not for this merchant")]
    OtherMerchant,
}

/// The device the candidate pays from: a QR code to scan on a desktop, a redirect into
/// WeChat on a phone (whose address WeChat Pay H5 wants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Desktop,
    Phone { ip: std::net::IpAddr },
}

impl Device {
    /// From the `User-Agent`: phones say `Mobile` (iOS, Android) or `Android`.
    pub fn of(user_agent: Option<&str>, ip: std::net::IpAddr) -> Device {
        match user_agent {
            Some(ua) if ua.contains("Mobile") || ua.contains("Android") => Device::Phone { ip },
            _ => Device::Desktop,
        }
    }
}

/// One payment provider's wire protocol.
pub trait PaymentProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Makes `order` payable at the provider; asking again for the same order is
    /// harmless.
    fn create(
        &self,
        order: &Order,
        description: &str,
        device: Device,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Checkout, ProviderError>> + Send;

    fn query(
        &self,
        merchant_no: &MerchantOrderNo,
    ) -> impl Future<Output = Result<TradeState, ProviderError>> + Send;

    /// Closes an unpaid order so that it can no longer be paid.
    fn close(
        &self,
        merchant_no: &MerchantOrderNo,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Gives `refund.amount` of the paid `order` back; asking again with the same refund
    /// number is harmless.
    fn refund(
        &self,
        order: &Order,
        refund: &Refund,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<RefundState, ProviderError>> + Send;

    fn query_refund(
        &self,
        refund_no: &RefundNo,
    ) -> impl Future<Output = Result<RefundState, ProviderError>> + Send;

    /// The successful payments of `day` (China time) as the provider's bill lists them,
    /// with the SHA-256 of the file as received.
    fn bill(
        &self,
        day: time::Date,
    ) -> impl Future<Output = Result<(Vec<BillLine>, String), ProviderError>> + Send;

    /// Verifies a notification before anything of it is believed, and reads what it
    /// reports.
    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Reported, NotificationRefused>;
}

/// The provider configured for this deployment.
#[derive(Debug, Clone)]
pub enum Provider {
    Sandbox(sandbox::Sandbox),
    WechatPay(wechatpay::WechatPay),
}

impl Provider {
    /// The sandbox, when it is the provider (its cashier pages exist only then).
    pub fn sandbox(&self) -> Option<&sandbox::Sandbox> {
        match self {
            Provider::Sandbox(p) => Some(p),
            Provider::WechatPay(_) => None,
        }
    }
}

impl PaymentProvider for Provider {
    fn kind(&self) -> ProviderKind {
        match self {
            Provider::Sandbox(p) => p.kind(),
            Provider::WechatPay(p) => p.kind(),
        }
    }

    async fn create(
        &self,
        order: &Order,
        description: &str,
        device: Device,
        now: OffsetDateTime,
    ) -> Result<Checkout, ProviderError> {
        match self {
            Provider::Sandbox(p) => p.create(order, description, device, now).await,
            Provider::WechatPay(p) => p.create(order, description, device, now).await,
        }
    }

    async fn query(&self, merchant_no: &MerchantOrderNo) -> Result<TradeState, ProviderError> {
        match self {
            Provider::Sandbox(p) => p.query(merchant_no).await,
            Provider::WechatPay(p) => p.query(merchant_no).await,
        }
    }

    async fn close(
        &self,
        merchant_no: &MerchantOrderNo,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        match self {
            Provider::Sandbox(p) => p.close(merchant_no, now).await,
            Provider::WechatPay(p) => p.close(merchant_no, now).await,
        }
    }

    async fn refund(
        &self,
        order: &Order,
        refund: &Refund,
        now: OffsetDateTime,
    ) -> Result<RefundState, ProviderError> {
        match self {
            Provider::Sandbox(p) => p.refund(order, refund, now).await,
            Provider::WechatPay(p) => p.refund(order, refund, now).await,
        }
    }

    async fn query_refund(&self, refund_no: &RefundNo) -> Result<RefundState, ProviderError> {
        match self {
            Provider::Sandbox(p) => p.query_refund(refund_no).await,
            Provider::WechatPay(p) => p.query_refund(refund_no).await,
        }
    }

    async fn bill(&self, day: time::Date) -> Result<(Vec<BillLine>, String), ProviderError> {
        match self {
            Provider::Sandbox(p) => p.bill(day).await,
            Provider::WechatPay(p) => p.bill(day).await,
        }
    }

    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Reported, NotificationRefused> {
        match self {
            Provider::Sandbox(p) => p.verify(headers, body, now),
            Provider::WechatPay(p) => p.verify(headers, body, now),
        }
    }
}

/// The instants `[from, to)` of a day in China time.
pub fn china_day_bounds(day: time::Date) -> (OffsetDateTime, OffsetDateTime) {
    let from = day
        .midnight()
        .assume_offset(examreg_domain::clock::CHINA_STANDARD_TIME);
    (from, from + time::Duration::days(1))
}
