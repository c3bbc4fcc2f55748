//! WeChat Pay's JSON: transactions, refunds and notifications as they come on the wire,
//! and what each means to us.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use examreg_domain::money::Fen;
use examreg_domain::payment::{MerchantOrderNo, PaymentReport, RefundNo, RefundReport};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::payments::{NotificationRefused, ProviderError, RefundState};

/// The payment part of a transaction (`/v3/pay/transactions/…` answer, or a decrypted
/// notification resource).
#[derive(Debug, Deserialize)]
pub(super) struct Transaction {
    pub(super) mchid: String,
    pub(super) out_trade_no: String,
    pub(super) trade_state: String,
    #[serde(default)]
    pub(super) transaction_id: Option<String>,
    #[serde(default)]
    pub(super) success_time: Option<String>,
    #[serde(default)]
    pub(super) amount: Option<TransactionAmount>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TransactionAmount {
    pub(super) total: u32,
    #[serde(default)]
    pub(super) currency: Option<String>,
}

impl Transaction {
    /// The payment it reports, if it is a successful one (of another merchant's account
    /// too: settling flags that).
    pub(super) fn report(self, mchid: &str) -> Result<Option<PaymentReport>, NotificationRefused> {
        if self.trade_state != "SUCCESS" {
            return Ok(None);
        }
        let merchant_no =
            MerchantOrderNo::parse(&self.out_trade_no).ok_or(NotificationRefused::Malformed)?;
        let (Some(transaction_id), Some(success_time), Some(amount)) =
            (self.transaction_id, self.success_time, self.amount)
        else {
            return Err(NotificationRefused::Malformed);
        };
        if amount.currency.as_deref().is_some_and(|c| c != "CNY") {
            return Err(NotificationRefused::Malformed);
        }
        let paid_at = OffsetDateTime::parse(&success_time, &Rfc3339)
            .map_err(|_| NotificationRefused::Malformed)?;
        Ok(Some(PaymentReport {
            merchant_no,
            transaction_id,
            amount: Fen(amount.total),
            paid_at,
            merchant_matches: self.mchid == mchid,
        }))
    }
}

/// A refund (`/v3/refund/domestic/refunds` answer, or a decrypted notification resource:
/// there the status is `refund_status`).
#[derive(Debug, Deserialize)]
pub(super) struct RefundAnswer {
    #[serde(default)]
    pub(super) mchid: Option<String>,
    pub(super) out_refund_no: String,
    pub(super) refund_id: String,
    #[serde(alias = "refund_status")]
    pub(super) status: String,
    pub(super) amount: RefundAmount,
}

#[derive(Debug, Deserialize)]
pub(super) struct RefundAmount {
    pub(super) refund: u32,
}

impl RefundAnswer {
    pub(super) fn state(self, mchid: &str) -> Result<RefundState, NotificationRefused> {
        if self.mchid.as_deref().is_some_and(|m| m != mchid) {
            return Err(NotificationRefused::OtherMerchant);
        }
        let refund_no =
            RefundNo::parse(&self.out_refund_no).ok_or(NotificationRefused::Malformed)?;
        let settled = |succeeded| {
            RefundState::Settled(RefundReport {
                refund_no: refund_no.clone(),
                provider_refund_id: self.refund_id.clone(),
                succeeded,
                amount: Fen(self.amount.refund),
            })
        };
        Ok(match self.status.as_str() {
            "SUCCESS" => settled(true),
            "CLOSED" | "ABNORMAL" => settled(false),
            _ => RefundState::Processing,
        })
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Notification {
    pub(super) event_type: String,
    pub(super) resource: EncryptedResource,
}

#[derive(Debug, Deserialize)]
pub(super) struct EncryptedResource {
    pub(super) algorithm: String,
    pub(super) ciphertext: String,
    #[serde(default)]
    pub(super) associated_data: String,
    pub(super) nonce: String,
}

/// Decrypts a notification resource (AEAD_AES_256_GCM under the APIv3 key).
pub fn decrypt_resource(
    key: &[u8; 32],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Option<Vec<u8>> {
    let nonce: [u8; 12] = nonce.as_bytes().try_into().ok()?;
    let ciphertext = STANDARD.decode(ciphertext_b64).ok()?;
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key))
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: associated_data.as_bytes(),
            },
        )
        .ok()
}

pub(super) fn refund_state(bytes: &[u8], mchid: &str) -> Result<RefundState, ProviderError> {
    let answer: RefundAnswer = serde_json::from_slice(bytes)
        .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay refund unreadable: {e}")))?;
    answer
        .state(mchid)
        .map_err(|e| ProviderError::Unavailable(format!("WeChat Pay refund unreadable: {e}")))
}
