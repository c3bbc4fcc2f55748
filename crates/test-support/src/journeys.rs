//! Steps of a candidate's journey through the API, shared by the integration tests and
//! the load generator: what a real client sends, checked as it goes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{SignedInClient, fixtures};

/// A JSON request with the session; the status and the JSON answer (null when none).
pub async fn send(
    client: &SignedInClient,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client.send(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Starts a registration for `exam` and saves the four sections of a Shanghai-hukou 主管护师 (bachelor, public hospital).
pub async fn nurse_registration(client: &SignedInClient, exam: &str, residency: &str) -> String {
    let (status, created) = send(
        client,
        Method::POST,
        "/api/v1/registrations",
        json!({ "exam": exam }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let no = created["registration_no"].as_str().unwrap().to_owned();
    let (_, me) = client.get_json("/api/v1/me").await;
    let id = me["id_number"].as_str().unwrap().to_owned();
    let gender = if (id.as_bytes()[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    let birth = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
    for (section, body) in nurse_sections(&birth, gender, residency) {
        let (status, body) = send(
            client,
            Method::PUT,
            &format!("/api/v1/registrations/{no}/sections/{section}"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    no
}

/// The four sections of a 主管护师, as the API takes them (shared with the demo and the
/// load generator).
pub use examreg_server::demo::nurse_sections;

/// The required slots of the nurse of [`nurse_registration`] with a Shanghai hukou.
pub const NURSE_REQUIRED: [&str; 9] = [
    "form", "3-1", "3-2", "4-3a", "4-3b", "5-5", "5-6", "8-1", "8-2",
];

/// Uploads and confirms the photo (which printing and submitting need).
pub async fn confirm_photo(client: &SignedInClient, no: &str) {
    let response = client
        .send(Method::PUT, &format!("/api/v1/registrations/{no}/photo"))
        .header("content-type", "image/jpeg")
        .body(fixtures::photo(7))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, _) = send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/photo/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Confirms the photo and fills every required slot of the nurse of
/// [`nurse_registration`] with distinct files (from `seed`), then completes the materials:
/// the registration is ready to submit.
pub async fn make_ready(client: &SignedInClient, no: &str, seed: u32) {
    confirm_photo(client, no).await;
    for (n, slot) in NURSE_REQUIRED.iter().enumerate() {
        let (status, body) = client
            .upload(
                no,
                slot,
                fixtures::material(seed.wrapping_add(n as u32)),
                "scan.jpg",
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{slot}: {body}");
    }
    let (status, body) = send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/materials/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}
