//! Accounts: registration, password change and reset, staff scope, audit.

use examreg_store::audit;
use examreg_test_support::{TestApp, resident_id};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::journey::post_anonymous as post;

fn account(username: &str, id_number: &str) -> Value {
    json!({
        "username": username, "password": "长江后浪推前浪 2024", "name": "阿依古丽・买买提",
        "id_type": "resident_id", "id_number": id_number, "phone": "13812345678",
    })
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let mut rows = audit::recent(app.state.store.conn(), 100).await.unwrap();
    rows.reverse();
    rows.into_iter().map(|r| (r.action, r.outcome)).collect()
}

#[tokio::test]
async fn one_account_per_identity_document() {
    let app = TestApp::new().await;
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("li.hua", "310101199003071230"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["username"], "li.hua");

    // Same document (typed with a lowercase x elsewhere is the same rule): refused, with a way back.
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("li.hua2", "310101199003071230"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "identity_registered");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("找回密码")
    );

    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("LI.HUA", &resident_id(900)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "username_taken");

    let (status, me) = {
        let client = examreg_test_support::http();
        let (_, session) = post(
            &app,
            "/api/v1/session",
            json!({"username": "li.hua", "password": "长江后浪推前浪 2024"}),
        )
        .await;
        let response = client
            .get(app.url("/api/v1/me"))
            .bearer_auth(session["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me["name"], "阿依古丽·买买提",
        "the middle dot is normalised"
    );
    assert_eq!(
        audit_actions(&app)
            .await
            .iter()
            .filter(|(a, _)| a == "account.registered")
            .count(),
        1
    );
}

#[tokio::test]
async fn invalid_registrations_name_every_field_and_store_nothing() {
    let app = TestApp::new().await;
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        json!({
            "username": "x", "password": "password1", "name": "张三3", "id_type": "resident_id",
            "id_number": "310101199003071231", "phone": "12345", "email": "not-an-email",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body["error"]["fields"].as_object().unwrap();
    let mut names: Vec<_> = fields.keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "email",
            "id_number",
            "name",
            "password",
            "phone",
            "username"
        ]
    );
    assert_eq!(
        fields["id_number"][0],
        "居民身份证号码校验位不正确，请核对号码"
    );
    assert_eq!(
        fields["password"][0],
        "该密码过于常见，容易被猜中，请换一个"
    );

    for (body, status) in [
        (json!({"username": "abc"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"username": "abc", "password": "x", "name": "x", "id_type": "x", "id_number": "x", "phone": "x", "admin": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (got, answer) = post(&app, "/api/v1/accounts", body).await;
        assert_eq!(got, status, "{answer}");
    }
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/accounts"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/accounts"))
        .body("username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(audit_actions(&app).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::new().await;
    app.register_candidate("wang.wu").await;
    let (s1, b1) = post(
        &app,
        "/api/v1/session",
        json!({"username": "wang.wu", "password": "wrong password!"}),
    )
    .await;
    let (s2, b2) = post(
        &app,
        "/api/v1/session",
        json!({"username": "nobody.here", "password": "wrong password!"}),
    )
    .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(b1["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::new().await;
    let login = app.register_candidate("sun.qi").await;
    let sign_in = || {
        post(
            &app,
            "/api/v1/session",
            json!({"username": login.username, "password": login.password}),
        )
    };
    let (_, phone) = sign_in().await;
    let (_, laptop) = sign_in().await;
    let client = examreg_test_support::http();
    let response = client
        .put(app.url("/api/v1/me/password"))
        .bearer_auth(laptop["token"].as_str().unwrap())
        .json(&json!({"current_password": login.password, "new_password": "一个全新的密码 2025"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = |t: &Value| {
        client
            .get(app.url("/api/v1/me"))
            .bearer_auth(t["token"].as_str().unwrap().to_owned())
            .send()
    };
    assert_eq!(me(&laptop).await.unwrap().status(), StatusCode::OK);
    assert_eq!(me(&phone).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        &app,
        "/api/v1/session",
        json!({"username": login.username, "password": "一个全新的密码 2025"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn password_reset_by_a_one_time_code() {
    let app = TestApp::new().await;
    let login = app.register_candidate("zhou.ba").await;
    let (_, session) = post(
        &app,
        "/api/v1/session",
        json!({"username": login.username, "password": login.password}),
    )
    .await;

    // Asking answers the same for unknown people.
    for who in [login.id_number.as_str(), "no.such.user"] {
        let (status, _) = post(
            &app,
            "/api/v1/password-resets",
            json!({"login": who, "channel": "sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(
        examreg_server::jobs::deliver_notifications::run_once(&app.state)
            .await
            .unwrap(),
        1
    );
    let outbox = app.data_dir.path().join("outbox");
    let message = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(message).unwrap();
    assert!(text.contains("To: 138"), "{text}");
    let code: String = text
        .split("验证码为 ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();

    let confirm = |code: &str| json!({"login": login.username, "code": code, "new_password": "一个全新的密码 2025"});
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = post(&app, "/api/v1/password-resets/confirm", confirm(wrong)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["code"][0],
        "验证码不正确或已失效，请重新获取"
    );
    let (status, _) = post(&app, "/api/v1/password-resets/confirm", confirm(&code)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post(&app, "/api/v1/password-resets/confirm", confirm(&code)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "single use");

    let me = examreg_test_support::http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(session["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "a reset ends every session"
    );
    let (status, _) = post(
        &app,
        "/api/v1/session",
        json!({"username": login.username, "password": "一个全新的密码 2025"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn reset_codes_expire() {
    let app = TestApp::new().await;
    let login = app.register_candidate("wu.jiu").await;
    post(
        &app,
        "/api/v1/password-resets",
        json!({"login": login.username, "channel": "sms"}),
    )
    .await;
    let text = {
        examreg_server::jobs::deliver_notifications::run_once(&app.state)
            .await
            .unwrap();
        let path = std::fs::read_dir(app.data_dir.path().join("outbox"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        std::fs::read_to_string(path).unwrap()
    };
    let code: String = text
        .split("验证码为 ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    app.clock.advance(time::Duration::minutes(10));
    let (status, _) = post(
        &app,
        "/api/v1/password-resets/confirm",
        json!({"login": login.username, "code": code, "new_password": "一个全新的密码 2025"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn staff_see_their_scope_and_candidates_cannot_use_staff_routes() {
    let app = TestApp::new().await;
    let pudong = app.staff("point-reviewer", &["310115"]).await;
    let (status, me) = pudong.get_json("/api/v1/staff/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "point-reviewer");
    assert_eq!(me["points"], json!(["310115"]));
    let area = app.staff("area-reviewer", &[]).await;
    assert_eq!(
        area.get_json("/api/v1/staff/me").await.1["points"],
        Value::Null
    );

    // A candidate's token does not open staff routes, nor a staff token candidate routes.
    let candidate = app.candidate().await;
    let response = examreg_test_support::http()
        .get(app.url("/api/v1/staff/me"))
        .bearer_auth(&candidate.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "a candidate on a staff route"
    );
    let response = examreg_test_support::http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&pudong.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_authentication_event_is_audited() {
    let app = TestApp::new().await;
    let login = app.register_candidate("audit.me").await;
    post(
        &app,
        "/api/v1/session",
        json!({"username": "audit.me", "password": "not the password"}),
    )
    .await;
    let (_, session) = post(
        &app,
        "/api/v1/session",
        json!({"username": login.username, "password": login.password}),
    )
    .await;
    examreg_test_support::http()
        .delete(app.url("/api/v1/session"))
        .bearer_auth(session["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let actions = audit_actions(&app).await;
    let expected: Vec<(String, String)> = [
        ("account.registered", "success"),
        ("auth.sign_in_failed", "failure"),
        ("auth.signed_in", "success"),
        ("auth.signed_out", "success"),
    ]
    .iter()
    .map(|(a, o)| ((*a).to_owned(), (*o).to_owned()))
    .collect();
    assert_eq!(actions, expected);
    let rows = audit::recent(app.state.store.conn(), 10).await.unwrap();
    assert!(
        rows.iter().all(|r| r.ip.as_deref() == Some("127.0.0.1")),
        "with the client's address"
    );
}
