#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

//! Upload throughput: 150 KB JPEGs through the real upload route (multipart, content
//! check with a full decode, durable write with fsync, row + audit in one transaction)
//! against a bare handler measured in the same run that only streams the body to a file
//! and fsyncs it (file and directory). Not a test: it prints numbers.
//!
//! Run: `cargo bench -p examreg-server --bench upload_throughput`
//! (`UPLOAD_BENCH_FILES` sets the number of uploads per side, default 300).

use std::io::Write;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use examreg_test_support::TestApp;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use serde_json::json;

const CONCURRENCY: usize = 4;

/// A distinct JPEG of 140–150 KB.
fn jpeg(seed: u32) -> Vec<u8> {
    let mut quality = 88u8;
    loop {
        let mut state = seed.wrapping_mul(0x9E37_79B9) | 1;
        let img = RgbImage::from_fn(900, 700, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let n = (state % 40) as u8;
            image::Rgb([(x % 256) as u8 ^ n, (y % 256) as u8, (seed % 100) as u8 + n])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(img.as_raw(), 900, 700, image::ExtendedColorType::Rgb8)
            .unwrap();
        if out.len() <= 150 * 1024 || quality < 40 {
            return out;
        }
        quality -= 3;
    }
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Runs `jobs` with `CONCURRENCY` workers; returns (per second, p50 ms, p99 ms).
async fn drive<F, Fut>(jobs: Vec<Vec<u8>>, send: F) -> (f64, f64, f64)
where
    F: Fn(usize, Vec<u8>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(
        jobs.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let queue = queue.clone();
            let send = send.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some((i, body)) = queue.lock().await.pop() else {
                        break;
                    };
                    let t = Instant::now();
                    assert!(send(i, body).await, "upload {i} failed");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = all.len() as f64;
    (
        n / elapsed,
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99),
    )
}

#[tokio::main]
async fn main() {
    let files: usize = std::env::var("UPLOAD_BENCH_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let bodies: Vec<Vec<u8>> = (0..files as u32).map(jpeg).collect();
    let mean = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    println!(
        "{files} JPEGs of {} KB on average, {CONCURRENCY} uploads in flight",
        mean / 1024
    );

    // Baseline: stream the body to a file and fsync it and its directory.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let bare = Router::new().route(
        "/upload/{n}",
        post(
            move |axum::extract::Path(n): axum::extract::Path<usize>, body: Bytes| {
                let root = root.clone();
                async move {
                    tokio::task::spawn_blocking(move || {
                        let path = root.join(format!("{n}.jpg"));
                        let mut file = std::fs::File::create(&path).unwrap();
                        file.write_all(&body).unwrap();
                        file.sync_all().unwrap();
                        std::fs::File::open(&root).unwrap().sync_all().unwrap();
                    })
                    .await
                    .unwrap();
                    axum::http::StatusCode::CREATED
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bare).await.unwrap() });
    let http = examreg_test_support::http();
    let (base_rate, base_p50, base_p99) = drive(bodies.clone(), {
        let http = http.clone();
        move |i, body| {
            let http = http.clone();
            let url = format!("{bare_url}/upload/{i}");
            async move {
                http.post(url)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16() == 201)
                    .unwrap_or(false)
            }
        }
    })
    .await;
    println!(
        "bare stream-and-fsync: {base_rate:7.1} uploads/s (p50 {base_p50:.1} ms, p99 {base_p99:.1} ms)"
    );

    // examreg: registrations with room for ten files each in slot 8-1.
    let app = TestApp::new().await;
    let mut targets = Vec::new();
    for _ in 0..files.div_ceil(10) {
        let client = app.candidate().await;
        let response = client
            .send(reqwest::Method::POST, "/api/v1/registrations")
            .json(&json!({"exam": "2025-shanghai"}))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        targets.push((client, body["registration_no"].as_str().unwrap().to_owned()));
    }
    let targets = std::sync::Arc::new(targets);
    let (rate, p50, p99) = drive(bodies, move |i, body| {
        let targets = targets.clone();
        async move {
            let (client, no) = &targets[i / 10];
            let (status, answer) = client.upload(no, "8-1", body, "page.jpg").await;
            if status != reqwest::StatusCode::CREATED {
                eprintln!("upload {i}: {status} {answer}");
            }
            status == reqwest::StatusCode::CREATED
        }
    })
    .await;
    println!(
        "examreg upload:        {rate:7.1} uploads/s (p50 {p50:.1} ms, p99 {p99:.1} ms) = {:.2}× the bare handler",
        rate / base_rate
    );
    examreg_test_support::print_peak_memory(if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "the system allocator"
    });
}
