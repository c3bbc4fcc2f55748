//! The photo and materials pages with plain multipart forms.

use examreg_test_support::{SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::html::{attr, select};
use crate::journey::nurse;

async fn registration(app: &TestApp) -> (SignedInClient, String) {
    let client = app.candidate().await;
    let response = client
        .send(Method::POST, "/api/v1/registrations")
        .json(&json!({"exam": "2025-shanghai"}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    (client, body["registration_no"].as_str().unwrap().to_owned())
}

pub(crate) async fn post_file(
    client: &SignedInClient,
    action: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("scan.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let url = action.to_owned();
    // The page's action carries the CSRF token; no header is sent, as a browser would not.
    client
        .http
        .post(url)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn materials_page_uploads_previews_deletes_and_completes() {
    let app = TestApp::new().await;
    let (client, no) = registration(&app).await;
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    // Before the sections are filled, only the slots everyone has are offered.
    let titles = select(&page, ".slot h2");
    assert!(titles.iter().any(|t| t.starts_with("form.")), "{titles:?}");
    assert!(!titles.iter().any(|t| t.starts_with("1.")), "{titles:?}");
    assert!(select(&page, "#material-rules")[0].contains("小于等于 150 KB"));

    let action = attr(&page, "#slot-3-1 form.upload-form", "action").unwrap();
    assert!(action.contains("csrf_token="));
    let response = post_file(&client, &app.url(&action), fixtures::material(1)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, "#slot-3-1 .thumbs li").len(), 1);
    let src = attr(&page, "#slot-3-1 .thumbs img", "src").unwrap();
    assert_eq!(
        client.get(&src).await.headers()["content-type"],
        "image/jpeg"
    );

    // A PNG is refused on the page, at its slot, with what to do.
    let response = post_file(&client, &app.url(&action), fixtures::png()).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let page = response.text().await.unwrap();
    assert!(select(&page, ".error-summary a")[0].contains("另存为 JPG"));
    assert_eq!(
        attr(&page, ".error-summary a", "href").as_deref(),
        Some("#slot-3-1")
    );

    // 上传全部证明材料 lists what is still missing.
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let response = client
        .http
        .post(app.url(&format!("/registrations/{no}/materials/complete")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let missing = select(&page, ".error-summary li");
    assert!(
        missing.iter().any(|m| m.contains("申请表 (单位盖章)")),
        "{missing:?}"
    );

    // 🗑
    let delete = attr(&page, "#slot-3-1 .thumbs form", "action").unwrap();
    let response = client
        .http
        .post(app.url(&delete))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, "#slot-3-1 .thumbs li").len(), 0);
}

#[tokio::test]
async fn photo_page_uploads_and_confirms() {
    let app = TestApp::new().await;
    let (client, no) = registration(&app).await;
    let page = client
        .get(&format!("/registrations/{no}/photo"))
        .await
        .text()
        .await
        .unwrap();
    assert!(select(&page, "#photo-rules")[0].contains("45 KB 至 1024 KB"));
    let action = attr(&page, "form.upload-form", "action").unwrap();
    let response = post_file(&client, &app.url(&action), fixtures::photo(1)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(&format!("/registrations/{no}/photo"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, ".photo-preview figcaption")[0],
        "请核对照片：清晰、白底、本人近期正面免冠"
    );
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let response = client
        .http
        .post(app.url(&format!("/registrations/{no}/photo/confirm")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(&format!("/registrations/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, ".progress li.reached .progress-label"),
        ["上传照片"]
    );
}

#[tokio::test]
async fn an_upload_without_the_token_is_refused() {
    let app = TestApp::new().await;
    let (client, no) = registration(&app).await;
    let response = post_file(
        &client,
        &app.url(&format!("/registrations/{no}/slots/3-1/files")),
        fixtures::material(2),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_upload_script_is_served_and_wired_to_the_api_with_the_exam_limits() {
    let app = TestApp::new().await;
    let (client, no) = nurse(&app, "shanghai_hukou").await;
    let script = app.anon().get("/static/upload.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(script.text().await.unwrap().contains("X-CSRF-Token"));

    let page = client
        .get(&format!("/registrations/{no}/materials"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<script src="/static/upload.js" defer></script>"#));
    assert!(
        page.contains(&format!(
            r#"data-api="/api/v1/registrations/{no}/slots/3-1/files" data-csrf="{}" data-max-kb="150" data-min-kb="10""#,
            client.csrf_token
        )),
        "{page}"
    );
    let page = client
        .get(&format!("/registrations/{no}/photo"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"data-api="/api/v1/registrations/{no}/photo" data-method="PUT""#
        )),
        "{page}"
    );
}
