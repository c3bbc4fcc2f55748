#![doc = include_str!("../README.md")]

pub mod admin;
pub mod audit;
pub mod candidates;
pub mod captchas;
mod db;
pub mod decisions;
mod entities;
mod error;
pub mod files;
pub mod forms;
mod migrations;
pub mod notifications;
pub mod one_time_codes;
pub mod payments;
pub mod registrations;
pub mod sessions;
pub mod staff;
pub mod throttle;
pub mod uploads;
mod writer;

pub use db::{Backend, Store, StoreOptions, WriteTxn, redact_url};
pub use error::StoreError;
pub use files::FileStore;
pub use writer::TxnWork;
/// The transaction a [`Store::transaction`]'s work reads and writes through.
pub type Txn = sea_orm::DatabaseTransaction;
