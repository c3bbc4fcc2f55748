//! 报名确认 through the API: the whole story, scope, races, bad decisions.

use examreg_test_support::{SignedInClient, TestApp, fixtures};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::journey::{ready_to_submit, send};

pub(crate) async fn submitted(app: &TestApp) -> (SignedInClient, String) {
    let (client, no) = ready_to_submit(app).await;
    let (status, body) = send(
        &client,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (client, no)
}

pub(crate) async fn case(reviewer: &SignedInClient, no: &str) -> Value {
    let (status, body) = reviewer
        .get_json(&format!("/api/v1/staff/registrations/{no}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) async fn decide(
    reviewer: &SignedInClient,
    no: &str,
    body: Value,
) -> (StatusCode, Value) {
    send(
        reviewer,
        Method::POST,
        &format!("/api/v1/staff/registrations/{no}/confirmation"),
        body,
    )
    .await
}

#[tokio::test]
async fn return_fix_resubmit_confirm() {
    let app = TestApp::new().await;
    let (candidate, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;

    let (status, queue) = pudong
        .get_json("/api/v1/staff/registrations?status=submitted")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["registration_no"], no.as_str());
    assert_eq!(queue[0]["name"], "张三");

    let seen = case(&pudong, &no).await;
    assert_eq!(seen["status"], "submitted");
    assert_eq!(
        seen["files"].as_array().unwrap().len(),
        10,
        "photo and nine materials"
    );
    let (status, returned) = decide(
        &pudong,
        &no,
        json!({"decision": "return", "revision": seen["revision"], "reasons": [
            {"code": "material_unclear", "slot": "3-1", "note": "学历证书照片模糊"},
            {"code": "form_not_signed"},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{returned}");
    assert_eq!(returned["status"], "returned");

    // The candidate reads the reasons, replaces the unclear scan and resubmits.
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "returned");
    assert_eq!(
        mine["return_reasons"],
        json!([
            "材料不清晰（材料框 3-1）：学历证书照片模糊",
            "申请表未签字盖章"
        ])
    );
    let (_, slots) = candidate
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    let old = slots
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "3-1")
        .unwrap()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = candidate
        .send(
            Method::DELETE,
            &format!("/api/v1/registrations/{no}/files/{old}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = candidate
        .upload(&no, "3-1", fixtures::material(4242), "clear.jpg")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "materials must be completed again: {body}"
    );
    send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/materials/complete"),
        json!({}),
    )
    .await;
    let (status, body) = send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The reviewer sees what changed since the return: one file out, one in, no field.
    let seen = case(&pudong, &no).await;
    let changes = &seen["changes_since_last_decision"];
    assert_eq!(changes["files_removed"], json!([old]));
    assert_eq!(changes["files_added"].as_array().unwrap().len(), 1);
    assert_eq!(changes["fields"], json!([]));
    let page = pudong
        .get(&format!("/staff/registrations/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("自上次审核以来的变化"), "{page}");
    assert!(page.contains("新上传 1 个文件"));
    assert!(page.contains("已删除"));
    let (status, confirmed) = decide(
        &pudong,
        &no,
        json!({"decision": "confirm", "revision": seen["revision"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(
        mine["steps"][4],
        json!({"label": "报名确认", "reached": true})
    );

    let (_, history) = candidate
        .get_json(&format!("/api/v1/registrations/{no}/history"))
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .filter(|a| a.starts_with("review.") || *a == "registration.submitted")
        .collect();
    assert_eq!(
        actions,
        [
            "registration.submitted",
            "review.returned",
            "registration.submitted",
            "review.confirmed"
        ]
    );
}

#[tokio::test]
async fn reviewers_see_only_their_points() {
    let app = TestApp::new().await;
    let (_, no) = submitted(&app).await;
    let huangpu = app.staff("point-reviewer", &["310101"]).await;
    let (_, queue) = huangpu.get_json("/api/v1/staff/registrations").await;
    assert_eq!(queue, json!([]));
    assert_eq!(
        huangpu
            .get_json(&format!("/api/v1/staff/registrations/{no}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = decide(&huangpu, &no, json!({"decision": "confirm", "revision": 1})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let area = app.staff("area-reviewer", &[]).await;
    let (_, queue) = area.get_json("/api/v1/staff/registrations").await;
    assert_eq!(
        queue.as_array().unwrap().len(),
        1,
        "the area sees every point"
    );
    let seen = case(&area, &no).await;
    let (status, body) = decide(
        &area,
        &no,
        json!({"decision": "confirm", "revision": seen["revision"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );

    let candidate = app.candidate().await;
    let response = candidate.get("/api/v1/staff/registrations").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn images_are_served_to_reviewers_in_scope_only() {
    let app = TestApp::new().await;
    let (_, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let seen = case(&pudong, &no).await;
    let file = seen["files"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/staff/registrations/{no}/files/{file}");
    let response = pudong.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    let huangpu = app.staff("point-reviewer", &["310101"]).await;
    assert_eq!(huangpu.get(&path).await.status(), StatusCode::NOT_FOUND);
    let other = app.candidate().await;
    assert_eq!(other.get(&path).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_reviewers_at_once_one_decision() {
    let app = TestApp::new().await;
    let (_, no) = submitted(&app).await;
    let a = app.staff("point-reviewer", &["310115"]).await;
    let b = app.staff("point-reviewer", &["310115"]).await;
    let revision = case(&a, &no).await["revision"].clone();
    let (ra, rb) = tokio::join!(
        decide(
            &a,
            &no,
            json!({"decision": "confirm", "revision": revision})
        ),
        decide(
            &b,
            &no,
            json!({"decision": "return", "revision": revision, "reasons": [{"code": "other", "note": "x"}]})
        ),
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} {}",
        ra.1,
        rb.1
    );
    let loser = if ra.0 == StatusCode::CONFLICT {
        ra.1
    } else {
        rb.1
    };
    assert!(
        matches!(
            loser["error"]["code"].as_str(),
            Some("revision_conflict" | "wrong_status")
        ),
        "{loser}"
    );
}

#[tokio::test]
async fn a_decision_on_a_changed_registration_is_refused() {
    let app = TestApp::new().await;
    let (candidate, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let seen = case(&pudong, &no).await;
    // The candidate withdraws, changes nothing else, and submits again: a new revision.
    send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/withdraw"),
        json!({}),
    )
    .await;
    send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    let (status, body) = decide(
        &pudong,
        &no,
        json!({"decision": "confirm", "revision": seen["revision"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("revision_conflict"))
    );
}

#[tokio::test]
async fn bad_decisions_are_refused_specifically() {
    let app = TestApp::new().await;
    let (_, no) = submitted(&app).await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let revision = case(&pudong, &no).await["revision"].clone();
    let cases = [
        (
            json!({"decision": "return", "revision": revision}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reasons",
        ),
        (
            json!({"decision": "return", "revision": revision, "reasons": [{"code": "bad_hair_day"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reasons[0].code",
        ),
        (
            json!({"decision": "return", "revision": revision, "reasons": [{"code": "other", "slot": "99"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "reasons[0].slot",
        ),
        (
            json!({"decision": "maybe", "revision": revision}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "decision",
        ),
    ];
    for (body, status, field) in cases {
        let (got, answer) = decide(&pudong, &no, body).await;
        assert_eq!(got, status, "{answer}");
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{field}: {answer}"
        );
    }
    // On a draft there is nothing to confirm.
    let draft_owner = app.candidate().await;
    let (_, created) = send(
        &draft_owner,
        Method::POST,
        "/api/v1/registrations",
        json!({"exam": "2025-shanghai"}),
    )
    .await;
    let draft = created["registration_no"].as_str().unwrap();
    let area = app.staff("admin", &[]).await;
    let seen = case(&area, draft).await;
    let (status, body) = decide(
        &area,
        draft,
        json!({"decision": "confirm", "revision": seen["revision"]}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("wrong_status"))
    );
}

#[tokio::test]
async fn qualification_is_decided_by_the_area_and_shown_from_publication() {
    let app = TestApp::new().await;
    let (candidate, no, login) = crate::journey::ready_to_submit_with_login(&app).await;
    send(
        &candidate,
        Method::POST,
        &format!("/api/v1/registrations/{no}/submit"),
        json!({}),
    )
    .await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let revision = case(&pudong, &no).await["revision"].clone();
    let (status, _) = decide(
        &pudong,
        &no,
        json!({"decision": "confirm", "revision": revision}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let qualify = |reviewer: SignedInClient, body: Value| {
        let no = no.clone();
        async move {
            send(
                &reviewer,
                Method::POST,
                &format!("/api/v1/staff/registrations/{no}/qualification"),
                body,
            )
            .await
        }
    };
    let revision = case(&pudong, &no).await["revision"].clone();
    let (status, _) = qualify(
        pudong.clone(),
        json!({"decision": "approve", "revision": revision}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "points confirm; the area qualifies"
    );
    let area = app.staff("area-reviewer", &[]).await;
    let (status, body) = qualify(
        area.clone(),
        json!({"decision": "approve", "revision": revision}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("decision_closed")),
        "资格审核 only in its window"
    );
    app.clock.set(time::macros::datetime!(2025-01-06 09:00 +8));
    let area = app.staff("area-reviewer", &[]).await;
    let (status, body) = qualify(
        area.clone(),
        json!({"decision": "approve", "revision": revision}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "qualified");

    // Before 2025-01-26 the candidate still reads 报名确认通过.
    let candidate = app.sign_in_as(&login).await;
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "confirmed");
    assert_eq!(mine["steps"][5]["reached"], false);
    let (_, history) = candidate
        .get_json(&format!("/api/v1/registrations/{no}/history"))
        .await;
    assert!(
        !history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "review.qualified")
    );

    // From the publication time on, the result shows.
    app.clock.set(time::macros::datetime!(2025-01-26 00:00 +8));
    let candidate = app.sign_in_as(&login).await;
    let (_, mine) = candidate
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["status"], "qualified");
    assert_eq!(
        mine["steps"][5],
        json!({"label": "资格审核", "reached": true})
    );
}
