//! 缴费 in the JSON API: the breakdown and the orders, 去支付, and the providers'
//! notifications.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header::USER_AGENT};
use axum::response::{IntoResponse, Response};
use examreg_domain::payment::Order;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiErrorEnvelope;
use crate::payments::{Checkout, Device};
use crate::services::payments::callback;
use crate::services::payments::checkout::{self, PaymentScreen};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::{ClientIp, CurrentCandidate};
use crate::web::wording::{self, Attempt};

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeLineDto {
    #[schema(example = "basic_knowledge")]
    pub subject: &'static str,
    #[schema(example = "基础知识")]
    pub label: &'static str,
    #[schema(example = 5000)]
    pub unit_fen: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    /// 商户订单号.
    #[schema(example = "ER2502070K3M9Q2W7YH4T1V8B6N5C0XR")]
    pub order_no: String,
    /// `sandbox` or `wechatpay`.
    pub provider: &'static str,
    /// `open`, `paid`, `closed` or `refunded`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub amount_fen: u32,
    #[schema(example = "2025-02-10T10:00:00+08:00")]
    pub created_at: String,
    pub expires_at: String,
    pub paid_at: Option<String>,
    /// The provider's transaction id, once paid.
    pub transaction_id: Option<String>,
    /// What finance must look at (refund due, a report that did not match), in Chinese.
    pub flag: Option<String>,
}

impl OrderDto {
    fn of(order: &Order) -> OrderDto {
        OrderDto {
            order_no: order.merchant_no.to_string(),
            provider: order.provider.key(),
            status: order.status.key(),
            status_label: order.status.label(),
            amount_fen: order.amount().0,
            created_at: crate::format::rfc3339(order.created_at),
            expires_at: crate::format::rfc3339(order.expires_at),
            paid_at: order
                .paid
                .as_ref()
                .map(|p| crate::format::rfc3339(p.paid_at)),
            transaction_id: order.paid.as_ref().map(|p| p.transaction_id.clone()),
            flag: order.flag.map(|f| f.label()),
        }
    }
}

/// What a registration costs and how its payment stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub registration_no: String,
    /// The registration's status (`paid` once paid).
    pub status: &'static str,
    /// 科目 × 单价.
    pub fees: Vec<FeeLineDto>,
    pub total_fen: u32,
    /// Whether 去支付 is open now.
    pub can_pay: bool,
    /// Why not, in Chinese (absent when it can).
    pub refusal: Option<String>,
    #[schema(example = "2025-02-17T00:00:00+08:00")]
    pub payment_closes: String,
    /// Newest first.
    pub orders: Vec<OrderDto>,
}

fn payment_dto(screen: &PaymentScreen) -> PaymentDto {
    let (fees, total_fen) = match &screen.fees {
        Some(fees) => (
            fees.lines
                .iter()
                .map(|l| FeeLineDto {
                    subject: examreg_domain::vocab::Vocabulary::key(l.subject),
                    label: examreg_domain::vocab::Vocabulary::label(l.subject),
                    unit_fen: l.unit.0,
                })
                .collect(),
            fees.total.0,
        ),
        None => (Vec::new(), 0),
    };
    PaymentDto {
        registration_no: screen.registration.no.to_string(),
        status: screen.registration.status.key(),
        fees,
        total_fen,
        can_pay: screen.may_pay.is_ok(),
        refusal: screen
            .may_pay
            .as_ref()
            .err()
            .map(|r| wording::refusal(r, Attempt::Pay)),
        payment_closes: crate::format::rfc3339(screen.exam.calendar.payment.closes),
        orders: screen.orders.iter().map(OrderDto::of).collect(),
    }
}

/// The registration's fees, whether it can be paid now, and its orders.
#[utoipa::path(get, path = "/registrations/{no}/payment", tag = "payments",
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, body = PaymentDto),
        (status = 404, body = ApiErrorEnvelope),
    ))]
pub async fn get_payment(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Json<PaymentDto>, AppError> {
    let screen = checkout::screen(&app, candidate.id, &no).await?;
    Ok(Json(payment_dto(&screen)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutDto {
    pub order: OrderDto,
    /// `redirect` (open `url`) or `qr_code` (draw `url` as a QR code and scan it).
    pub kind: &'static str,
    pub url: String,
}

/// 去支付: the open order (the same one when asked again while it is payable) and where
/// to pay it.
#[utoipa::path(post, path = "/registrations/{no}/payment", tag = "payments",
    params(("no" = String, Path, description = "网报号")),
    responses(
        (status = 200, body = CheckoutDto),
        (status = 404, body = ApiErrorEnvelope),
        (status = 409, description = "Not qualified, results not published, or outside the payment window (`not_payable`, `payment_closed`)", body = ApiErrorEnvelope),
        (status = 503, description = "The payment provider cannot be reached; nothing changed", body = ApiErrorEnvelope),
    ))]
pub async fn post_payment(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<Json<CheckoutDto>, AppError> {
    let device = Device::of(headers.get(USER_AGENT).and_then(|v| v.to_str().ok()), ip);
    let (order, checkout) = checkout::checkout(&app, candidate.id, &no, device).await?;
    let (kind, url) = match checkout {
        Checkout::Redirect(url) => ("redirect", url),
        Checkout::QrCode(url) => ("qr_code", url),
    };
    Ok(Json(CheckoutDto {
        order: OrderDto::of(&order),
        kind,
        url,
    }))
}

/// A payment provider's notification (outside callers: `sandbox`; WeChat Pay to come).
/// Verified before it is read; the same notification twice is one change, answered 204
/// both times.
#[utoipa::path(post, path = "/payments/{provider}/notify", tag = "payments",
    params(("provider" = String, Path, description = "`sandbox`")),
    responses(
        (status = 204, description = "Received (and settled, or recorded before)"),
        (status = 401, description = "Signature missing, stale or wrong: nothing changed", body = ApiErrorEnvelope),
        (status = 404, description = "Not this deployment's provider", body = ApiErrorEnvelope),
    ))]
pub async fn notify(
    State(app): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    callback::receive(&app, &provider, &headers, &body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
