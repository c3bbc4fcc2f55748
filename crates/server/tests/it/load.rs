//! A 20-second smoke of the load generator (`examreg-load`) against the real binary: the
//! deadline mix at a small multiple, every request answered as it should be. The figures
//! of a full run are in `docs/performance.md`; a debug build under test says nothing
//! about speed, so none is asserted here.

use examreg_loadgen::{Options, run};
use examreg_test_support::report_figure;

use crate::durability::DemoSite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "half a minute of load that would disturb the timing tests beside it: \
            .ci/run runs it on its own (cargo test --test it -- --ignored load::)"]
async fn the_deadline_mix_at_a_small_multiple_is_answered_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let site = DemoSite::new(dir.path()).await;
    // Seeded registrations beside the generator's own, as in a full run (which seeds
    // 60,000): written straight into the database before the server starts.
    let now = examreg_domain::clock::Clock::now(&examreg_domain::clock::SystemClock);
    let exams = examreg_server::exams::load(None, Some(now)).unwrap();
    let demo = exams.get("demo").unwrap();
    examreg_loadgen::seed::seed(site.database_url(), demo, 0, SEEDED, now)
        .await
        .unwrap();
    // The set-up signs its candidates up from one address.
    let server = site.serve_with(&[
        ("EXAMREG_CODES__PER_ADDRESS_BEFORE_CAPTCHA", "100000"),
        ("EXAMREG_CODES__PER_ADDRESS_PER_HOUR", "100000"),
    ]);
    let options = Options {
        base: site.base.clone(),
        multiple: 0.05,
        seconds: 20,
        candidates: 10,
        scan_kb: 148,
        exam: "demo".to_owned(),
        first: 0,
        setup_concurrency: 4,
        scans: 4,
    };
    let report = run(&options).await;
    let peak = examreg_test_support::peak_resident_bytes(Some(server.0.id())).unwrap_or(0);
    report_figure(&format!(
        "load smoke on {} (debug build): {} requests, peak server memory {} MB\n{report}",
        site.backend(),
        report.kinds.iter().map(|k| k.sent).sum::<usize>(),
        peak >> 20
    ));
    assert_eq!(report.failed(), 0, "{report}");
    for kind in &report.kinds {
        assert!(kind.sent > 0, "{kind:?}");
    }
    // A seeded candidate is a real one: signs in, and finds a registration whose four
    // sections the server reads back as complete.
    let seeded = examreg_test_support::sign_in_at(
        &site.base,
        "/api/v1/session",
        &format!("seed{}", SEEDED - 1),
        examreg_loadgen::seed::PASSWORD,
    )
    .await;
    let no = examreg_loadgen::seed::registration_no(demo, SEEDED - 1);
    let (status, record) = seeded
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{record}");
    for section in ["basic", "exam", "education", "work"] {
        assert!(
            record["sections"][section].is_object(),
            "{section}: {record}"
        );
    }
}

/// Registrations seeded before the smoke.
const SEEDED: u32 = 300;
