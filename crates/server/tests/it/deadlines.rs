//! Deadlines as the seed means them. "17:00前" is before 17:00:00. A returned candidate
//! fixes and resubmits until the resubmit deadline, even after the registration window
//! closed; points return only until the returns close, so the candidate has time; at the
//! resubmit deadline drafts and returned registrations are 视为自动放弃, while submitted
//! ones nobody reviewed go to the exam area; every change tells the candidate.

use examreg_server::jobs::apply_deadlines::run_once;
use examreg_store::notifications;
use examreg_test_support::{CandidateLogin, SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::journey::{ready_to_submit_with_login, send};

async fn case(staff: &SignedInClient, no: &str) -> Value {
    let (status, case) = staff
        .get_json(&format!("/api/v1/staff/registrations/{no}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    case
}

async fn status_seen_by(staff: &SignedInClient, no: &str) -> Value {
    case(staff, no).await["status"].clone()
}

/// A decision through the staff API on the revision the reviewer sees.
async fn decide(
    staff: &SignedInClient,
    no: &str,
    route: &str,
    decision: &str,
    reasons: Value,
) -> (StatusCode, Value) {
    let revision = case(staff, no).await["revision"].clone();
    send(
        staff,
        Method::POST,
        &format!("/api/v1/staff/registrations/{no}/{route}"),
        json!({"decision": decision, "revision": revision, "reasons": reasons}),
    )
    .await
}

async fn submit(client: &SignedInClient, no: &str) -> (StatusCode, Value) {
    send(
        client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await
}

/// A nurse's registration submitted on the evening before the registration closes.
async fn submitted(app: &TestApp) -> (String, CandidateLogin) {
    let (client, no, login) = ready_to_submit_with_login(app).await;
    let (status, body) = submit(&client, &no).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (no, login)
}

/// The evening before the registration window closes.
async fn app_at_the_close() -> TestApp {
    TestApp::builder()
        .at(datetime!(2024-12-09 22:00 +8))
        .build()
        .await
}

/// A page's HTML.
async fn page(client: &SignedInClient, path: &str) -> String {
    client.get(path).await.text().await.unwrap()
}

/// A registration submitted the evening before the close and returned by its point at
/// `at` with `reasons`.
async fn returned_at(
    app: &TestApp,
    at: time::OffsetDateTime,
    reasons: Value,
) -> (String, CandidateLogin) {
    let (no, login) = submitted(app).await;
    app.clock.set(at);
    let point = app.staff("point-reviewer", &["310115"]).await;
    let (status, body) = decide(&point, &no, "confirmation", "return", reasons).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (no, login)
}

/// Messages about registrations queued for `recipient`, subject and body.
async fn messages_to(app: &TestApp, recipient: &str) -> Vec<(String, String)> {
    notifications::pending(app.state.store.conn())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == recipient && m.body.contains("网报号"))
        .map(|m| (m.subject, m.body))
        .collect()
}

async fn phone_of(client: &SignedInClient) -> String {
    client.get_json("/api/v1/me").await.1["phone"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_returned_candidate_fixes_and_resubmits_after_the_registration_window_closed() {
    let app = app_at_the_close().await;
    // The point returns it the morning after the registration window closed.
    let (no, login) = returned_at(
        &app,
        datetime!(2024-12-10 10:00 +8),
        json!([{"code": "material_unclear", "slot": "3-1", "note": "学历证书看不清"}]),
    )
    .await;
    let candidate = app.sign_in_as(&login).await;
    let phone = phone_of(&candidate).await;
    let told = messages_to(&app, &phone).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "报名确认不通过");
    assert!(
        told[0].1.contains("2024年12月11日 17:00 前按审核意见修改")
            && told[0]
                .1
                .contains("材料不清晰（材料框 3-1）：学历证书看不清"),
        "{}",
        told[0].1
    );

    // The next day, before the resubmit deadline: save, replace the file, reprint,
    // upload the signed scan, 上传全部证明材料, submit.
    app.clock.set(datetime!(2024-12-11 16:00 +8));
    let candidate = app.sign_in_as(&login).await;
    let materials = page(&candidate, &format!("/registrations/{no}/materials")).await;
    assert!(crate::html::select(&materials, ".locked-notice").is_empty());
    assert!(!crate::html::select(&materials, "form.upload-form").is_empty());
    let section = page(&candidate, &format!("/registrations/{no}/sections/work")).await;
    assert_eq!(
        crate::html::select(&section, "form[action$='/sections/work'] button"),
        ["保存并继续"]
    );
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "returned");
    assert_eq!(
        mine["allowed"],
        json!({"edit": true, "submit": true, "withdraw": false})
    );
    assert_eq!(
        mine["return_reasons"],
        json!(["材料不清晰（材料框 3-1）：学历证书看不清"])
    );
    let (status, body) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        json!({"employer": "上海市第六人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, slots) = candidate
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    let files_of = |slot: &str| -> Vec<String> {
        slots
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == slot)
            .unwrap()["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (slot, old) in [("3-1", files_of("3-1")), ("form", files_of("form"))] {
        for id in old {
            let response = candidate
                .send(
                    Method::DELETE,
                    &format!("/api/v1/registrations/{no}/files/{id}"),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NO_CONTENT, "{slot}");
        }
    }
    let (status, body) = candidate
        .upload(&no, "3-1", fixtures::material(90_001), "clear.jpg")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let print = candidate
        .get(&format!("/api/v1/registrations/{no}/form.pdf"))
        .await;
    assert_eq!(print.status(), StatusCode::OK);
    let pdf = print.bytes().await.unwrap();
    let (status, body) = candidate
        .upload(&no, "form", fixtures::scan_of_pdf(&pdf, 100, 3), "form.jpg")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["form_barcode"], "current");
    let (status, body) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/materials/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = submit(&candidate, &no).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "submitted");

    // The point sees what changed and confirms before its close.
    let point = app.staff("point-reviewer", &["310115"]).await;
    let seen = case(&point, &no).await;
    let changed: Vec<&str> = seen["changes_since_last_decision"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["employer"]);
    assert_eq!(seen["open_decisions"], json!(["confirm"]), "returns closed");
    let case_page = page(&point, &format!("/staff/registrations/{no}")).await;
    assert_eq!(
        crate::html::select(&case_page, ".deadline-notice p"),
        [
            "退回考生修改已于 2024年12月10日 17:00 截止（须给考生留出修改时间）。现在只能确认通过；不能确认的，报名确认截止后转考区处理"
        ]
    );
    assert_eq!(
        crate::html::select(&case_page, "#decision label"),
        ["确认通过"]
    );
    assert!(crate::html::select(&case_page, "#reasons").is_empty());
    let (status, body) = decide(&point, &no, "confirmation", "confirm", json!([])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");
    let told = messages_to(&app, &phone).await;
    assert_eq!(told.last().unwrap().0, "报名确认通过");
}

#[tokio::test]
async fn after_the_resubmit_deadline_the_same_steps_are_refused_and_name_it() {
    let app = app_at_the_close().await;
    let (no, login) = returned_at(
        &app,
        datetime!(2024-12-10 09:00 +8),
        json!([{"code": "material_unclear"}]),
    )
    .await;

    app.clock.set(datetime!(2024-12-11 17:00 +8));
    let candidate = app.sign_in_as(&login).await;
    let deadline = "2024年12月11日 17:00";
    let (status, body) = send(
        &candidate,
        Method::PUT,
        &format!("/api/v1/registrations/{no}/sections/work"),
        json!({"employer": "上海市第六人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("registration_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(deadline),
        "{body}"
    );
    let (status, body) = candidate
        .upload(&no, "10", fixtures::material(90_002), "late.jpg")
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("uploads_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(deadline)
    );
    let (status, body) = submit(&candidate, &no).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("submission_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(deadline)
    );
    // The pages say so instead of offering forms that would be refused.
    let materials = page(&candidate, &format!("/registrations/{no}/materials")).await;
    assert_eq!(
        crate::html::select(&materials, ".locked-notice p"),
        ["退回修改后重新提交的截止时间为 2024年12月11日 17:00，已过截止时间，不能上传或删除材料。"]
    );
    assert!(crate::html::select(&materials, "form.upload-form").is_empty());
    assert!(crate::html::select(&materials, "form[action$='/complete']").is_empty());
    let section = page(&candidate, &format!("/registrations/{no}/sections/work")).await;
    assert_eq!(crate::html::select(&section, ".locked-notice").len(), 1);
    assert!(crate::html::select(&section, "form[action$='/sections/work'] button").is_empty());

    // Nothing of that changed the registration.
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "returned");
    assert_eq!(mine["allowed"]["edit"], false);
    assert_eq!(mine["sections"]["work"]["employer"], "上海市第一人民医院");
}

#[tokio::test]
async fn points_return_only_while_the_candidate_has_time_and_nobody_withdraws_after_the_close() {
    let app = app_at_the_close().await;
    let (no, login) = submitted(&app).await;

    // The window closed: a withdrawn registration could not be submitted again.
    app.clock.set(datetime!(2024-12-10 00:00 +8));
    let candidate = app.sign_in_as(&login).await;
    let (status, body) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("withdraw_closed"))
    );
    let mine = page(&candidate, &format!("/registrations/{no}")).await;
    assert!(
        crate::html::select(&mine, "form[action$='/withdraw']").is_empty(),
        "no withdraw button"
    );
    assert_eq!(
        crate::html::select(&mine, ".closed-reason"),
        [
            "已提交，请等待报名点确认。网上报名已于 2024年12月10日 00:00 截止，撤回后将无法再次提交，因此不能撤回。"
        ]
    );

    // 16:59 on the last day: too late to return (the candidate would have no time).
    app.clock.set(datetime!(2024-12-11 16:59 +8));
    let point = app.staff("point-reviewer", &["310115"]).await;
    let (status, body) = decide(
        &point,
        &no,
        "confirmation",
        "return",
        json!([{"code": "material_unclear"}]),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("decision_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("退回考生修改已于 2024年12月10日 17:00 截止"),
        "{body}"
    );

    // And 资格审核 waits for its window, even for the area.
    let area = app.staff("area-reviewer", &[]).await;
    let (status, body) = decide(&point, &no, "confirmation", "confirm", json!([])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = decide(&area, &no, "qualification", "approve", json!([])).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("decision_closed"))
    );
    app.clock.set(datetime!(2025-01-06 09:00 +8));
    let area = app.staff("area-reviewer", &[]).await;
    let (status, body) = decide(&area, &no, "qualification", "approve", json!([])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn at_the_deadline_what_the_candidate_left_is_abandoned_and_what_the_point_left_goes_to_the_area()
 {
    let app = app_at_the_close().await;
    // A draft, a submitted one nobody looks at, a returned one, a confirmed one.
    let draft_client = app.candidate().await;
    let (_, created) = send(
        &draft_client,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    let draft = created["registration_no"].as_str().unwrap().to_owned();
    let (waiting, waiting_login) = submitted(&app).await;
    let (returned, _) = submitted(&app).await;
    let (confirmed, _) = submitted(&app).await;
    let admin = app.staff("admin", &[]).await;
    let (status, _) = decide(
        &admin,
        &returned,
        "confirmation",
        "return",
        json!([{"code": "material_unclear"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = decide(&admin, &confirmed, "confirmation", "confirm", json!([])).await;
    assert_eq!(status, StatusCode::OK);

    // The point's console warns ahead of the close.
    let point = app.staff("point-reviewer", &["310115"]).await;
    let console = page(&point, "/staff").await;
    assert_eq!(
        crate::html::select(&console, "#waiting li"),
        [
            "2025年度卫生专业技术资格考试：1 条待报名点确认，报名确认截止 2024年12月11日 17:00。逾期未确认的将转考区审核。"
        ]
    );

    app.clock.set(datetime!(2024-12-11 16:59:59 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 0, "nothing is due yet");
    app.clock.set(datetime!(2024-12-11 17:00 +8));
    assert_eq!(
        run_once(&app.state).await.unwrap(),
        3,
        "draft and returned abandoned, submitted escalated"
    );
    assert_eq!(
        run_once(&app.state).await.unwrap(),
        0,
        "a second run changes nothing"
    );
    let admin = app.staff("admin", &[]).await;
    for (no, expected) in [
        (&draft, "abandoned"),
        (&returned, "abandoned"),
        (&waiting, "escalated"),
        (&confirmed, "confirmed"),
    ] {
        assert_eq!(status_seen_by(&admin, no).await, expected, "{no}");
    }
    let candidate = app.sign_in_as(&waiting_login).await;
    let phone = phone_of(&candidate).await;
    assert_eq!(
        messages_to(&app, &phone).await.last().unwrap().0,
        "报名已转考区审核"
    );
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{waiting}"))
        .await;
    assert_eq!(mine["status_label"], "报名点未在截止前确认，已转考区审核");

    // The point may no longer decide; the area does.
    let point = app.staff("point-reviewer", &["310115"]).await;
    let (status, body) = decide(&point, &waiting, "confirmation", "confirm", json!([])).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden")),
        "{body}"
    );
    let area = app.staff("area-reviewer", &[]).await;
    assert_eq!(
        case(&area, &waiting).await["open_decisions"],
        json!(["confirm", "disqualify"])
    );
    let (status, body) = decide(&area, &waiting, "confirmation", "confirm", json!([])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");

    // Qualified but unpaid when the payment window closes: abandoned too.
    app.clock.set(datetime!(2025-01-10 10:00 +8));
    let area = app.staff("area-reviewer", &[]).await;
    let (status, _) = decide(&area, &confirmed, "qualification", "approve", json!([])).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set(datetime!(2025-02-16 23:59:59 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 0);
    app.clock.set(datetime!(2025-02-17 00:00 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 1);
    let admin = app.staff("admin", &[]).await;
    assert_eq!(status_seen_by(&admin, &confirmed).await, "abandoned");
}

#[tokio::test]
async fn two_nodes_running_the_job_at_once_change_each_registration_once() {
    let app = app_at_the_close().await;
    for _ in 0..5 {
        let client = app.candidate().await;
        send(
            &client,
            Method::POST,
            "/api/v1/registrations",
            json!({"exam": "2025-shanghai"}),
        )
        .await;
    }
    app.clock.set(datetime!(2024-12-11 17:00 +8));
    let (a, b) = tokio::join!(run_once(&app.state), run_once(&app.state));
    assert_eq!(a.unwrap() + b.unwrap(), 5);
    let rows = examreg_store::audit::recent(app.state.store.conn(), 100)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| r.action == "registration.abandoned")
            .count(),
        5
    );
    assert_eq!(
        notifications::pending(app.state.store.conn())
            .await
            .unwrap()
            .iter()
            .filter(|m| m.subject == "视为自动放弃")
            .count(),
        5,
        "one message each"
    );
}
