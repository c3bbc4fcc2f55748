//! The web boundary: the router, its middleware, and the pages.

pub mod assets;
pub mod candidate;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod health;
pub mod middleware;
pub mod page;
pub mod service_errors;
pub mod staff;
pub mod urls;
pub mod verify;
pub mod wording;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::config::Config;
use crate::state::AppState;
use candidate::accounts;
use error::AppError;
use middleware::security_headers::{Https, security_headers};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let config = Arc::clone(&state.config);
    let (api_routes, openapi) = api::router();

    let app = Router::new()
        .route(urls::HOME, get(candidate::home::home))
        .route(urls::STYLESHEET, get(assets::stylesheet))
        .route(urls::UPLOAD_SCRIPT, get(assets::upload_script))
        .route(urls::VIEWER_SCRIPT, get(assets::viewer_script))
        .route(urls::PAYMENT_SCRIPT, get(assets::payment_script))
        .route(
            urls::SIGN_UP,
            get(accounts::register_form).post(accounts::register),
        )
        .route(urls::SIGN_UP_CODE, post(accounts::register_phone_code))
        .route(
            urls::SIGN_IN,
            get(accounts::login_form).post(accounts::login),
        )
        .route(urls::SIGN_OUT, post(accounts::logout))
        .route(urls::ACCOUNT, get(accounts::account))
        .route(
            urls::CHANGE_PASSWORD,
            get(accounts::change_password_form).post(accounts::change_password_submit),
        )
        .route(
            urls::RESET_REQUEST,
            get(accounts::reset_request_form).post(accounts::reset_request),
        )
        .route(urls::RESET_CONFIRM, post(accounts::reset_confirm))
        .route(urls::REGISTRATIONS, post(candidate::registration::start))
        .route(urls::REGISTRATION, get(candidate::registration::task_list))
        .route(
            urls::REGISTRATION_SUBMIT,
            post(candidate::registration::submit),
        )
        .route(
            urls::REGISTRATION_WITHDRAW,
            post(candidate::registration::withdraw),
        )
        .route(
            urls::REGISTRATION_CHECK,
            get(candidate::registration::check),
        )
        .route(
            urls::REGISTRATION_SECTION,
            get(candidate::registration::section_form)
                .post(candidate::registration::section_submit),
        )
        .route(
            urls::REGISTRATION_PHOTO,
            get(candidate::uploads::photo).post(candidate::uploads::photo_upload),
        )
        .route(
            urls::REGISTRATION_PHOTO_CONFIRM,
            post(candidate::uploads::photo_confirm),
        )
        .route(
            urls::REGISTRATION_MATERIALS,
            get(candidate::uploads::materials),
        )
        .route(
            urls::REGISTRATION_MATERIALS_COMPLETE,
            post(candidate::uploads::materials_complete),
        )
        .route(
            urls::REGISTRATION_SLOT_UPLOAD,
            post(candidate::uploads::slot_upload),
        )
        .route(
            urls::REGISTRATION_FILE_DELETE,
            post(candidate::uploads::file_delete),
        )
        .route(
            urls::REGISTRATION_PAYMENT,
            get(candidate::payment::page).post(candidate::payment::pay),
        )
        .route(
            urls::REGISTRATION_PAYMENT_CHECK,
            post(candidate::payment::check),
        )
        .route(urls::REGISTRATION_RECEIPT, get(candidate::payment::receipt))
        .route(
            urls::SANDBOX_CASHIER,
            get(candidate::payment::cashier).post(candidate::payment::cashier_choose),
        )
        .route(urls::PAYMENT_RETURN, get(candidate::payment::returned))
        .route(urls::VERIFY, get(verify::verify))
        .route(urls::STAFF, get(staff::home))
        .route(urls::STAFF_SIGN_IN, post(staff::login))
        .route(urls::STAFF_CASE, get(staff::review::case_page))
        .route(urls::STAFF_DECISION, post(staff::review::post_decision))
        .route(urls::STAFF_SIGN_OUT, post(staff::logout))
        .route(urls::STAFF_FINANCE, get(staff::finance::home))
        .route(urls::STAFF_FINANCE_ORDER, get(staff::finance::order))
        .route(urls::STAFF_FINANCE_REFUNDS, post(staff::finance::refund))
        .route(
            urls::STAFF_RECONCILIATION,
            get(staff::finance::reconciliation).post(staff::finance::import),
        )
        .route(
            urls::STAFF_RECONCILIATION_CSV,
            get(staff::finance::reconciliation_csv),
        )
        .route(
            urls::STAFF_RECONCILIATION_XLSX,
            get(staff::finance::reconciliation_xlsx),
        )
        .merge(api_routes)
        .route_layer(from_fn(middleware::metrics::record))
        .with_state(state.clone())
        .merge(
            Router::new()
                .route(urls::OPENAPI, get(api::openapi_json))
                .with_state(Arc::new(openapi)),
        )
        .fallback(|| async { AppError::NotFound })
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(error::render_errors))
                .layer(from_fn_with_state(
                    state.door.clone(),
                    middleware::door::admit,
                ))
                .layer(from_fn_with_state(state.clone(), middleware::csrf::csrf))
                .layer(CatchPanicLayer::custom(|_panic| {
                    AppError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
                }))
                .layer(timeout(&config))
                .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
                    config.body_timeout_secs,
                )))
                .layer(RequestBodyLimitLayer::new(
                    config.max_body_bytes.max(config.max_upload_body_bytes),
                )),
        );
    // Operator endpoints answer in plain text, outside the error renderer.
    let operations = Router::new()
        .route(urls::HEALTHZ, get(health::healthz))
        .route(urls::READYZ, get(health::readyz))
        .route(urls::METRICS, get(health::metrics))
        .with_state(state)
        .layer(timeout(&config));

    app.merge(operations).layer(
        // Outermost first.
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id,
                    )
                }),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(from_fn_with_state(Https(config.https), security_headers)),
    )
}

/// A request that takes longer than the configured time is answered 503.
fn timeout(config: &Config) -> TimeoutLayer {
    TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(config.request_timeout_secs),
    )
}
