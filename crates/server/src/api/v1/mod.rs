//! Version 1 of the JSON API (CONTRACT.md).

pub mod accounts;
pub mod exams;
pub mod forms;
pub mod payments;
pub mod registrations;
pub mod review;
pub mod staff;
pub mod uploads;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(exams::list_open))
        .routes(routes!(exams::get_exam))
        .routes(routes!(accounts::create_account))
        .routes(routes!(accounts::post_phone_code))
        .routes(routes!(accounts::post_session, accounts::delete_session))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::put_password))
        .routes(routes!(accounts::post_captcha))
        .routes(routes!(accounts::post_password_reset))
        .routes(routes!(accounts::post_password_reset_confirm))
        .routes(routes!(staff::post_session, staff::delete_session))
        .routes(routes!(staff::me))
        .routes(routes!(review::list))
        .routes(routes!(review::get_case))
        .routes(routes!(review::post_confirmation))
        .routes(routes!(review::post_qualification))
        .routes(routes!(review::get_file))
        .routes(routes!(registrations::create))
        .routes(routes!(registrations::get))
        .routes(routes!(registrations::put_section))
        .routes(routes!(registrations::submit))
        .routes(routes!(registrations::withdraw))
        .routes(routes!(registrations::history))
        .routes(routes!(uploads::list_slots))
        .routes(routes!(uploads::upload_file))
        .routes(routes!(uploads::put_photo))
        .routes(routes!(uploads::confirm_photo))
        .routes(routes!(uploads::complete))
        .routes(routes!(uploads::get_file, uploads::delete_file))
        .routes(routes!(forms::get_form_pdf))
        .routes(routes!(forms::verify))
        .routes(routes!(payments::get_payment, payments::post_payment))
        .routes(routes!(payments::notify))
}

/// The error shape of every `/api` error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorEnvelope {
    pub error: ApiErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// A stable `snake_case` code.
    #[schema(example = "not_found")]
    pub code: String,
    /// What went wrong, in Chinese.
    #[schema(example = "您访问的页面或资源不存在")]
    pub message: String,
    /// Field name → messages, for 422 answers.
    pub fields: Option<BTreeMap<String, Vec<String>>>,
}
