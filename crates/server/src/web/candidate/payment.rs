//! 缴费: the breakdown and 去支付, 我已支付, the receipt — and the sandbox provider's
//! cashier, which stands in for the provider's own page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::payment::{Order, OrderStatus, Refund, RefundStatus};
use examreg_domain::registration::Status;
use examreg_domain::vocab::Vocabulary;
use serde::Deserialize;

use super::registration::{EmptyForm, StepView, steps_of};
use crate::payments::sandbox::CashierChoice;
use crate::payments::{Checkout, Device, TradeState};
use crate::services::payments::checkout::{self, PaymentScreen};
use crate::services::payments::{PaymentError, cashier};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::{ClientIp, CurrentCandidate, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;
use crate::web::wording::{self, Attempt};

fn html(template: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    Ok((
        status,
        Html(template.render().map_err(anyhow::Error::from)?),
    )
        .into_response())
}

struct FeeRow {
    subject: &'static str,
    unit: String,
}

struct OrderRow {
    no: String,
    status: &'static str,
    amount: String,
    created: String,
    note: String,
}

fn order_row(order: &Order, refunds: &[Refund]) -> OrderRow {
    let refunded: Vec<String> = refunds
        .iter()
        .filter(|r| r.order_id == order.id && r.status != RefundStatus::Failed)
        .map(|r| format!("{} {}（{}）", r.status.label(), r.amount, r.reason))
        .collect();
    let mut row = order_row_alone(order);
    if !refunded.is_empty() {
        row.note = refunded.join("；");
    }
    row
}

fn order_row_alone(order: &Order) -> OrderRow {
    OrderRow {
        no: order.merchant_no.to_string(),
        status: order.status.label(),
        amount: order.amount().to_string(),
        created: crate::format::date_time(order.created_at),
        note: match (order.status, order.flag) {
            (_, Some(flag)) => flag.label(),
            (OrderStatus::Open, None) => format!(
                "请于 {} 前完成支付",
                crate::format::date_time(order.expires_at)
            ),
            (OrderStatus::Paid, None) => order
                .paid
                .as_ref()
                .map(|p| format!("{} 支付成功", crate::format::date_time(p.paid_at)))
                .unwrap_or_default(),
            _ => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "candidate/payment.html")]
struct PaymentPage {
    chrome: Chrome,
    errors: FormErrors,
    steps: Vec<StepView>,
    no: String,
    exam_title: String,
    status_label: &'static str,
    paid: bool,
    fees: Vec<FeeRow>,
    total: String,
    can_pay: bool,
    refusal: String,
    closes: String,
    pay_action: String,
    check_action: String,
    /// An order is open: 我已支付 can ask about it.
    open_order: bool,
    receipt_href: String,
    back: String,
    orders: Vec<OrderRow>,
    /// What 我已支付 found, or what the cashier returned with.
    notice: String,
    api: String,
    /// WeChat Pay Native: the code to scan.
    qr: Option<QrView>,
    /// WeChat Pay H5: the page to open in WeChat.
    h5: Option<H5View>,
}

struct H5View {
    url: String,
    amount: String,
}

struct QrView {
    /// Drawn by us (`documents::qr`); markup, not text.
    svg: String,
    order: String,
    amount: String,
    expires: String,
}

#[derive(Debug, Deserialize)]
pub struct PaymentQuery {
    checked: Option<String>,
}

async fn payment_page(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: &CurrentCandidate,
    no: &str,
    errors: FormErrors,
    notice: String,
) -> Result<PaymentPage, AppError> {
    let screen = checkout::screen(app, candidate.id, no).await?;
    Ok(page_of(
        app,
        super::candidate_chrome(app, csrf, candidate.id).await?,
        &screen,
        errors,
        notice,
    ))
}

fn page_of(
    app: &AppState,
    chrome: Chrome,
    screen: &PaymentScreen,
    errors: FormErrors,
    notice: String,
) -> PaymentPage {
    let record = &screen.registration;
    let no = record.no.to_string();
    let (fees, total) = match &screen.fees {
        Some(fees) => (
            fees.lines
                .iter()
                .map(|l| FeeRow {
                    subject: l.subject.label(),
                    unit: l.unit.to_string(),
                })
                .collect(),
            fees.total.to_string(),
        ),
        None => (Vec::new(), String::new()),
    };
    PaymentPage {
        chrome,
        errors,
        steps: steps_of(app, record, &screen.exam),
        exam_title: screen.exam.title.clone(),
        status_label: record.status.label(),
        paid: record.status == Status::Paid,
        fees,
        total,
        can_pay: screen.may_pay.is_ok(),
        refusal: screen
            .may_pay
            .as_ref()
            .err()
            .map(|r| wording::refusal(r, Attempt::Pay))
            .unwrap_or_default(),
        closes: crate::format::date_time(screen.exam.calendar.payment.closes),
        pay_action: urls::registration_payment(&no),
        check_action: urls::registration_payment_check(&no),
        open_order: screen.open_order().is_some(),
        receipt_href: urls::registration_receipt(&no),
        back: urls::registration(&no),
        orders: screen
            .orders
            .iter()
            .map(|o| order_row(o, &screen.refunds))
            .collect(),
        notice,
        api: urls::api_registration_payment(&no),
        qr: None,
        h5: None,
        no,
    }
}

pub async fn page(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Query(query): Query<PaymentQuery>,
) -> Result<Response, AppError> {
    let notice = match query.checked.as_deref() {
        Some("paid") => "支付成功，缴费已完成。".to_owned(),
        Some("unpaid") => {
            "支付平台尚未收到您的付款。如您已付款，请稍后再次点击“我已支付”查询；请勿重复支付。"
                .to_owned()
        }
        Some("none") => "没有待支付的订单。".to_owned(),
        _ => String::new(),
    };
    let page = payment_page(&app, &csrf, &candidate, &no, FormErrors::default(), notice).await?;
    html(&page, StatusCode::OK)
}

/// 去支付: to the provider's page (the sandbox cashier, WeChat Pay H5).
pub async fn pay(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    let device = Device::of(headers.get(USER_AGENT).and_then(|v| v.to_str().ok()), ip);
    match checkout::checkout(&app, candidate.id, &no, device).await {
        // Our own pages (the sandbox cashier) by redirect.
        Ok((_, Checkout::Redirect(url))) if url.starts_with('/') => {
            Ok(Redirect::to(&url).into_response())
        }
        // Another origin (WeChat Pay H5): a link to follow, since `form-action 'self'`
        // forbids a form submission that redirects away.
        Ok((order, Checkout::Redirect(url))) => {
            let mut page = payment_page(
                &app,
                &csrf,
                &candidate,
                &no,
                FormErrors::default(),
                String::new(),
            )
            .await?;
            page.h5 = Some(H5View {
                url,
                amount: order.amount().to_string(),
            });
            html(&page, StatusCode::OK)
        }
        Ok((order, Checkout::QrCode(code_url))) => {
            // WeChat Pay Native: the code is drawn here, never by an outside service.
            let mut page = payment_page(
                &app,
                &csrf,
                &candidate,
                &no,
                FormErrors::default(),
                String::new(),
            )
            .await?;
            page.qr = Some(QrView {
                svg: examreg_documents::qr::svg(&code_url, "微信支付二维码")
                    .map_err(anyhow::Error::from)?,
                order: order.merchant_no.to_string(),
                amount: order.amount().to_string(),
                expires: crate::format::date_time(order.expires_at),
            });
            html(&page, StatusCode::OK)
        }
        Err(err @ (PaymentError::Refused(_) | PaymentError::ProviderUnavailable(_))) => {
            let err = AppError::from(err);
            let (status, message) = match &err {
                AppError::Conflict { message, .. } => (StatusCode::CONFLICT, message.clone()),
                AppError::Upstream { message, .. } => {
                    (StatusCode::SERVICE_UNAVAILABLE, message.clone())
                }
                _ => return Err(err),
            };
            let page = payment_page(
                &app,
                &csrf,
                &candidate,
                &no,
                FormErrors::general(message),
                String::new(),
            )
            .await?;
            html(&page, status)
        }
        Err(other) => Err(other.into()),
    }
}

/// 我已支付: ask the provider now, then show the page again.
pub async fn check(
    State(app): State<AppState>,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
    Form(_): Form<EmptyForm>,
) -> Result<Response, AppError> {
    let found = match checkout::check(&app, candidate.id, &no).await? {
        Some(TradeState::Paid(_)) => "paid",
        Some(_) => "unpaid",
        None => "none",
    };
    Ok(Redirect::to(&format!(
        "{}?checked={found}",
        urls::registration_payment(&no)
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "candidate/receipt.html")]
struct ReceiptPage {
    chrome: Chrome,
    no: String,
    exam_title: String,
    order_no: String,
    transaction_id: String,
    paid_at: String,
    provider: &'static str,
    fees: Vec<FeeRow>,
    total: String,
    back: String,
}

pub async fn receipt(
    State(app): State<AppState>,
    csrf: CsrfToken,
    candidate: CurrentCandidate,
    Path(no): Path<String>,
) -> Result<Response, AppError> {
    let screen = checkout::screen(&app, candidate.id, &no).await?;
    let Some(order) = screen
        .receipt()
        .filter(|_| screen.registration.status == Status::Paid)
    else {
        return Err(AppError::NotFoundBecause {
            code: "not_paid",
            message: "尚未缴费，没有缴费凭证".into(),
        });
    };
    let paid = order.paid.as_ref();
    let page = ReceiptPage {
        chrome: super::candidate_chrome(&app, &csrf, candidate.id).await?,
        no: screen.registration.no.to_string(),
        exam_title: screen.exam.title.clone(),
        order_no: order.merchant_no.to_string(),
        transaction_id: paid.map(|p| p.transaction_id.clone()).unwrap_or_default(),
        paid_at: paid
            .map(|p| crate::format::date_time(p.paid_at))
            .unwrap_or_default(),
        provider: order.provider.label(),
        fees: order
            .fees
            .lines
            .iter()
            .map(|l| FeeRow {
                subject: l.subject.label(),
                unit: l.unit.to_string(),
            })
            .collect(),
        total: order.amount().to_string(),
        back: urls::registration_payment(&screen.registration.no.to_string()),
    };
    html(&page, StatusCode::OK)
}

// ----- the sandbox provider's cashier -----

#[derive(Template)]
#[template(path = "sandbox_cashier.html")]
struct CashierPage {
    chrome: Chrome,
    order_no: String,
    amount: String,
    description: String,
    payable: bool,
    state: &'static str,
    action: String,
}

pub async fn cashier(
    State(app): State<AppState>,
    csrf: CsrfToken,
    Path(order): Path<String>,
) -> Result<Response, AppError> {
    let view = cashier::view(&app, &order).await?;
    let page = CashierPage {
        chrome: Chrome {
            csrf: csrf.0,
            ..Chrome::default()
        },
        order_no: view.merchant_no.to_string(),
        amount: view.amount.to_string(),
        description: view.description,
        payable: matches!(view.state.as_str(), "NOTPAY" | "PAYERROR"),
        state: match view.state.as_str() {
            "NOTPAY" => "待支付",
            "PAYERROR" => "上次支付失败，可重新支付",
            "SUCCESS" => "已支付",
            "CLOSED" => "订单已关闭",
            _ => "未知",
        },
        action: urls::sandbox_cashier(&order),
    };
    html(&page, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct CashierForm {
    #[serde(default)]
    choice: String,
}

/// 支付成功 / 支付失败 / 放弃, then back to the 缴费 page as a provider's return URL does.
pub async fn cashier_choose(
    State(app): State<AppState>,
    Path(order): Path<String>,
    Form(form): Form<CashierForm>,
) -> Result<Response, AppError> {
    let choice = match form.choice.as_str() {
        "succeed" => Some(CashierChoice::Succeed),
        "fail" => Some(CashierChoice::Fail),
        "cancel" => None,
        _ => return Err(AppError::BadRequest("choice".into())),
    };
    let no = match choice {
        Some(choice) => cashier::choose(&app, &order, choice).await?,
        None => cashier::view(&app, &order).await?.registration_no,
    };
    Ok(Redirect::to(&urls::registration_payment(&no)).into_response())
}

/// Where a provider's page sends the payer back (WeChat Pay H5 `redirect_url`): the 缴费
/// page of the order's registration, which shows what became of it.
pub async fn returned(
    State(app): State<AppState>,
    Path(order): Path<String>,
) -> Result<Response, AppError> {
    let no = cashier::registration_of_order(&app, &order).await?;
    Ok(Redirect::to(&urls::registration_payment(&no)).into_response())
}
