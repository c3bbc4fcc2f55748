#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

//! Login storm: sign-in throughput at 1×, 16× and 64× the core count in concurrency, with
//! the production Argon2id cost, against the real router on SQLite (or PostgreSQL with
//! `EXAMREG_TEST_POSTGRES_URL`). Not a test: it prints numbers.
//!
//! Run: `cargo bench -p examreg-server --bench login_storm`
//! (`LOGIN_STORM_SECS` sets the seconds per level, default 5).

use std::time::{Duration, Instant};

use examreg_test_support::TestApp;
use serde_json::json;

#[derive(Default)]
struct Level {
    ok: u64,
    busy: u64,
    other: u64,
    ok_latency: Vec<Duration>,
    busy_latency: Vec<Duration>,
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let index = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[index]
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("LOGIN_STORM_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let app = TestApp::builder()
        .configure(|c| {
            c.argon2.memory_kib = 19 * 1024;
            c.argon2.iterations = 2;
            c.argon2.parallelism = 1;
        })
        .build()
        .await;
    let login = app.register_candidate("storm.user").await;

    // Baseline: one Argon2id verification, measured here and now.
    let hash = {
        let password = examreg_domain::account::Password::parse(&login.password).unwrap();
        app.state.passwords.hash(&password).await.unwrap()
    };
    let started = Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        app.state
            .passwords
            .verify(&login.password, &hash)
            .await
            .unwrap();
    }
    let one_hash = started.elapsed() / rounds;
    let hash_ceiling = cores as f64 / one_hash.as_secs_f64();
    println!(
        "cores: {cores}; one Argon2id verification: {:.1} ms; ceiling at {cores} in parallel: {hash_ceiling:.1}/s",
        one_hash.as_secs_f64() * 1e3
    );

    let url = app.url("/api/v1/session");
    let mut first_rate = None;
    for factor in [1, 16, 64] {
        let clients = cores * factor;
        let deadline = Instant::now() + Duration::from_secs(secs);
        examreg_store::files::install_tls_provider();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap();
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (http, url, username, password) = (
                    http.clone(),
                    url.clone(),
                    login.username.clone(),
                    login.password.clone(),
                );
                tokio::spawn(async move {
                    let mut level = Level::default();
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        let status = http
                            .post(&url)
                            .json(&json!({ "username": username, "password": password }))
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .unwrap_or(0);
                        let took = sent.elapsed();
                        match status {
                            201 => {
                                level.ok += 1;
                                level.ok_latency.push(took);
                            }
                            503 => {
                                level.busy += 1;
                                level.busy_latency.push(took);
                                // A well-behaved client backs off as Retry-After says (shortened).
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                            _ => level.other += 1,
                        }
                    }
                    level
                })
            })
            .collect();
        let mut total = Level::default();
        for task in tasks {
            let level = task.await.unwrap();
            total.ok += level.ok;
            total.busy += level.busy;
            total.other += level.other;
            total.ok_latency.extend(level.ok_latency);
            total.busy_latency.extend(level.busy_latency);
        }
        let rate = total.ok as f64 / secs as f64;
        let baseline = *first_rate.get_or_insert(rate);
        println!(
            "{factor:>2}× cores = {clients:>3} clients: {rate:6.1} sign-ins/s ({:.2}× the 1× rate, {:.2}× the hash ceiling); \
             ok p50 {:.0} ms p99 {:.0} ms; 503: {} (p50 {:.1} ms, p99 {:.1} ms); other: {}",
            rate / baseline,
            rate / hash_ceiling,
            percentile(&mut total.ok_latency, 0.5).as_secs_f64() * 1e3,
            percentile(&mut total.ok_latency, 0.99).as_secs_f64() * 1e3,
            total.busy,
            percentile(&mut total.busy_latency, 0.5).as_secs_f64() * 1e3,
            percentile(&mut total.busy_latency, 0.99).as_secs_f64() * 1e3,
            total.other,
        );
    }
    examreg_test_support::print_peak_memory(if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "the system allocator"
    });
}
