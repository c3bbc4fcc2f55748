#![doc = include_str!("../README.md")]

pub mod account;
pub mod auth_policy;
pub mod clock;
pub mod exam;
pub mod identity;
pub mod journey;
pub mod money;
pub mod payment;
pub mod registration;
pub mod text;
pub mod vocab;

pub use clock::{Clock, SystemClock};
