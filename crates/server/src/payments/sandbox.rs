//! The sandbox provider: examreg's own cashier, for demos, training and tests. It keeps
//! its own ledger (`sandbox_trade`) apart from our orders, answers queries and closes
//! from it, and calls back like WeChat Pay API v3 does: a JSON notification signed over
//! `timestamp\nnonce\nbody\n` (here with HMAC-SHA256 under a key of the deployment,
//! where WeChat Pay signs with its platform RSA key), verified before it is read.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use examreg_domain::clock::CHINA_STANDARD_TIME;
use examreg_domain::money::Fen;
use examreg_domain::payment::{
    BillLine, MerchantOrderNo, Order, PaymentReport, ProviderKind, Refund, RefundNo, RefundReport,
};
use examreg_store::payments::sandbox as ledger;
use examreg_store::payments::sandbox_refunds;
use examreg_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    Checkout, Device, NOTIFICATION_MAX_AGE, NotificationRefused, PaymentProvider, ProviderError,
    RefundState, Reported, TradeState,
};
use crate::format::rfc3339;
use crate::secrets::{self, MacKey};
use crate::web::urls;

/// The merchant id the sandbox knows us by.
pub const MERCHANT_ID: &str = "examreg-sandbox";
pub const TIMESTAMP_HEADER: &str = "sandbox-timestamp";
pub const NONCE_HEADER: &str = "sandbox-nonce";
pub const SIGNATURE_HEADER: &str = "sandbox-signature";

#[derive(Debug, Clone)]
pub struct Sandbox {
    store: Store,
    key: MacKey,
}

/// A notification as the sandbox sends it: headers and the exact body bytes.
#[derive(Debug, Clone)]
pub struct SignedNotification {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Notification {
    id: String,
    create_time: String,
    event_type: String,
    resource: Transaction,
}

#[derive(Debug, Serialize, Deserialize)]
struct Transaction {
    mchid: String,
    out_trade_no: String,
    transaction_id: String,
    trade_state: String,
    success_time: String,
    amount: Amount,
}

#[derive(Debug, Serialize, Deserialize)]
struct Amount {
    total: u32,
    currency: String,
}

/// What the candidate chose at the cashier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashierChoice {
    /// 支付成功.
    Succeed,
    /// 支付失败: the order stays payable.
    Fail,
}

fn unavailable(err: StoreError) -> ProviderError {
    ProviderError::Store(err)
}

impl Sandbox {
    pub fn new(store: Store, key: MacKey) -> Sandbox {
        Sandbox { store, key }
    }

    fn message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
        let mut message = Vec::with_capacity(body.len() + 64);
        message.extend_from_slice(timestamp.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(nonce.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(body);
        message.push(b'\n');
        message
    }

    /// Signs `body` as the sandbox's notifications are signed (tests forge and replay
    /// with it too).
    pub fn sign(&self, body: Vec<u8>, now: OffsetDateTime) -> SignedNotification {
        let timestamp = now.unix_timestamp().to_string();
        let nonce = secrets::random_token();
        let signature = STANDARD.encode(
            self.key
                .mac_bytes(&Self::message(&timestamp, &nonce, &body)),
        );
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (TIMESTAMP_HEADER, timestamp),
            (NONCE_HEADER, nonce),
            (SIGNATURE_HEADER, signature),
        ] {
            if let Ok(value) = value.parse() {
                headers.insert(name, value);
            }
        }
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        SignedNotification { headers, body }
    }

    /// The notification of a successful payment of `trade`.
    fn notification(
        &self,
        trade: &ledger::Trade,
        now: OffsetDateTime,
    ) -> Option<SignedNotification> {
        let (Some(transaction_id), Some(success_time)) =
            (&trade.transaction_id, trade.success_time)
        else {
            return None;
        };
        let body = Notification {
            id: uuid::Uuid::new_v4().to_string(),
            create_time: rfc3339(now),
            event_type: "TRANSACTION.SUCCESS".to_owned(),
            resource: Transaction {
                mchid: MERCHANT_ID.to_owned(),
                out_trade_no: trade.merchant_no.clone(),
                transaction_id: transaction_id.clone(),
                trade_state: "SUCCESS".to_owned(),
                success_time: rfc3339(success_time),
                amount: Amount {
                    total: trade.amount.0,
                    currency: "CNY".to_owned(),
                },
            },
        };
        Some(self.sign(serde_json::to_vec(&body).ok()?, now))
    }

    /// The trade behind the cashier page.
    pub async fn trade(
        &self,
        merchant_no: &MerchantOrderNo,
    ) -> Result<Option<ledger::Trade>, StoreError> {
        ledger::get(self.store.conn(), merchant_no.as_str()).await
    }

    /// What the candidate chose at the cashier. On success the trade is paid and the
    /// notification to deliver is returned (`None` when it was not payable: closed, or
    /// paid already).
    pub async fn choose(
        &self,
        merchant_no: &MerchantOrderNo,
        choice: CashierChoice,
        now: OffsetDateTime,
    ) -> Result<Option<SignedNotification>, StoreError> {
        let no = merchant_no.as_str().to_owned();
        let paid = match choice {
            CashierChoice::Succeed => {
                // 28 digits, as WeChat Pay's transaction ids.
                let day = now.to_offset(CHINA_STANDARD_TIME).date();
                let transaction_id = format!(
                    "4200{:04}{:02}{:02}{}",
                    day.year(),
                    u8::from(day.month()),
                    day.day(),
                    secrets::random_digits(16)
                );
                self.store
                    .transaction(move |txn| {
                        Box::pin(async move {
                            for from in ["NOTPAY", "PAYERROR"] {
                                if ledger::set_state(
                                    txn,
                                    &no,
                                    from,
                                    "SUCCESS",
                                    Some(&transaction_id),
                                    now,
                                )
                                .await?
                                {
                                    return Ok::<_, StoreError>(true);
                                }
                            }
                            Ok(false)
                        })
                    })
                    .await?
            }
            CashierChoice::Fail => {
                self.store
                    .transaction(move |txn| {
                        Box::pin(async move {
                            ledger::set_state(txn, &no, "NOTPAY", "PAYERROR", None, now).await?;
                            Ok::<_, StoreError>(false)
                        })
                    })
                    .await?
            }
        };
        if !paid {
            return Ok(None);
        }
        Ok(self
            .trade(merchant_no)
            .await?
            .and_then(|trade| self.notification(&trade, now)))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl PaymentProvider for Sandbox {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Sandbox
    }

    async fn create(
        &self,
        order: &Order,
        description: &str,
        _device: Device,
        now: OffsetDateTime,
    ) -> Result<Checkout, ProviderError> {
        let no = order.merchant_no.as_str().to_owned();
        let amount = order.amount();
        let description = description.to_owned();
        self.store
            .transaction(move |txn| {
                Box::pin(async move { ledger::open(txn, &no, amount, &description, now).await })
            })
            .await
            .map_err(unavailable)?;
        Ok(Checkout::Redirect(urls::sandbox_cashier(
            order.merchant_no.as_str(),
        )))
    }

    async fn query(&self, merchant_no: &MerchantOrderNo) -> Result<TradeState, ProviderError> {
        let Some(trade) = self.trade(merchant_no).await.map_err(unavailable)? else {
            return Ok(TradeState::Unknown);
        };
        Ok(match trade.state.as_str() {
            "SUCCESS" => match (trade.transaction_id, trade.success_time) {
                (Some(transaction_id), Some(paid_at)) => TradeState::Paid(PaymentReport {
                    merchant_no: merchant_no.clone(),
                    transaction_id,
                    amount: trade.amount,
                    paid_at,
                    merchant_matches: true,
                }),
                _ => TradeState::NotPaid,
            },
            "CLOSED" => TradeState::Closed,
            _ => TradeState::NotPaid,
        })
    }

    async fn close(
        &self,
        merchant_no: &MerchantOrderNo,
        now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let no = merchant_no.as_str().to_owned();
        let closed = self
            .store
            .transaction(move |txn| {
                Box::pin(async move {
                    let mut closed = false;
                    for from in ["NOTPAY", "PAYERROR"] {
                        closed |= ledger::set_state(txn, &no, from, "CLOSED", None, now).await?;
                    }
                    Ok::<_, StoreError>(closed)
                })
            })
            .await
            .map_err(unavailable)?;
        if closed {
            return Ok(());
        }
        match self.query(merchant_no).await? {
            TradeState::Paid(_) => Err(ProviderError::AlreadyPaid),
            // Closed already, or never made: either way it cannot be paid.
            _ => Ok(()),
        }
    }

    /// The sandbox gives money back at once (as WeChat Pay does from a balance).
    async fn refund(
        &self,
        order: &Order,
        refund: &Refund,
        now: OffsetDateTime,
    ) -> Result<RefundState, ProviderError> {
        let Some(trade) = self.trade(&order.merchant_no).await.map_err(unavailable)? else {
            return Ok(RefundState::Unknown);
        };
        let given: u32 = sandbox_refunds::of_trade(self.store.conn(), &trade.merchant_no)
            .await
            .map_err(unavailable)?
            .iter()
            .filter(|r| r.state == "SUCCESS" && r.refund_no != refund.refund_no.as_str())
            .map(|r| r.amount.0)
            .sum();
        let state = if trade.state == "SUCCESS" && given + refund.amount.0 <= trade.amount.0 {
            "SUCCESS"
        } else {
            "ABNORMAL"
        };
        let record = sandbox_refunds::SandboxRefund {
            refund_no: refund.refund_no.as_str().to_owned(),
            merchant_no: trade.merchant_no.clone(),
            amount: refund.amount,
            state: state.to_owned(),
            refund_id: format!("5030{}", secrets::random_digits(25)),
        };
        let recorded = self
            .store
            .transaction(move |txn| {
                Box::pin(async move { sandbox_refunds::record(txn, &record, now).await })
            })
            .await
            .map_err(unavailable)?;
        Ok(RefundState::Settled(RefundReport {
            refund_no: refund.refund_no.clone(),
            provider_refund_id: recorded.refund_id,
            succeeded: recorded.state == "SUCCESS",
            amount: recorded.amount,
        }))
    }

    async fn query_refund(&self, refund_no: &RefundNo) -> Result<RefundState, ProviderError> {
        Ok(
            match sandbox_refunds::get(self.store.conn(), refund_no.as_str())
                .await
                .map_err(unavailable)?
            {
                Some(r) => RefundState::Settled(RefundReport {
                    refund_no: refund_no.clone(),
                    provider_refund_id: r.refund_id,
                    succeeded: r.state == "SUCCESS",
                    amount: r.amount,
                }),
                None => RefundState::Unknown,
            },
        )
    }

    /// The sandbox's own ledger of the day is its bill.
    async fn bill(&self, day: time::Date) -> Result<(Vec<BillLine>, String), ProviderError> {
        let (from, to) = super::china_day_bounds(day);
        let trades = ledger::paid_between(self.store.conn(), from, to)
            .await
            .map_err(unavailable)?;
        let lines: Vec<BillLine> = trades
            .into_iter()
            .filter_map(|t| {
                Some(BillLine {
                    transaction_id: t.transaction_id?,
                    paid_at: t.success_time?,
                    merchant_no: t.merchant_no,
                    amount: t.amount,
                })
            })
            .collect();
        let file = lines
            .iter()
            .map(|l| {
                format!(
                    "{},{},{},{}\n",
                    l.paid_at.unix_timestamp(),
                    l.transaction_id,
                    l.merchant_no,
                    l.amount.0
                )
            })
            .collect::<String>();
        Ok((lines, secrets::sha256_hex(&file)))
    }

    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Reported, NotificationRefused> {
        let (Some(timestamp), Some(nonce), Some(signature)) = (
            header(headers, TIMESTAMP_HEADER),
            header(headers, NONCE_HEADER),
            header(headers, SIGNATURE_HEADER),
        ) else {
            return Err(NotificationRefused::MissingHeaders);
        };
        let sent = timestamp
            .parse::<i64>()
            .ok()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or(NotificationRefused::Stale)?;
        if (now - sent).abs() > NOTIFICATION_MAX_AGE {
            return Err(NotificationRefused::Stale);
        }
        let expected = STANDARD.encode(self.key.mac_bytes(&Self::message(timestamp, nonce, body)));
        if !secrets::constant_time_eq(&expected, signature) {
            return Err(NotificationRefused::BadSignature);
        }
        // Verified: only now is the body read.
        let notification: Notification =
            serde_json::from_slice(body).map_err(|_| NotificationRefused::Malformed)?;
        let resource = notification.resource;
        if notification.event_type != "TRANSACTION.SUCCESS" || resource.trade_state != "SUCCESS" {
            return Ok(Reported::Nothing);
        }
        let merchant_no =
            MerchantOrderNo::parse(&resource.out_trade_no).ok_or(NotificationRefused::Malformed)?;
        let paid_at = OffsetDateTime::parse(&resource.success_time, &Rfc3339)
            .map_err(|_| NotificationRefused::Malformed)?;
        if resource.amount.currency != "CNY" {
            return Err(NotificationRefused::Malformed);
        }
        Ok(Reported::Payment(PaymentReport {
            merchant_no,
            transaction_id: resource.transaction_id,
            amount: Fen(resource.amount.total),
            paid_at,
            merchant_matches: resource.mchid == MERCHANT_ID,
        }))
    }
}
