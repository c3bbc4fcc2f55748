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
pub mod journeys;
pub mod wechatpay;

pub use app::{
    AnonClient, CandidateLogin, SignedInClient, TestApp, TestAppBuilder, candidate_phone, http,
    latest_code_in_outbox, register_candidate_at, resident_id, sign_in_at, test_config,
    test_storage_url, try_sign_in_at,
};
pub use clock::FixedClock;
pub use db::TestDb;

/// 2024-12-01 10:00 in Shanghai: inside the registration window of the bundled 2025 exam.
pub const DEFAULT_NOW: time::OffsetDateTime = time::macros::datetime!(2024-12-01 10:00 +8);

/// The peak resident memory (VmHWM, kept by the kernel) of process `pid`, or of this
/// process, in bytes; `None` where the system does not say.
pub fn peak_resident_bytes(pid: Option<u32>) -> Option<u64> {
    let path = pid.map_or_else(
        || "/proc/self/status".to_owned(),
        |pid| format!("/proc/{pid}/status"),
    );
    let status = std::fs::read_to_string(path).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
    Some(kb * 1024)
}

/// Prints this process's peak resident memory, naming the allocator it ran with.
pub fn print_peak_memory(allocator: &str) {
    println!(
        "peak resident memory: {} MB ({allocator})",
        peak_resident_bytes(None).unwrap_or(0) >> 20
    );
}

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
