//! Cross-cutting request handling: admission, headers, metrics.

pub mod csrf;
pub mod door;
pub mod metrics;
pub mod security_headers;
