#![doc = include_str!("../README.md")]

pub mod admin;
pub mod audit;
mod db;
mod entities;
mod error;
pub mod files;
mod migrations;
pub mod staff;

pub use db::{Backend, Store, WriteTxn, redact_url};
pub use error::StoreError;
pub use files::FileStore;
