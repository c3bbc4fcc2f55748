//! End-to-end journeys in Debian's headless Chromium (through chromedriver) against the
//! real `examreg` binary, at a phone's and a desk's window size, with JavaScript and
//! without, with axe-core checking accessibility on the key pages.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "helpers outside #[test] functions fail loudly"
)]

mod axe;
mod harness;
mod journeys;
mod review;
mod steps;

/// One journey at a time: each drives one or two Chromium instances and a server, and
/// the machine has two cores; in parallel they would time each other out.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_1_on_a_phone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    journeys::candidate_registers_and_submits(390, 844, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_1_on_a_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    journeys::candidate_registers_and_submits(1366, 768, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_1_without_javascript() {
    let _turn = ONE_AT_A_TIME.lock().await;
    journeys::candidate_registers_and_submits(390, 844, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_2_on_a_phone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    review::reviewer_returns_candidate_fixes_case_is_confirmed(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_2_on_a_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    review::reviewer_returns_candidate_fixes_case_is_confirmed(1366, 768).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_3_on_a_phone() {
    let _turn = ONE_AT_A_TIME.lock().await;
    review::a_stale_printed_form_is_refused(390, 844).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_3_on_a_desk() {
    let _turn = ONE_AT_A_TIME.lock().await;
    review::a_stale_printed_form_is_refused(1366, 768).await;
}

/// The checker itself: a page with an unlabelled field fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_catches_a_missing_label() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let b = harness::Browser::start(1366, 768, true).await;
    b.driver
        .goto("data:text/html;charset=utf-8,<!DOCTYPE html><html lang=zh-CN><head><title>坏页面</title></head><body><main><h1>坏页面</h1><form><input id=x name=x type=text></form></main></body></html>")
        .await
        .unwrap();
    let found = axe::violations(&b.driver).await;
    assert!(
        found.iter().any(|v| v.starts_with("label ")),
        "an unlabelled input is a violation: {found:?}"
    );
    b.quit().await;
}
