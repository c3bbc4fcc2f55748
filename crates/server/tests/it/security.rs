use examreg_test_support::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let client = app.anon();
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/static/app.css", StatusCode::OK),
        ("/api/v1/exams", StatusCode::OK),
        ("/api/v1/exams/none", StatusCode::NOT_FOUND),
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/healthz", StatusCode::OK),
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.get("x-request-id").is_some(), "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_when_served_over_https() {
    let app = TestApp::builder()
        .configure(|c| c.https = true)
        .build()
        .await;
    let response = app.anon().get("/").await;
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn error_pages_are_generic_chinese_pages_with_the_request_id() {
    let app = TestApp::new().await;
    let response = app.anon().get("/admin/../etc/passwd").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();
    let doc = scraper::Html::parse_document(&body);
    let h1 = scraper::Selector::parse("h1").unwrap();
    let heading: String = doc.select(&h1).flat_map(|e| e.text()).collect();
    assert_eq!(heading, "您访问的页面或资源不存在");
    assert!(body.contains(&request_id));
}
