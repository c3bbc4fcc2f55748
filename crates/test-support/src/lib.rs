#![doc = include_str!("../README.md")]
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test support fails loudly"
)]

mod app;
mod clock;
mod db;
pub mod fixtures;

pub use app::{
    AnonClient, CandidateLogin, SignedInClient, TestApp, TestAppBuilder, candidate_phone, http,
    latest_code_in_outbox, register_candidate_at, resident_id, sign_in_at, test_config,
    test_storage_url, try_sign_in_at,
};
pub use clock::FixedClock;
pub use db::TestDb;

/// 2024-12-01 10:00 in Shanghai: inside the registration window of the bundled 2025 exam.
pub const DEFAULT_NOW: time::OffsetDateTime = time::macros::datetime!(2024-12-01 10:00 +8);

/// Prints a measured figure of a test and, when `EXAMREG_CI_FIGURES` names a file (as
/// `.ci/run` does), appends it there, so that the run's log shows what passing tests
/// measured.
pub fn report_figure(line: &str) {
    use std::io::Write as _;
    println!("{line}");
    if let Some(path) = std::env::var_os("EXAMREG_CI_FIGURES")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}
