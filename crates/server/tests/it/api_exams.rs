use examreg_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

#[tokio::test]
async fn open_exams_follow_the_injected_clock() {
    let app = TestApp::builder()
        .at(datetime!(2024-12-09 23:59:59 +8))
        .build()
        .await;
    let client = app.anon();
    let (status, body) = client.get_json("/api/v1/exams").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<_> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids, [json!("2025-shanghai")]);
    assert_eq!(
        body[0]["calendar"]["resubmit_deadline"],
        "2024-12-11T17:00:00+08:00"
    );

    // One second later the window has closed: the time came from the clock we hold.
    app.clock.advance(time::Duration::seconds(1));
    let (status, body) = client.get_json("/api/v1/exams").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn an_exam_as_candidates_see_it() {
    let app = TestApp::new().await;
    let (status, exam) = app.anon().get_json("/api/v1/exams/2025-shanghai").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(exam["title"], "2025年度卫生专业技术资格考试");
    assert_eq!(exam["registration_open"], true);
    assert_eq!(exam["points"].as_array().unwrap().len(), 16);
    assert_eq!(exam["subjects"].as_array().unwrap().len(), 4);
    assert_eq!(
        exam["fees"],
        json!({ "per_subject_fen": 5000, "currency": "CNY" })
    );
    assert_eq!(exam["upload_limits"]["materials"]["min_bytes"], 10 * 1024);
    assert_eq!(exam["upload_limits"]["materials"]["max_bytes"], 150 * 1024);
    let slots = exam["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 30);
    assert_eq!(
        slots[7],
        json!({
            "id": "4-3a",
            "title": "护士执业证书(带照片和签发日期页)-1页",
            "max_files": 1,
            "page_hint": 1,
            "reason": "报考护师、主管护师须上传护士执业证书",
        })
    );
    let specialty = exam["specialties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "203")
        .unwrap();
    assert_eq!(
        specialty,
        &json!({
            "code": "203", "name": "护理学", "level": "junior", "category": "nursing",
            "paper_based": true, "unconfirmed": false,
        })
    );
}

#[tokio::test]
async fn unknown_exams_and_routes_answer_in_the_contract_error_shape() {
    let app = TestApp::new().await;
    let client = app.anon();
    for path in ["/api/v1/exams/2031-atlantis", "/api/v1/nothing-here"] {
        let (status, body) = client.get_json(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body,
            json!({ "error": { "code": "not_found", "message": "您访问的页面或资源不存在" } })
        );
    }

    // A client without cookies, as API clients are (with cookies, CSRF checks come first).
    let bare = examreg_test_support::http();
    let response = bare.delete(app.url("/api/v1/exams")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");

    let response = bare
        .post(app.url("/api/v1/exams"))
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn openapi_document_describes_every_api_route() {
    let app = TestApp::new().await;
    let (status, doc) = app.anon().get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    let paths: Vec<_> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        paths,
        [
            "/api/v1/accounts",
            "/api/v1/accounts/phone-codes",
            "/api/v1/captcha",
            "/api/v1/exams",
            "/api/v1/exams/{id}",
            "/api/v1/me",
            "/api/v1/me/password",
            "/api/v1/password-resets",
            "/api/v1/password-resets/confirm",
            "/api/v1/payments/{provider}/notify",
            "/api/v1/registrations",
            "/api/v1/registrations/{no}",
            "/api/v1/registrations/{no}/files/{id}",
            "/api/v1/registrations/{no}/form.pdf",
            "/api/v1/registrations/{no}/history",
            "/api/v1/registrations/{no}/materials/complete",
            "/api/v1/registrations/{no}/payment",
            "/api/v1/registrations/{no}/photo",
            "/api/v1/registrations/{no}/photo/confirm",
            "/api/v1/registrations/{no}/sections/{section}",
            "/api/v1/registrations/{no}/slots",
            "/api/v1/registrations/{no}/slots/{slot}/files",
            "/api/v1/registrations/{no}/submit",
            "/api/v1/registrations/{no}/withdraw",
            "/api/v1/session",
            "/api/v1/staff/me",
            "/api/v1/staff/registrations",
            "/api/v1/staff/registrations/{no}",
            "/api/v1/staff/registrations/{no}/confirmation",
            "/api/v1/staff/registrations/{no}/files/{id}",
            "/api/v1/staff/registrations/{no}/qualification",
            "/api/v1/staff/session",
            "/api/v1/verify",
        ]
    );
    // Keys sorted: whether serde_json keeps insertion order depends on the features other
    // crates of the build ask for.
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!("openapi", doc);
    });
}
