//! Every path the web pages and the API use, in one place: the router, redirects,
//! templates and tests build paths from here, so renaming a route breaks the build, not a
//! link. `*_ROUTE` constants are router patterns; functions build concrete paths.

pub const HOME: &str = "/";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const STYLESHEET: &str = "/static/app.css";
pub const UPLOAD_SCRIPT: &str = "/static/upload.js";
pub const VIEWER_SCRIPT: &str = "/static/viewer.js";
pub const PAYMENT_SCRIPT: &str = "/static/payment.js";
pub const OPENAPI: &str = "/api/openapi.json";

pub const API_V1: &str = "/api/v1";
pub const API_EXAMS: &str = "/api/v1/exams";

pub fn api_exam(id: &str) -> String {
    format!("{API_EXAMS}/{id}")
}

pub const SIGN_UP: &str = "/register";
pub const SIGN_UP_CODE: &str = "/register/phone-code";
pub const SIGN_IN: &str = "/login";
pub const SIGN_OUT: &str = "/logout";
pub const ACCOUNT: &str = "/account";
pub const CHANGE_PASSWORD: &str = "/account/password";
pub const RESET_REQUEST: &str = "/password-reset";
pub const RESET_CONFIRM: &str = "/password-reset/confirm";
pub const STAFF: &str = "/staff";
/// The public check of a printed application form.
pub const VERIFY: &str = "/verify";
pub const STAFF_SIGN_IN: &str = "/staff/login";
pub const STAFF_CASE: &str = "/staff/registrations/{no}";
pub const STAFF_DECISION: &str = "/staff/registrations/{no}/{kind}";

/// A case in the review console.
pub fn staff_case(no: &str) -> String {
    format!("/staff/registrations/{no}")
}

/// An image of a case, through the staff API.
pub fn staff_file(no: &str, id: &str) -> String {
    format!("{API_V1}/staff/registrations/{no}/files/{id}")
}
pub const STAFF_SIGN_OUT: &str = "/staff/logout";

pub const API_ACCOUNTS: &str = "/api/v1/accounts";
pub const API_SESSION: &str = "/api/v1/session";
pub const API_ME: &str = "/api/v1/me";
pub const API_CAPTCHA: &str = "/api/v1/captcha";
pub const API_STAFF_SESSION: &str = "/api/v1/staff/session";
pub const API_STAFF_ME: &str = "/api/v1/staff/me";

pub const REGISTRATIONS: &str = "/registrations";
pub const REGISTRATION: &str = "/registrations/{no}";
pub const REGISTRATION_SECTION: &str = "/registrations/{no}/sections/{section}";
pub const REGISTRATION_CHECK: &str = "/registrations/{no}/check";

pub fn registration(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}")
}

pub fn registration_section(no: &str, section: &str) -> String {
    format!("{REGISTRATIONS}/{no}/sections/{section}")
}

pub fn registration_check(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/check")
}

pub const REGISTRATION_PHOTO: &str = "/registrations/{no}/photo";
pub const REGISTRATION_PHOTO_CONFIRM: &str = "/registrations/{no}/photo/confirm";
pub const REGISTRATION_MATERIALS: &str = "/registrations/{no}/materials";
pub const REGISTRATION_MATERIALS_COMPLETE: &str = "/registrations/{no}/materials/complete";
pub const REGISTRATION_SLOT_UPLOAD: &str = "/registrations/{no}/slots/{slot}/files";
pub const REGISTRATION_FILE_DELETE: &str = "/registrations/{no}/files/{id}/delete";

pub fn registration_photo(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/photo")
}

pub fn registration_materials(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/materials")
}

/// Where an uploaded image is served (owner or permitted staff).
pub fn api_file(no: &str, id: &str) -> String {
    format!("{API_V1}/registrations/{no}/files/{id}")
}

/// A registration in the JSON API.
pub fn api_registration(no: &str) -> String {
    format!("{API_V1}/registrations/{no}")
}

/// 打印报名表: the PDF of the current application form.
pub fn api_form_pdf(no: &str) -> String {
    format!("{API_V1}/registrations/{no}/form.pdf")
}

pub const REGISTRATION_SUBMIT: &str = "/registrations/{no}/submit";
pub const REGISTRATION_WITHDRAW: &str = "/registrations/{no}/withdraw";

pub const REGISTRATION_PAYMENT: &str = "/registrations/{no}/payment";
pub const REGISTRATION_PAYMENT_CHECK: &str = "/registrations/{no}/payment/check";
pub const REGISTRATION_RECEIPT: &str = "/registrations/{no}/receipt";

/// 缴费: the breakdown, the orders, 去支付.
pub fn registration_payment(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/payment")
}

/// 我已支付: ask the provider now.
pub fn registration_payment_check(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/payment/check")
}

/// The receipt of a paid registration.
pub fn registration_receipt(no: &str) -> String {
    format!("{REGISTRATIONS}/{no}/receipt")
}

/// The sandbox provider's cashier (not a page of ours in spirit: the provider's).
pub const SANDBOX_CASHIER: &str = "/pay/sandbox/{order}";

pub fn sandbox_cashier(order: &str) -> String {
    format!("/pay/sandbox/{order}")
}

/// Where a provider's page sends the payer back (WeChat Pay H5 `redirect_url`).
pub const PAYMENT_RETURN: &str = "/pay/return/{order}";

/// Where a provider sends its notifications.
pub const API_PAYMENT_NOTIFY: &str = "/api/v1/payments/{provider}/notify";

pub fn api_payment_notify(provider: &str) -> String {
    format!("{API_V1}/payments/{provider}/notify")
}

/// The registration's payment in the JSON API.
pub fn api_registration_payment(no: &str) -> String {
    format!("{API_V1}/registrations/{no}/payment")
}

/// 缴费与退款 (administrators).
pub const STAFF_FINANCE: &str = "/staff/finance";
pub const STAFF_FINANCE_ORDER: &str = "/staff/finance/orders/{order}";
pub const STAFF_FINANCE_REFUNDS: &str = "/staff/finance/orders/{order}/refunds";

pub fn staff_finance_order(order: &str) -> String {
    format!("{STAFF_FINANCE}/orders/{order}")
}

pub fn staff_finance_refunds(order: &str) -> String {
    format!("{STAFF_FINANCE}/orders/{order}/refunds")
}

/// 对账 (administrators): one day's bill against our orders, and its exports.
pub const STAFF_RECONCILIATION: &str = "/staff/finance/reconciliation";
pub const STAFF_RECONCILIATION_CSV: &str = "/staff/finance/reconciliation.csv";
pub const STAFF_RECONCILIATION_XLSX: &str = "/staff/finance/reconciliation.xlsx";
