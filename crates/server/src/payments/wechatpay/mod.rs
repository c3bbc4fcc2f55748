//! WeChat Pay API v3 (直连商户): Native payment (a QR code of `code_url`) on a desktop, H5
//! payment on a phone, order query, close; notifications verified with the WeChat Pay
//! public key and their resource decrypted with AEAD_AES_256_GCM.
//!
//! Wire format (pay.weixin.qq.com, API v3):
//! - every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",
//!   nonce_str="…",signature="…",timestamp="…",serial_no="…"`, the signature being
//!   SHA256-RSA (PKCS#1 v1.5) with the merchant key over
//!   `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`;
//! - every response and notification carries `Wechatpay-Timestamp`, `-Nonce`,
//!   `-Signature` and `-Serial`, the signature over `TIMESTAMP\nNONCE\nBODY\n` with the
//!   WeChat Pay key named by the serial; it is verified before the body is read;
//! - errors are a status with `{"code": "…", "message": "…"}`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context;
use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use examreg_domain::Clock;
use examreg_domain::payment::{BillLine, MerchantOrderNo, Order, ProviderKind, Refund, RefundNo};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{
    Checkout, Device, NOTIFICATION_MAX_AGE, NotificationRefused, PaymentProvider, ProviderError,
    RefundState, Reported, TradeState,
};
use crate::config::WechatPayConfig;
use crate::format::rfc3339;
use crate::secrets;

mod bill;
mod wire;

pub use bill::parse_trade_bill;
pub use wire::decrypt_resource;
use wire::{Notification, RefundAnswer, Transaction, refund_state};

pub const TIMESTAMP_HEADER: &str = "wechatpay-timestamp";
pub const NONCE_HEADER: &str = "wechatpay-nonce";
pub const SIGNATURE_HEADER: &str = "wechatpay-signature";
pub const SERIAL_HEADER: &str = "wechatpay-serial";
/// WeChat Pay's probe signatures (sent to check that merchants verify): never valid.
const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The merchant's side of WeChat Pay API v3.
#[derive(Clone)]
pub struct WechatPay {
    http: reqwest::Client,
    base_url: String,
    mchid: String,
    appid: String,
    merchant_serial_no: String,
    signing_key: Arc<SigningKey<Sha256>>,
    public_key_id: String,
    verifying_key: Arc<VerifyingKey<Sha256>>,
    api_v3_key: Arc<[u8; 32]>,
    notify_url: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPay")
            .field("base_url", &self.base_url)
            .field("mchid", &self.mchid)
            .field("public_key_id", &self.public_key_id)
            .finish_non_exhaustive()
    }
}

fn read_pem(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} {}", path.display()))
}

/// A merchant private key in PKCS#8 (`BEGIN PRIVATE KEY`, what WeChat Pay issues) or
/// PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
pub fn private_key_from_pem(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| anyhow::anyhow!("not an RSA private key: {e}"))
}

impl WechatPay {
    pub fn from_config(config: &WechatPayConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let private_key = private_key_from_pem(&read_pem(
            &config.merchant_private_key_file,
            "merchant private key (merchant_private_key_file)",
        )?)
        .with_context(|| format!("{}", config.merchant_private_key_file.display()))?;
        let public_key = RsaPublicKey::from_public_key_pem(&read_pem(
            &config.public_key_file,
            "WeChat Pay public key (public_key_file)",
        )?)
        .with_context(|| {
            format!(
                "{} is not an RSA public key",
                config.public_key_file.display()
            )
        })?;
        let api_v3_key: [u8; 32] = config
            .api_v3_key
            .expose_secret()
            .as_bytes()
            .try_into()
            .map_err(|_| anyhow::anyhow!("payments.wechatpay.api_v3_key must be 32 characters"))?;
        examreg_store::files::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(StdDuration::from_secs(config.timeout_secs.max(1)))
            .connect_timeout(StdDuration::from_secs(config.timeout_secs.clamp(1, 5)))
            .user_agent(concat!("examreg/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client for WeChat Pay")?;
        Ok(WechatPay {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            mchid: config.mchid.clone(),
            appid: config.appid.clone(),
            merchant_serial_no: config.merchant_serial_no.clone(),
            signing_key: Arc::new(SigningKey::<Sha256>::new(private_key)),
            public_key_id: config.public_key_id.clone(),
            verifying_key: Arc::new(VerifyingKey::<Sha256>::new(public_key)),
            api_v3_key: Arc::new(api_v3_key),
            notify_url: config.notify_url.clone(),
            clock,
        })
    }

    /// The `Authorization` header of a request.
    fn authorization(&self, method: &str, path: &str, body: &str) -> String {
        let timestamp = self.clock.now().unix_timestamp().to_string();
        let nonce = secrets::random_token();
        let message = format!("{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n");
        let signature = STANDARD.encode(self.signing_key.sign(message.as_bytes()).to_bytes());
        format!(
            r#"WECHATPAY2-SHA256-RSA2048 mchid="{}",nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",serial_no="{}""#,
            self.mchid, self.merchant_serial_no
        )
    }

    /// Verifies the WeChat Pay signature of a response or a notification.
    fn verify_signed(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), NotificationRefused> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(timestamp), Some(nonce), Some(signature), Some(serial)) = (
            header(TIMESTAMP_HEADER),
            header(NONCE_HEADER),
            header(SIGNATURE_HEADER),
            header(SERIAL_HEADER),
        ) else {
            return Err(NotificationRefused::MissingHeaders);
        };
        if serial != self.public_key_id || signature.starts_with(PROBE_PREFIX) {
            return Err(NotificationRefused::BadSignature);
        }
        let sent = timestamp
            .parse::<i64>()
            .ok()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or(NotificationRefused::Stale)?;
        if (self.clock.now() - sent).abs() > NOTIFICATION_MAX_AGE {
            return Err(NotificationRefused::Stale);
        }
        let signature = STANDARD
            .decode(signature)
            .ok()
            .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
            .ok_or(NotificationRefused::BadSignature)?;
        let mut message = Vec::with_capacity(body.len() + 64);
        message.extend_from_slice(timestamp.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(nonce.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(body);
        message.push(b'\n');
        self.verifying_key
            .verify(&message, &signature)
            .map_err(|_| NotificationRefused::BadSignature)
    }

    /// One signed call; the answer's status and verified body.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), ProviderError> {
        let text = body.map(Value::to_string).unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .header(
                "Authorization",
                self.authorization(method.as_str(), path, &text),
            )
            .header("Accept", "application/json");
        if body.is_some() {
            request = request
                .header("Content-Type", "application/json")
                .body(text);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay unreachable: {e}")))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay answer cut: {e}")))?
            .to_vec();
        // A gateway error page is not signed; anything WeChat Pay answered is.
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(ProviderError::Unavailable(format!(
                "WeChat Pay answered {status}: {}",
                error_code(&bytes)
            )));
        }
        self.verify_signed(&headers, &bytes).map_err(|e| {
            ProviderError::Unavailable(format!("WeChat Pay answer not verified: {e}"))
        })?;
        Ok((status, bytes))
    }

    fn payer_return_url(&self, order: &Order) -> Option<String> {
        // H5: back to our 缴费 page on the host notifications go to.
        let (scheme, rest) = self.notify_url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!(
            "{scheme}://{host}{}",
            crate::web::urls::PAYMENT_RETURN.replace("{order}", order.merchant_no.as_str())
        ))
    }
}

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "no error code".to_owned())
}

fn refused_by(status: reqwest::StatusCode, body: &[u8]) -> ProviderError {
    ProviderError::Unavailable(format!(
        "WeChat Pay refused ({status}): {}",
        error_code(body)
    ))
}

impl PaymentProvider for WechatPay {
    fn kind(&self) -> ProviderKind {
        ProviderKind::WechatPay
    }

    async fn create(
        &self,
        order: &Order,
        description: &str,
        device: Device,
        _now: OffsetDateTime,
    ) -> Result<Checkout, ProviderError> {
        let mut body = json!({
            "appid": self.appid,
            "mchid": self.mchid,
            "description": description,
            "out_trade_no": order.merchant_no.as_str(),
            "time_expire": rfc3339(order.expires_at),
            "notify_url": self.notify_url,
            "amount": { "total": order.amount().0, "currency": "CNY" },
        });
        let path = match device {
            Device::Desktop => "/v3/pay/transactions/native",
            Device::Phone { ip } => {
                body["scene_info"] = json!({
                    "payer_client_ip": ip.to_string(),
                    "h5_info": { "type": "Wap" },
                });
                "/v3/pay/transactions/h5"
            }
        };
        let (status, bytes) = self.call(reqwest::Method::POST, path, Some(&body)).await?;
        if !status.is_success() {
            return Err(refused_by(status, &bytes));
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::Unavailable(format!("WeChat Pay answer unreadable: {e}"))
        })?;
        let url = |name: &str| {
            answer
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ProviderError::Unavailable(format!("WeChat Pay answer without {name}"))
                })
        };
        match device {
            Device::Desktop => Ok(Checkout::QrCode(url("code_url")?)),
            Device::Phone { .. } => {
                let mut h5 = url("h5_url")?;
                if let Some(back) = self.payer_return_url(order) {
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
                    h5.push_str(&format!("&redirect_url={encoded}"));
                }
                Ok(Checkout::Redirect(h5))
            }
        }
    }

    async fn query(&self, merchant_no: &MerchantOrderNo) -> Result<TradeState, ProviderError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            merchant_no.as_str(),
            self.mchid
        );
        let (status, bytes) = self.call(reqwest::Method::GET, &path, None).await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(TradeState::Unknown);
        }
        if !status.is_success() {
            return Err(refused_by(status, &bytes));
        }
        let transaction: Transaction = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::Unavailable(format!("WeChat Pay answer unreadable: {e}"))
        })?;
        let state = transaction.trade_state.clone();
        match transaction.report(&self.mchid) {
            Ok(Some(report)) => Ok(TradeState::Paid(report)),
            Ok(None) if state == "CLOSED" || state == "REVOKED" => Ok(TradeState::Closed),
            // REFUND: paid, then refunded; the refund flow owns it.
            Ok(None) => Ok(TradeState::NotPaid),
            Err(e) => Err(ProviderError::Unavailable(format!(
                "WeChat Pay transaction unreadable: {e}"
            ))),
        }
    }

    async fn close(
        &self,
        merchant_no: &MerchantOrderNo,
        _now: OffsetDateTime,
    ) -> Result<(), ProviderError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            merchant_no.as_str()
        );
        let body = json!({ "mchid": self.mchid });
        let (status, bytes) = self.call(reqwest::Method::POST, &path, Some(&body)).await?;
        if status.is_success() {
            return Ok(());
        }
        // Refused: paid meanwhile, closed already, or never made. Ask which.
        match self.query(merchant_no).await? {
            TradeState::Paid(_) => Err(ProviderError::AlreadyPaid),
            TradeState::Closed | TradeState::Unknown => Ok(()),
            TradeState::NotPaid => Err(refused_by(status, &bytes)),
        }
    }

    async fn refund(
        &self,
        order: &Order,
        refund: &Refund,
        _now: OffsetDateTime,
    ) -> Result<RefundState, ProviderError> {
        let body = json!({
            "out_trade_no": order.merchant_no.as_str(),
            "out_refund_no": refund.refund_no.as_str(),
            "reason": refund.reason,
            "notify_url": self.notify_url,
            "amount": {
                "refund": refund.amount.0,
                "total": order.paid.as_ref().map_or(order.amount().0, |p| p.amount.0),
                "currency": "CNY",
            },
        });
        let (status, bytes) = self
            .call(
                reqwest::Method::POST,
                "/v3/refund/domestic/refunds",
                Some(&body),
            )
            .await?;
        if !status.is_success() {
            return Err(refused_by(status, &bytes));
        }
        refund_state(&bytes, &self.mchid)
    }

    async fn query_refund(&self, refund_no: &RefundNo) -> Result<RefundState, ProviderError> {
        let path = format!("/v3/refund/domestic/refunds/{}", refund_no.as_str());
        let (status, bytes) = self.call(reqwest::Method::GET, &path, None).await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(RefundState::Unknown);
        }
        if !status.is_success() {
            return Err(refused_by(status, &bytes));
        }
        refund_state(&bytes, &self.mchid)
    }

    /// `GET /v3/bill/tradebill` (successful payments), then the file from its
    /// `download_url`, checked against the SHA1 it names.
    async fn bill(&self, day: time::Date) -> Result<(Vec<BillLine>, String), ProviderError> {
        let path = format!(
            "/v3/bill/tradebill?bill_date={:04}-{:02}-{:02}&bill_type=SUCCESS",
            day.year(),
            u8::from(day.month()),
            day.day()
        );
        let (status, bytes) = self.call(reqwest::Method::GET, &path, None).await?;
        if status == reqwest::StatusCode::BAD_REQUEST && error_code(&bytes) == "NO_STATEMENT_EXIST"
        {
            return Ok((Vec::new(), secrets::sha256_hex("")));
        }
        if !status.is_success() {
            return Err(refused_by(status, &bytes));
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::Unavailable(format!("WeChat Pay bill answer unreadable: {e}"))
        })?;
        let field = |name: &str| answer.get(name).and_then(Value::as_str).unwrap_or_default();
        let url = field("download_url");
        let path_and_query = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .ok_or_else(|| {
                ProviderError::Unavailable("WeChat Pay bill without download_url".into())
            })?;
        // The download is signed like any request; the file itself is checked by its hash.
        let response = self
            .http
            .get(url)
            .header(
                "Authorization",
                self.authorization("GET", path_and_query, ""),
            )
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay bill download: {e}")))?;
        if !response.status().is_success() {
            return Err(ProviderError::Unavailable(format!(
                "WeChat Pay bill download answered {}",
                response.status()
            )));
        }
        let file = response.bytes().await.map_err(|e| {
            ProviderError::Unavailable(format!("WeChat Pay bill download cut: {e}"))
        })?;
        use sha1::Digest as _;
        let sha1: String = sha1::Sha1::digest(&file)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if field("hash_type") != "SHA1" || !sha1.eq_ignore_ascii_case(field("hash_value")) {
            return Err(ProviderError::Unavailable(
                "WeChat Pay bill does not match its hash".into(),
            ));
        }
        let text = String::from_utf8_lossy(&file);
        let lines = parse_trade_bill(&text)
            .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay bill unreadable: {e}")))?;
        Ok((lines, secrets::sha256_hex(&text)))
    }

    fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        _now: OffsetDateTime,
    ) -> Result<Reported, NotificationRefused> {
        self.verify_signed(headers, body)?;
        // Verified: only now is the body read.
        let notification: Notification =
            serde_json::from_slice(body).map_err(|_| NotificationRefused::Malformed)?;
        let refund = matches!(
            notification.event_type.as_str(),
            "REFUND.SUCCESS" | "REFUND.ABNORMAL" | "REFUND.CLOSED"
        );
        if notification.event_type != "TRANSACTION.SUCCESS" && !refund {
            return Ok(Reported::Nothing);
        }
        let resource = notification.resource;
        if resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(NotificationRefused::Malformed);
        }
        let plain = decrypt_resource(
            &self.api_v3_key,
            &resource.nonce,
            &resource.associated_data,
            &resource.ciphertext,
        )
        .ok_or(NotificationRefused::Malformed)?;
        if refund {
            let answer: RefundAnswer =
                serde_json::from_slice(&plain).map_err(|_| NotificationRefused::Malformed)?;
            return match answer.state(&self.mchid)? {
                RefundState::Settled(report) => Ok(Reported::Refund(report)),
                _ => Ok(Reported::Nothing),
            };
        }
        let transaction: Transaction =
            serde_json::from_slice(&plain).map_err(|_| NotificationRefused::Malformed)?;
        Ok(transaction
            .report(&self.mchid)?
            .map_or(Reported::Nothing, Reported::Payment))
    }
}
