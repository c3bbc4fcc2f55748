//! `examreg-load`: the deadline rush against a running examreg, as an open loop.
//!
//! Requests of each kind arrive at fixed rates (the Shanghai peak of DESIGN.md times
//! `--multiple`), whatever the server answers, and each one's latency is counted from the
//! moment it was due, not from when it was sent: a server that falls behind cannot hide it
//! by slowing the generator down (coordinated omission). Set-up registers its own
//! candidates through the API of a `serve --demo` server (which shows the sign-up codes),
//! fills their registrations, and readies one registration for each submission due.
//!
//! ```text
//! examreg-load --base http://127.0.0.1:8080 --multiple 1 --seconds 60 --server-pid PID
//! ```
//!
//! Everything comes from one address, so the server must allow it:
//! `EXAMREG_CODES__PER_ADDRESS_BEFORE_CAPTCHA` and `EXAMREG_CODES__PER_ADDRESS_PER_HOUR`
//! above the number of candidates, `EXAMREG_MAX_CONNECTIONS_PER_ADDRESS` above the
//! connections in flight. See `docs/performance.md`.

#![expect(clippy::unwrap_used, reason = "a load generator fails loudly")]

pub mod seed;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use examreg_test_support::journeys::{make_ready, nurse_registration};
use examreg_test_support::{SignedInClient, fixtures, register_candidate_at, sign_in_at};
use futures::StreamExt as _;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server, e.g. `http://127.0.0.1:8080` (a `serve --demo` server).
    pub base: String,
    /// Multiple of the Shanghai peak.
    pub multiple: f64,
    pub seconds: u64,
    /// Candidates whose registrations take the page views, uploads and sign-ins.
    pub candidates: u32,
    /// Largest size of an uploaded scan (KB).
    pub scan_kb: u32,
    /// The exam to register for.
    pub exam: String,
    /// Number of the first candidate (runs against one database take distinct ranges).
    pub first: u32,
    /// Set-up requests in flight at once.
    pub setup_concurrency: usize,
    /// Distinct scans to upload: at least as many as one candidate has uploads in flight
    /// (the same file twice in one registration is refused as a duplicate).
    pub scans: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Upload,
    SignIn,
    Submit,
}

impl Kind {
    /// Requests a second at the Shanghai peak (DESIGN.md's model).
    pub const PEAK: [(Kind, f64); 4] = [
        (Kind::Page, 100.0),
        (Kind::Upload, 300.0),
        (Kind::SignIn, 5.0),
        (Kind::Submit, 5.0),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Page => "page (我的报名)",
            Kind::Upload => "upload (148 KB scan)",
            Kind::SignIn => "sign-in",
            Kind::Submit => "submission",
        }
    }
}

struct Candidate {
    client: SignedInClient,
    no: String,
    username: String,
    password: String,
}

/// One request as it went: latency from when it was due, and the status (or the error).
struct Sample {
    kind: Kind,
    latency: Duration,
    outcome: Result<u16, String>,
}

struct Load {
    base: String,
    candidates: Vec<Candidate>,
    /// Registrations ready to submit, taken in order.
    ready: Vec<Candidate>,
    next_ready: AtomicUsize,
    scans: Vec<Vec<u8>>,
    samples: Mutex<Vec<Sample>>,
}

/// What one kind of request met.
#[derive(Debug, Clone)]
pub struct KindReport {
    pub kind: Kind,
    pub rate: f64,
    pub sent: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub failed: usize,
    /// The distinct errors (status and code, or the connection error).
    pub errors: Vec<String>,
}

/// What a run met, kind by kind.
#[derive(Debug, Clone)]
pub struct Report {
    pub multiple: f64,
    pub seconds: u64,
    pub setup_seconds: f64,
    pub kinds: Vec<KindReport>,
}

impl Report {
    /// Requests that did not get the answer they should have.
    pub fn failed(&self) -> usize {
        self.kinds.iter().map(|k| k.failed).sum()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}× the Shanghai peak for {} s, open loop (latency from when each request was due; set-up {:.1} s):",
            self.multiple, self.seconds, self.setup_seconds
        )?;
        writeln!(
            f,
            "{:<22} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}  failed",
            "kind", "rate/s", "sent", "p50 ms", "p95 ms", "p99 ms", "max ms"
        )?;
        for k in &self.kinds {
            writeln!(
                f,
                "{:<22} {:>7.1} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}  {}{}",
                k.kind.name(),
                k.rate,
                k.sent,
                k.p50_ms,
                k.p95_ms,
                k.p99_ms,
                k.max_ms,
                k.failed,
                if k.errors.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", k.errors.join(", "))
                }
            )?;
        }
        Ok(())
    }
}

/// Sets up its candidates, runs the mix and reports.
pub async fn run(options: &Options) -> Report {
    let base = options.base.trim_end_matches('/').to_owned();
    let submissions = (5.0 * options.multiple * options.seconds as f64).ceil() as u32;
    let started = std::time::Instant::now();
    let candidates = prepare(&base, options, options.first, options.candidates, false).await;
    let ready = prepare(
        &base,
        options,
        options.first + options.candidates,
        submissions,
        true,
    )
    .await;
    let scan_kb = options.scan_kb;
    let scans = futures::future::join_all(
        (0..options.scans.max(1))
            .map(|n| tokio::task::spawn_blocking(move || fixtures::a4_scan(n, scan_kb))),
    )
    .await
    .into_iter()
    .map(|scan| scan.unwrap())
    .collect();
    let setup_seconds = started.elapsed().as_secs_f64();
    let load = Arc::new(Load {
        base,
        candidates,
        ready,
        next_ready: AtomicUsize::new(0),
        scans,
        samples: Mutex::new(Vec::new()),
    });
    drive(&load, options.multiple, options.seconds).await;
    let samples = load.samples.lock().await;
    Report {
        multiple: options.multiple,
        seconds: options.seconds,
        setup_seconds,
        kinds: Kind::PEAK
            .iter()
            .filter_map(|&(kind, peak)| summarise(&samples, kind, peak * options.multiple))
            .collect(),
    }
}

/// Registers `count` candidates from number `first`, each with a registration whose
/// sections are filled (and, when `ready`, its photo and materials: ready to submit).
async fn prepare(
    base: &str,
    options: &Options,
    first: u32,
    count: u32,
    ready: bool,
) -> Vec<Candidate> {
    futures::stream::iter(first..first + count)
        .map(|n| {
            let base = base.to_owned();
            let exam = options.exam.clone();
            async move {
                let username = format!("load{n}");
                let login = register_candidate_at(&base, &username, n).await;
                let client =
                    sign_in_at(&base, "/api/v1/session", &login.username, &login.password).await;
                let no = nurse_registration(&client, &exam, "shanghai_hukou").await;
                if ready {
                    make_ready(&client, &no, n.wrapping_mul(16)).await;
                }
                Candidate {
                    client,
                    no,
                    username,
                    password: login.password,
                }
            }
        })
        .buffer_unordered(options.setup_concurrency.max(1))
        .collect()
        .await
}

/// Sends every kind at its rate for `seconds`, each request on its own task.
async fn drive(load: &Arc<Load>, multiple: f64, seconds: u64) {
    let start = Instant::now() + Duration::from_millis(100);
    let mut schedulers = Vec::new();
    for (kind, peak) in Kind::PEAK {
        let rate = peak * multiple;
        let count = (rate * seconds as f64).floor() as usize;
        if count == 0 {
            continue;
        }
        let load = Arc::clone(load);
        schedulers.push(tokio::spawn(async move {
            let mut requests = Vec::with_capacity(count);
            for i in 0..count {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(due).await;
                let load = Arc::clone(&load);
                requests.push(tokio::spawn(async move {
                    let outcome = send(&load, kind, i).await;
                    let sample = Sample {
                        kind,
                        latency: due.elapsed(),
                        outcome,
                    };
                    load.samples.lock().await.push(sample);
                }));
            }
            for request in requests {
                request.await.unwrap();
            }
        }));
    }
    for scheduler in schedulers {
        scheduler.await.unwrap();
    }
}

/// The `i`th request of `kind`: its status when it is the expected one, else what it was.
async fn send(load: &Load, kind: Kind, i: usize) -> Result<u16, String> {
    let n = load.candidates.len();
    match kind {
        Kind::Page => {
            let c = &load.candidates[i % n];
            let response = c
                .client
                .http
                .get(format!("{}/registrations/{}", load.base, c.no))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            expect(response, 200).await
        }
        Kind::Upload => {
            let c = &load.candidates[i % n];
            // A candidate's successive uploads carry different scans (the same file twice
            // in one registration is refused as a duplicate).
            let scan = load.scans[(i / n) % load.scans.len()].clone();
            let (status, body) = c.client.upload(&c.no, "8-1", scan, "scan.jpg").await;
            if status.as_u16() != 201 {
                let code = body["error"]["code"].as_str().unwrap_or_default();
                return Err(format!("{} {code}", status.as_u16()).trim_end().to_owned());
            }
            // Taken out again, so that the slot never fills up.
            let id = body["id"].as_str().unwrap_or_default();
            let removed = c
                .client
                .send(
                    reqwest::Method::DELETE,
                    &format!("/api/v1/registrations/{}/files/{id}", c.no),
                )
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !removed.status().is_success() {
                return Err(format!("delete {}", removed.status().as_u16()));
            }
            Ok(201)
        }
        Kind::SignIn => {
            let c = &load.candidates[i % n];
            let response = examreg_test_support::http()
                .post(format!("{}/api/v1/session", load.base))
                .json(&serde_json::json!({"username": c.username, "password": c.password}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            expect(response, 201).await
        }
        Kind::Submit => {
            let Some(c) = load
                .ready
                .get(load.next_ready.fetch_add(1, Ordering::Relaxed))
            else {
                return Err("no registration left to submit".to_owned());
            };
            let response = c
                .client
                .send(
                    reqwest::Method::POST,
                    &format!("/api/v1/registrations/{}/submit", c.no),
                )
                .json(&serde_json::json!({}))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            expect(response, 200).await
        }
    }
}

/// `want` when the answer has that status (its body read to the end, as a browser does,
/// so the connection is reused), else the status and the error code.
async fn expect(response: reqwest::Response, want: u16) -> Result<u16, String> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status == want {
        return Ok(status);
    }
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Err(format!("{status} {code}").trim_end().to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn summarise(samples: &[Sample], kind: Kind, rate: f64) -> Option<KindReport> {
    let mine: Vec<&Sample> = samples.iter().filter(|s| s.kind == kind).collect();
    if mine.is_empty() {
        return None;
    }
    let mut latencies: Vec<Duration> = mine.iter().map(|s| s.latency).collect();
    latencies.sort();
    let mut errors: Vec<String> = mine
        .iter()
        .filter_map(|s| s.outcome.as_ref().err().cloned())
        .collect();
    let failed = errors.len();
    errors.sort();
    errors.dedup();
    Some(KindReport {
        kind,
        rate,
        sent: mine.len(),
        p50_ms: percentile(&latencies, 0.5),
        p95_ms: percentile(&latencies, 0.95),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: percentile(&latencies, 1.0),
        failed,
        errors,
    })
}
