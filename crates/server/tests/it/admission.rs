//! Admission control for the deadline rush: image and PDF work beyond what the cores get
//! through within the wait is refused at once with 503 and `Retry-After`, stores nothing,
//! and goes through as soon as there is room.

use examreg_test_support::{SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};

use crate::html::{attr, select};
use crate::journey::nurse;

async fn upload_via_api(client: &SignedInClient, no: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("scan.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    client
        .send(
            Method::POST,
            &format!("/api/v1/registrations/{no}/slots/3-1/files"),
        )
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_saturated_server_says_when_to_come_back_and_keeps_nothing() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    crate::forms::confirm_photo(&client, &no).await;
    let stored_before = app.stored_keys("registrations").await.len();

    // Every place among the image and PDF work taken, as by a rush of uploads.
    let gate = &app.state.heavy_work;
    let held: Vec<_> = (0..gate.capacity())
        .map(|_| gate.admit().unwrap())
        .collect();

    // The API: 503 at once, when to come back, the error shape.
    let response = upload_via_api(&client, &no, fixtures::material(41)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some_and(|s| s > 0));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service_unavailable");

    // The page: the candidate stays on the materials page, told at the slot.
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    let action = attr(&page, "#slot-3-1 form.upload-form", "action").unwrap();
    let response =
        crate::upload_pages::post_file(&client, &app.url(&action), fixtures::material(42)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some());
    let page = response.text().await.unwrap();
    assert!(select(&page, ".error-summary a")[0].contains("服务器正忙"));
    assert_eq!(
        attr(&page, ".error-summary a", "href").as_deref(),
        Some("#slot-3-1")
    );

    // The form's PDF likewise.
    let response = client
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some());
    assert_eq!(
        app.stored_keys("registrations").await.len(),
        stored_before,
        "nothing stored"
    );

    // With room again, the same requests go through.
    drop(held);
    let response = upload_via_api(&client, &no, fixtures::material(41)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = client
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}
