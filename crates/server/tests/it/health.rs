use examreg_test_support::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_while_the_process_runs() {
    let app = TestApp::new().await;
    let response = app.anon().get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok\n");
}

#[tokio::test]
async fn readyz_checks_database_and_file_store() {
    let app = TestApp::new().await;
    let client = app.anon();
    let response = client.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ready\n");

    // The file store stops answering (its marker is gone, as when a volume is unmounted
    // or a bucket emptied).
    app.state.files.delete("health/ready").await.unwrap();
    let response = client.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text().await.unwrap(), "not ready: file store\n");

    // And the database too.
    app.state.store.clone().close().await.unwrap();
    let response = client.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.text().await.unwrap(),
        "not ready: database, file store\n"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = TestApp::new().await;
    let client = app.anon();
    assert_eq!(
        client.get("/api/v1/exams/2025-shanghai").await.status(),
        StatusCode::OK
    );
    let response = client.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    // The recorder is process-wide: other tests count too, so look for our label set.
    let counted = text.lines().any(|l| {
        l.starts_with("http_requests_total")
            && l.contains(r#"route="/api/v1/exams/{id}""#)
            && l.contains(r#"status="200""#)
    });
    assert!(counted, "no request counter for the route in:\n{text}");
    assert!(
        !text.contains("2025-shanghai"),
        "raw paths never become labels"
    );
}
