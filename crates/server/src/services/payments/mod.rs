//! 缴费: the candidate's order and checkout, the provider's notifications, and settling a
//! reported payment — the same way whether it came by notification, by the candidate's
//! 我已支付, by the query job or by the deadline job.

pub mod callback;
pub mod cashier;
pub mod checkout;
pub mod reconciliation;
pub mod refunds;
pub mod settle;

use examreg_domain::exam::{ExamDefinition, FeeBreakdown};
use examreg_domain::registration::{Refusal, Registration};
use examreg_store::StoreError;

use crate::payments::ProviderError;
use crate::services::registrations::AccessError;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("not found")]
    NotFound,
    /// Not qualified, not published yet, outside the payment window.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The provider could not be reached or answered an error: nothing changed.
    #[error("payment provider unavailable: {0}")]
    ProviderUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AccessError> for PaymentError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => PaymentError::NotFound,
            AccessError::Store(e) => PaymentError::Store(e),
        }
    }
}

impl From<ProviderError> for PaymentError {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::Store(e) => PaymentError::Store(e),
            other => PaymentError::ProviderUnavailable(other.to_string()),
        }
    }
}

/// The registration an order pays for, and its exam.
pub(crate) async fn registration_of(
    app: &AppState,
    order: &examreg_domain::payment::Order,
) -> Result<(Registration, ExamDefinition), StoreError> {
    let registration =
        examreg_store::registrations::find_by_id(app.store.conn(), order.registration_id)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("order {} without registration", order.merchant_no))
            })?;
    let exam = app
        .exams
        .get(&registration.exam_id)
        .ok_or_else(|| StoreError::Corrupt(format!("exam {} not loaded", registration.exam_id)))?
        .clone();
    Ok((registration, exam))
}

/// What `record` costs: its registered subjects at its level's price. `None` before the
/// 报考信息 section is saved.
pub fn fees_of(exam: &ExamDefinition, record: &Registration) -> Option<FeeBreakdown> {
    let section = record.sections.exam.as_ref()?;
    Some(exam.fees.breakdown(section.level, &section.subjects))
}

/// The order description providers show the payer (WeChat Pay `description`, ≤ 127 bytes).
pub fn description(exam: &ExamDefinition, record: &Registration) -> String {
    let mut text = format!("{} 报名费 {}", exam.title, record.no);
    while text.len() > 127 {
        text.pop();
    }
    text
}
