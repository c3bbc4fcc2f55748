//! 财务 at `/staff/finance`, for administrators: payments flagged for refund or that did
//! not match, an order by number, and 退款 with a reason.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use examreg_domain::money::Fen;
use examreg_domain::payment::Refund;
use serde::Deserialize;

use crate::services::payments::reconciliation;
use crate::services::payments::refunds::{self, OrderCase};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::extract::{CurrentStaff, Form};
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, FormErrors};
use crate::web::urls;

fn html(template: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    Ok((
        status,
        Html(template.render().map_err(anyhow::Error::from)?),
    )
        .into_response())
}

/// Only administrators handle money.
pub(crate) fn finance_staff(staff: &CurrentStaff) -> Result<(), AppError> {
    if staff.role.handles_payments() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "forbidden",
            message: format!(
                "您的角色（{}）不能查看缴费和退款，请联系管理员",
                staff.role.label()
            ),
        })
    }
}

fn chrome(csrf: &CsrfToken, staff: &CurrentStaff) -> Chrome {
    Chrome {
        csrf: csrf.0.clone(),
        user: Some(staff.username.clone()),
        staff: true,
        todos: Vec::new(),
    }
}

struct RefundRow {
    no: String,
    amount: String,
    status: &'static str,
    reason: String,
    at: String,
}

fn refund_rows(refunds: &[Refund]) -> Vec<RefundRow> {
    refunds
        .iter()
        .map(|r| RefundRow {
            no: r.refund_no.to_string(),
            amount: r.amount.to_string(),
            status: r.status.label(),
            reason: r.reason.clone(),
            at: crate::format::date_time(r.requested_at),
        })
        .collect()
}

struct OrderRow {
    no: String,
    href: String,
    registration_no: String,
    amount: String,
    status: &'static str,
    flag: String,
    refundable: String,
}

fn order_row(case: &OrderCase) -> OrderRow {
    OrderRow {
        no: case.order.merchant_no.to_string(),
        href: urls::staff_finance_order(case.order.merchant_no.as_str()),
        registration_no: case.registration_no.clone(),
        amount: case.order.amount().to_string(),
        status: case.order.status.label(),
        flag: case.order.flag.map(|f| f.label()).unwrap_or_default(),
        refundable: case.refundable.to_string(),
    }
}

#[derive(Template)]
#[template(path = "staff/finance.html")]
struct FinancePage {
    chrome: Chrome,
    errors: FormErrors,
    flagged: Vec<OrderRow>,
    lookup: String,
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    order: Option<String>,
}

pub async fn home(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Query(query): Query<LookupQuery>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    if let Some(order) = query
        .order
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        return Ok(Redirect::to(&urls::staff_finance_order(&order.to_uppercase())).into_response());
    }
    let flagged = refunds::flagged(&app).await?;
    let page = FinancePage {
        chrome: chrome(&csrf, &staff),
        errors: FormErrors::default(),
        flagged: flagged.iter().map(order_row).collect(),
        lookup: urls::STAFF_FINANCE.to_owned(),
    };
    html(&page, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "staff/finance_order.html")]
struct OrderPage {
    chrome: Chrome,
    errors: FormErrors,
    order: OrderRow,
    provider: &'static str,
    transaction_id: String,
    paid_at: String,
    refunds: Vec<RefundRow>,
    can_refund: bool,
    action: String,
    back: String,
    amount: String,
    reason: String,
}

async fn order_page(
    app: &AppState,
    csrf: &CsrfToken,
    staff: &CurrentStaff,
    order: &str,
    errors: FormErrors,
    typed: (String, String),
) -> Result<OrderPage, AppError> {
    let case = refunds::case(app, order).await?;
    let paid = case.order.paid.as_ref();
    Ok(OrderPage {
        chrome: chrome(csrf, staff),
        errors,
        provider: case.order.provider.label(),
        transaction_id: paid.map(|p| p.transaction_id.clone()).unwrap_or_default(),
        paid_at: paid
            .map(|p| crate::format::date_time(p.paid_at))
            .unwrap_or_default(),
        refunds: refund_rows(&case.refunds),
        can_refund: case.refundable.0 > 0,
        action: urls::staff_finance_refunds(case.order.merchant_no.as_str()),
        back: urls::STAFF_FINANCE.to_owned(),
        amount: typed.0,
        reason: typed.1,
        order: order_row(&case),
    })
}

pub async fn order(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Path(order): Path<String>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    let page = order_page(
        &app,
        &csrf,
        &staff,
        &order,
        FormErrors::default(),
        Default::default(),
    )
    .await?;
    html(&page, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// 退款: the amount in 元 and a reason; back to the order with what happened.
pub async fn refund(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Path(order): Path<String>,
    Form(form): Form<RefundForm>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    let again = |message: String| {
        let typed = (form.amount.clone(), form.reason.clone());
        let (app, csrf, staff, order) = (&app, &csrf, &staff, &order);
        async move {
            let page =
                order_page(app, csrf, staff, order, FormErrors::general(message), typed).await?;
            html(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let Some(amount) = Fen::parse_yuan(&form.amount) else {
        return again("退款金额请填写元，最多两位小数，例如 50 或 50.00".to_owned()).await;
    };
    match refunds::request(&app, staff.id, &order, amount, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&urls::staff_finance_order(&order)).into_response()),
        Err(refunds::RefundError::Refused(refusal)) => again(refusal.to_string()).await,
        Err(other) => Err(other.into()),
    }
}

// ----- 对账 -----

struct MismatchRow {
    label: &'static str,
    orders: Vec<(String, String)>,
    detail: String,
}

#[derive(Template)]
#[template(path = "staff/reconciliation.html")]
struct ReconciliationPage {
    chrome: Chrome,
    errors: FormErrors,
    day: String,
    action: String,
    imported: Option<ImportedView>,
    csv: String,
    xlsx: String,
}

struct ImportedView {
    at: String,
    bill: String,
    ours: String,
    mismatches: Vec<MismatchRow>,
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

fn parse_day(text: Option<&str>, app: &AppState) -> Result<time::Date, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        // Yesterday in China: the latest complete bill.
        let today = app
            .clock
            .now()
            .to_offset(examreg_domain::clock::CHINA_STANDARD_TIME)
            .date();
        return Ok(today.previous_day().unwrap_or(today));
    };
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("日期“{text}”无法识别，请按 2025-02-10 的格式填写"))
}

async fn reconciliation_page(
    app: &AppState,
    csrf: &CsrfToken,
    staff: &CurrentStaff,
    day: time::Date,
    errors: FormErrors,
) -> Result<ReconciliationPage, AppError> {
    let key = reconciliation::day_key(day);
    let imported = reconciliation::view(app, day).await?.map(|r| ImportedView {
        at: crate::format::date_time(r.imported_at),
        bill: format!("{} 笔，{}", r.bill_count, r.bill_total),
        ours: format!("{} 笔，{}", r.ours_count, r.ours_total),
        mismatches: r
            .mismatches
            .iter()
            .map(|m| MismatchRow {
                label: m.label(),
                orders: m
                    .orders()
                    .into_iter()
                    .map(|no| (urls::staff_finance_order(&no), no))
                    .collect(),
                detail: m.detail(),
            })
            .collect(),
    });
    Ok(ReconciliationPage {
        chrome: chrome(csrf, staff),
        errors,
        action: urls::STAFF_RECONCILIATION.to_owned(),
        csv: format!("{}?date={key}", urls::STAFF_RECONCILIATION_CSV),
        xlsx: format!("{}?date={key}", urls::STAFF_RECONCILIATION_XLSX),
        day: key,
        imported,
    })
}

/// A date that cannot be read: yesterday's page, with the message.
async fn bad_day(
    app: &AppState,
    csrf: &CsrfToken,
    staff: &CurrentStaff,
    message: String,
) -> Result<Response, AppError> {
    let day = parse_day(None, app).map_err(anyhow::Error::msg)?;
    let page = reconciliation_page(app, csrf, staff, day, FormErrors::general(message)).await?;
    html(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

pub async fn reconciliation(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Query(query): Query<DayQuery>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    match parse_day(query.date.as_deref(), &app) {
        Ok(day) => {
            let page = reconciliation_page(&app, &csrf, &staff, day, FormErrors::default()).await?;
            html(&page, StatusCode::OK)
        }
        Err(message) => bad_day(&app, &csrf, &staff, message).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    date: String,
}

/// 导入对账单: fetches the day's bill from the provider now.
pub async fn import(
    State(app): State<AppState>,
    csrf: CsrfToken,
    staff: CurrentStaff,
    Form(form): Form<ImportForm>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    let day = match parse_day(Some(&form.date), &app) {
        Ok(day) => day,
        Err(message) => return bad_day(&app, &csrf, &staff, message).await,
    };
    match reconciliation::import(&app, day, examreg_domain::account::Actor::Staff(staff.id)).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?date={}",
            urls::STAFF_RECONCILIATION,
            reconciliation::day_key(day)
        ))
        .into_response()),
        Err(err @ crate::services::payments::PaymentError::ProviderUnavailable(_)) => {
            let message = match AppError::from(err) {
                AppError::Upstream { message, .. } => message,
                other => return Err(other),
            };
            let page =
                reconciliation_page(&app, &csrf, &staff, day, FormErrors::general(message)).await?;
            html(&page, StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(other) => Err(other.into()),
    }
}

async fn imported(
    app: &AppState,
    query: &DayQuery,
) -> Result<reconciliation::Reconciliation, AppError> {
    let day = parse_day(query.date.as_deref(), app).map_err(|message| AppError::Invalid {
        message: message.clone(),
        fields: [("date".to_owned(), vec![message])].into_iter().collect(),
    })?;
    reconciliation::view(app, day)
        .await?
        .ok_or_else(|| AppError::NotFoundBecause {
            code: "bill_not_imported",
            message: "该日的对账单尚未导入".into(),
        })
}

fn download(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn reconciliation_csv(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Query(query): Query<DayQuery>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    let done = imported(&app, &query).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("reconciliation-{}.csv", reconciliation::day_key(done.day)),
        reconciliation::csv(&done).into_bytes(),
    ))
}

pub async fn reconciliation_xlsx(
    State(app): State<AppState>,
    staff: CurrentStaff,
    Query(query): Query<DayQuery>,
) -> Result<Response, AppError> {
    finance_staff(&staff)?;
    let done = imported(&app, &query).await?;
    let bytes = reconciliation::xlsx(&done)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("reconciliation-{}.xlsx", reconciliation::day_key(done.day)),
        bytes,
    ))
}
