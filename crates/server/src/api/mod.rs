//! The JSON API under `/api/v1`, documented as OpenAPI at `/api/openapi.json`.

pub mod v1;

use axum::Json;
use axum::extract::State;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "examreg",
        description = "卫生专业技术资格考试网上报名系统 API. Errors always have the shape \
            `{\"error\": {\"code\", \"message\", \"fields\"}}`.",
        license(name = "Apache-2.0")
    ),
    components(schemas(v1::ApiErrorEnvelope, v1::ApiErrorBody))
)]
struct ApiDoc;

/// The `/api/v1` routes and the OpenAPI document describing them.
pub fn router() -> (axum::Router<AppState>, OpenApiDoc) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(crate::web::urls::API_V1, v1::router())
        .split_for_parts();
    (router, doc)
}

/// `GET /api/openapi.json`.
pub async fn openapi_json(State(doc): State<std::sync::Arc<OpenApiDoc>>) -> Json<OpenApiDoc> {
    Json((*doc).clone())
}
