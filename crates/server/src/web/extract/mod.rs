//! Extractors: the only way handlers read requests. They turn raw input into checked
//! values or a fitting error, so handlers never see what they must not trust.

pub mod client_ip;
pub mod form;
pub mod json;
pub mod session;

pub use client_ip::ClientIp;
pub use form::Form;
pub use json::ApiJson;
pub use session::{CurrentCandidate, CurrentStaff, MaybeCandidate};
