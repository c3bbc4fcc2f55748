//! Every path the web pages and the API use, in one place: the router, redirects,
//! templates and tests build paths from here, so renaming a route breaks the build, not a
//! link. `*_ROUTE` constants are router patterns; functions build concrete paths.

pub const HOME: &str = "/";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const STYLESHEET: &str = "/static/app.css";
pub const OPENAPI: &str = "/api/openapi.json";

pub const API_V1: &str = "/api/v1";
pub const API_EXAMS: &str = "/api/v1/exams";

pub fn api_exam(id: &str) -> String {
    format!("{API_EXAMS}/{id}")
}
