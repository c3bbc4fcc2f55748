#![doc = include_str!("../README.md")]

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod exams;
pub mod format;
pub mod jobs;
pub mod passwords;
pub mod secrets;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;

pub use state::AppState;
