//! Admission control for the deadline rush: image and PDF work beyond what the cores get
//! through within the wait, and writes that waited their longest for the database, are
//! refused with 503 and `Retry-After`, store nothing, and go through as soon as there is
//! room.

use examreg_domain::registration::RegistrationNo;
use examreg_server::web::middleware::door::Class;
use examreg_store::{Backend, registrations};
use examreg_test_support::{SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::json;

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

/// Holds the database's write turn for registration `no` as a long transaction would: on
/// SQLite the one writer's turn, on PostgreSQL the registration's row lock.
async fn hold_the_writer(app: &TestApp, no: &str) -> examreg_store::WriteTxn {
    let txn = app.state.store.write().await.unwrap();
    if app.state.store.backend() == Backend::Postgres {
        let no = RegistrationNo::parse(no).unwrap();
        let record = registrations::find_by_no(&*txn, &no)
            .await
            .unwrap()
            .unwrap();
        registrations::lock(&*txn, record.id).await.unwrap();
    }
    txn
}

/// A save that waited its longest for the database is turned away before it runs: the API
/// answers 503 with `Retry-After`, the page shows the same form with what was typed and
/// says to save again, and nothing is written; with the writer free the same save goes
/// through.
#[tokio::test]
async fn a_save_that_waits_too_long_for_the_database_is_turned_away_and_writes_nothing() {
    let app = TestApp::builder()
        .configure(|c| c.write_max_wait_ms = 150)
        .build()
        .await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let path = format!("/api/v1/registrations/{no}/sections/work");
    let (_, before) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    let work = json!({"employer": "排队太久的医院", "employer_affiliation": "上海市卫生健康委员会",
                      "employer_nature": "public", "years_in_specialty": 8});
    let page_url = format!("/registrations/{no}/sections/work");
    let page = client.get(&page_url).await.text().await.unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let revision = attr(&page, "input[name=revision]", "value").unwrap();

    let held = hold_the_writer(&app, &no).await;
    let response = client
        .send(Method::PUT, &path)
        .json(&work)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some_and(|s| s > 0));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service_unavailable");

    // The page: the form again, with what was typed, and why it was not saved.
    let form = [
        ("csrf_token", csrf.as_str()),
        ("revision", revision.as_str()),
        ("employer", "排队太久的医院"),
        ("employer_affiliation", "上海市卫生健康委员会"),
        ("employer_nature", "public"),
        ("years_in_specialty", "8"),
    ];
    let response = client
        .http
        .post(app.url(&page_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some());
    let page = response.text().await.unwrap();
    assert!(select(&page, "#busy")[0].contains("没有完成"));
    assert_eq!(
        attr(&page, "input[name=employer]", "value").as_deref(),
        Some("排队太久的医院")
    );
    drop(held);

    let (_, after) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(after["revision"], before["revision"], "nothing written");
    assert_eq!(after["sections"], before["sections"]);

    // With the writer free, the same save goes through.
    let (status, saved) = crate::journey::send(&client, Method::PUT, &path, work).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["sections"]["work"]["employer"], "排队太久的医院");
}

/// The door: with every upload place taken, one more upload is turned away before its
/// body is read while pages are still served; with every other place taken, pages are
/// turned away while the operator's health check still answers. Both go through again as
/// soon as there is room.
#[tokio::test]
async fn a_full_door_turns_away_its_class_only_and_at_once() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let stored_before = app.stored_keys("registrations").await.len();

    let uploads_full = app.state.door.fill(Class::Upload).unwrap();
    let asked = std::time::Instant::now();
    let response = upload_via_api(&client, &no, fixtures::material(43)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&response).is_some_and(|s| s > 0));
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(5),
        "turned away after a short wait, not queued"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("服务器正忙")
    );
    let page = client.get(&format!("/registrations/{no}")).await;
    assert_eq!(page.status(), StatusCode::OK, "pages are another class");
    assert_eq!(app.stored_keys("registrations").await.len(), stored_before);
    drop(uploads_full);

    let requests_full = app.state.door.fill(Class::Request).unwrap();
    let page = client.get(&format!("/registrations/{no}")).await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after(&page).is_some());
    let html = page.text().await.unwrap();
    assert!(select(&html, "main h1")[0].contains("服务器正忙"), "{html}");
    let health = examreg_test_support::http()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "operations stand outside the door"
    );
    drop(requests_full);

    let response = upload_via_api(&client, &no, fixtures::material(43)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        client.get(&format!("/registrations/{no}")).await.status(),
        StatusCode::OK
    );
}
