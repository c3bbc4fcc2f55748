//! 提交报名信息 and 撤回 through the API.

use examreg_store::audit;
use examreg_test_support::{TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::journey::{ready_to_submit, send};

#[tokio::test]
async fn a_complete_registration_is_submitted_once() {
    let app = TestApp::new().await;
    let (client, no) = ready_to_submit(&app).await;
    let submit = format!("/api/v1/registrations/{no}/submit");
    // Two tabs, one click each, at the same time.
    let (a, b) = tokio::join!(
        send(&client, Method::POST, &submit, json!({})),
        send(&client, Method::POST, &submit, json!({}))
    );
    assert_eq!(
        (a.0, b.0),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        a.1,
        b.1
    );
    assert_eq!(a.1["status"], "submitted");
    assert_eq!(b.1["status"], "submitted");
    let steps: Vec<bool> = a.1["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_bool().unwrap())
        .collect();
    assert_eq!(steps, [true, true, true, true, false, false, false]);

    let (status, history) = client
        .get_json(&format!("/api/v1/registrations/{no}/history"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let submitted = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "registration.submitted")
        .count();
    assert_eq!(submitted, 1, "one transition, one audit row");

    // While submitted, nothing can be changed.
    let (status, body) = client
        .upload(&no, "10", fixtures::material(999), "late.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("uploads_closed"))
    );
}

#[tokio::test]
async fn an_incomplete_registration_hears_everything_that_is_missing() {
    let app = TestApp::new().await;
    let client = app.candidate().await;
    let (_, created) = send(
        &client,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    let no = created["registration_no"].as_str().unwrap();
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut keys: Vec<String> = body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "form",
            "materials",
            "photo",
            "sections.basic",
            "sections.education",
            "sections.exam",
            "sections.work"
        ]
    );
}

#[tokio::test]
async fn a_form_signed_before_the_last_change_is_not_current() {
    let app = TestApp::new().await;
    let (client, no) = ready_to_submit(&app).await;
    let work = json!({"employer": "上海市第六人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8});
    let (status, _) = send(
        &client,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        work,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["form"][0]
            .as_str()
            .unwrap()
            .contains("请重新打印《申请表》"),
        "{body}"
    );
}

#[tokio::test]
async fn withdraw_returns_the_registration_to_the_candidate() {
    let app = TestApp::new().await;
    let (client, no) = ready_to_submit(&app).await;
    send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "draft");
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("withdraw_closed")),
        "a draft is not withdrawn"
    );

    let actions: Vec<String> = audit::recent(app.state.store.conn(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(actions.contains(&"registration.withdrawn".to_owned()));
}

#[tokio::test]
async fn submission_after_the_window_names_the_dates() {
    let app = TestApp::builder()
        .at(time::macros::datetime!(2024-12-09 23:00 +8))
        .build()
        .await;
    let (client, no) = ready_to_submit(&app).await;
    app.clock.advance(time::Duration::minutes(29));
    let (status, _) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "23:29: still open");
    send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    app.clock.advance(time::Duration::minutes(29));
    let (status, _) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "23:58: still open");
    send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    app.clock.advance(time::Duration::minutes(2));
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("submission_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2024年12月10日 00:00"),
        "{body}"
    );
}

#[tokio::test]
async fn submitting_and_withdrawing_from_the_page() {
    use crate::html::{attr, select};
    let app = TestApp::new().await;
    let (client, no) = ready_to_submit(&app).await;
    let page = client
        .get(&format!("/registrations/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, ".status-line strong"), ["填写中"]);
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let action = attr(
        &page,
        &format!("form[action='/registrations/{no}/submit']"),
        "action",
    )
    .unwrap();
    let response = client
        .http
        .post(app.url(&action))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(response.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, ".confirmation h2"), ["报名信息已提交"]);
    assert!(select(&page, ".confirmation")[0].contains(&no));
    assert_eq!(
        select(&page, ".status-line strong"),
        ["已提交，待报名点确认"]
    );
    assert_eq!(select(&page, ".progress li.reached").len(), 4);

    let withdraw = format!("/registrations/{no}/withdraw");
    let response = client
        .http
        .post(app.url(&withdraw))
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
    assert_eq!(select(&page, ".status-line strong"), ["填写中"]);
}

#[tokio::test]
async fn an_incomplete_submission_from_the_page_lists_what_is_missing() {
    use crate::html::{attr, select};
    let app = TestApp::new().await;
    let client = app.candidate().await;
    let (_, created) = send(
        &client,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    let no = created["registration_no"].as_str().unwrap();
    let page = client
        .get(&format!("/registrations/{no}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = attr(&page, "input[name=csrf_token]", "value").unwrap();
    let response = client
        .http
        .post(app.url(&format!("/registrations/{no}/submit")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let items = select(&page, ".error-summary li");
    assert!(items[0].starts_with("还有 7 项未完成"), "{items:?}");
    assert!(
        items.iter().any(|i| i == "请上传并确认报名照片"),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i == "请填写“基本情况”"), "{items:?}");
}
