//! The examreg web service: configuration, state, services, web pages and the JSON API.
//! The binary `examreg` (see `main.rs`) is a thin command line over this library.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod exams;
pub mod passwords;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;

pub use state::AppState;
