//! Steps of the candidate's journey that several tests share.

use examreg_test_support::journeys::make_ready;
pub(crate) use examreg_test_support::journeys::{nurse_registration, send};
use examreg_test_support::{CandidateLogin, SignedInClient, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

/// A Shanghai-hukou 主管护师 candidate (bachelor, public hospital) with all sections saved.
pub(crate) async fn nurse(app: &TestApp, residency: &str) -> (SignedInClient, String) {
    let (client, no, _) = nurse_with_login(app, residency).await;
    (client, no)
}

/// [`nurse`], with the details to sign in again.
pub(crate) async fn nurse_with_login(
    app: &TestApp,
    residency: &str,
) -> (SignedInClient, String, CandidateLogin) {
    let (client, login) = app.candidate_with_login().await;
    let no = nurse_registration(&client, "2025-shanghai", residency).await;
    (client, no, login)
}

/// A nurse's registration with a confirmed photo and completed materials: ready to submit.
pub(crate) async fn ready_to_submit(app: &TestApp) -> (SignedInClient, String) {
    let (client, no, _) = ready_to_submit_with_login(app).await;
    (client, no)
}

/// [`ready_to_submit`], with the details to sign in again.
pub(crate) async fn ready_to_submit_with_login(
    app: &TestApp,
) -> (SignedInClient, String, CandidateLogin) {
    let (client, no, login) = nurse_with_login(app, "shanghai_hukou").await;
    let seed = no[4..11].parse::<u32>().unwrap_or(0);
    make_ready(&client, &no, seed).await;
    (client, no, login)
}

/// A JSON POST without any session, as an API client before sign-in.
pub(crate) async fn post_anonymous(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = examreg_test_support::http()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
