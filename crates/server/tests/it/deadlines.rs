//! Deadlines: 17:00前 means before 17:00:00; after the resubmit deadline everything not
//! confirmed is 视为自动放弃, by a job that is harmless when run twice.

use examreg_server::jobs::abandon_after_deadlines::run_once;
use examreg_test_support::{SignedInClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::journey::{ready_to_submit_with_login, send};

async fn status_seen_by(staff: &SignedInClient, no: &str) -> Value {
    staff
        .get_json(&format!("/api/v1/staff/registrations/{no}"))
        .await
        .1["status"]
        .clone()
}

#[tokio::test]
async fn the_resubmit_deadline_boundary_and_the_abandonment_job() {
    let app = TestApp::builder()
        .at(datetime!(2024-12-09 22:00 +8))
        .build()
        .await;
    let admin = app.staff("admin", &[]).await;
    let decide = |no: String, decision: &'static str, reasons: Value| {
        let admin = admin.clone();
        async move {
            let revision = admin
                .get_json(&format!("/api/v1/staff/registrations/{no}"))
                .await
                .1["revision"]
                .clone();
            send(
                &admin,
                Method::POST,
                &format!("/api/v1/staff/registrations/{no}/confirmation"),
                json!({"decision": decision, "revision": revision, "reasons": reasons}),
            )
            .await
        }
    };

    // A draft, a submitted, a returned and a confirmed registration.
    let draft = {
        let client = app.candidate().await;
        let (_, created) = send(
            &client,
            Method::POST,
            "/api/v1/registrations",
            json!({"exam": "2025-shanghai"}),
        )
        .await;
        created["registration_no"].as_str().unwrap().to_owned()
    };
    let mut submitted = Vec::new();
    for _ in 0..3 {
        let (client, no, login) = ready_to_submit_with_login(&app).await;
        let (status, _) = send(
            &client,
            Method::POST,
            &format!("/api/v1/registrations/{no}/submit"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        submitted.push((no, login));
    }
    let (waiting, returned, confirmed) = (
        submitted[0].0.clone(),
        submitted[1].clone(),
        submitted[2].0.clone(),
    );
    assert_eq!(
        decide(
            returned.0.clone(),
            "return",
            json!([{"code": "material_unclear"}])
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        decide(confirmed.clone(), "confirm", json!([])).await.0,
        StatusCode::OK
    );

    // One second before 17:00 the returned registration may still be resubmitted …
    app.clock.set(datetime!(2024-12-11 16:59:59 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 0, "nothing is due yet");
    let candidate = app.sign_in_as(&returned.1).await;
    let submit = format!("/api/v1/registrations/{}/submit", returned.0);
    let (status, _) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{}/withdraw", returned.0),
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a returned registration is not withdrawn, it is resubmitted"
    );
    // … (it is not resubmitted here, to be abandoned below); at 17:00:00 it no longer may.
    app.clock.set(datetime!(2024-12-11 17:00 +8));
    let admin = app.staff("admin", &[]).await;
    let candidate = app.sign_in_as(&returned.1).await;
    let (status, body) = send(&candidate, Method::POST, &submit, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("submission_closed"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2024年12月11日 17:00"),
        "{body}"
    );

    assert_eq!(
        run_once(&app.state).await.unwrap(),
        3,
        "draft, submitted and returned"
    );
    assert_eq!(
        run_once(&app.state).await.unwrap(),
        0,
        "a second run changes nothing"
    );
    for no in [&draft, &waiting, &returned.0] {
        assert_eq!(status_seen_by(&admin, no).await, "abandoned", "{no}");
    }
    assert_eq!(status_seen_by(&admin, &confirmed).await, "confirmed");
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{}", returned.0))
        .await;
    assert_eq!(mine["status_label"], "视为自动放弃");

    // Qualified but unpaid when the payment window closes: abandoned too.
    let area = app.staff("area-reviewer", &[]).await;
    let revision = area
        .get_json(&format!("/api/v1/staff/registrations/{confirmed}"))
        .await
        .1["revision"]
        .clone();
    let (status, _) = send(
        &area,
        Method::POST,
        &format!("/api/v1/staff/registrations/{confirmed}/qualification"),
        json!({"decision": "approve", "revision": revision}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set(datetime!(2025-02-16 23:59:59 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 0);
    app.clock.set(datetime!(2025-02-17 00:00 +8));
    assert_eq!(run_once(&app.state).await.unwrap(), 1);
    let admin = app.staff("admin", &[]).await;
    assert_eq!(status_seen_by(&admin, &confirmed).await, "abandoned");
}

#[tokio::test]
async fn two_nodes_running_the_job_at_once_abandon_each_registration_once() {
    let app = TestApp::builder()
        .at(datetime!(2024-12-09 22:00 +8))
        .build()
        .await;
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
}
