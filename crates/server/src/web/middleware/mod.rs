//! Cross-cutting request handling: headers, metrics.

pub mod csrf;
pub mod metrics;
pub mod security_headers;
