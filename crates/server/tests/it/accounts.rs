//! Accounts: registration, password change and reset, staff scope, audit.

use examreg_store::audit;
use examreg_test_support::{TestApp, resident_id};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::journey::post_anonymous as post;

fn account(username: &str, id_number: &str, phone: &str, code: &str) -> Value {
    json!({
        "username": username, "password": "长江后浪推前浪 2024", "name": "阿依古丽・买买提",
        "id_type": "resident_id", "id_number": id_number, "phone": phone, "phone_code": code,
    })
}

/// The texts of the SMS sent to `phone` so far, oldest first.
async fn sms_to(app: &TestApp, phone: &str) -> Vec<String> {
    examreg_server::jobs::deliver_notifications::run_once(&app.state)
        .await
        .unwrap();
    let mut messages: Vec<(std::time::SystemTime, String)> =
        std::fs::read_dir(app.data_dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.metadata().unwrap().modified().unwrap(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .filter(|(_, text)| text.contains(&format!("To: {phone}\n")))
            .collect();
    messages.sort();
    messages.into_iter().map(|(_, text)| text).collect()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let mut rows = audit::recent(app.state.store.conn(), 100).await.unwrap();
    rows.reverse();
    rows.into_iter().map(|r| (r.action, r.outcome)).collect()
}

#[tokio::test]
async fn sign_up_needs_the_code_sent_to_the_phone() {
    let app = TestApp::new().await;
    let id_number = resident_id(31);
    // No code, a wrong code, a code sent to another phone: each refused on `phone_code`,
    // and nothing created.
    let code = app.sign_up_code("13900000031").await;
    let other = app.sign_up_code("13900000032").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for (phone, typed) in [
        ("13900000031", ""),
        ("13900000031", wrong),
        ("13900000031", other.as_str()),
    ] {
        let (status, body) = post(
            &app,
            "/api/v1/accounts",
            account("coded", &id_number, phone, typed),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["fields"]["phone_code"][0].is_string(),
            "{body}"
        );
    }
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("coded", &id_number, "13900000031", &code),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["phone"], "139****0031");
    // Single use.
    let (status, _) = post(
        &app,
        "/api/v1/accounts",
        account("coded2", &resident_id(33), "13900000031", &code),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A code dies after five wrong tries, even if the sixth is right.
    let code = app.sign_up_code("13900000034").await;
    for _ in 0..5 {
        post(
            &app,
            "/api/v1/accounts",
            account("tries", &resident_id(34), "13900000034", wrong),
        )
        .await;
    }
    let (status, _) = post(
        &app,
        "/api/v1/accounts",
        account("tries", &resident_id(34), "13900000034", &code),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn one_account_per_identity_document_without_telling_who_has_one() {
    let app = TestApp::new().await;
    let owner_phone = "13812345678";
    let code = app.sign_up_code(owner_phone).await;
    let (status, first) = post(
        &app,
        "/api/v1/accounts",
        account("li.hua", "310101199003071230", owner_phone, &code),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["username"], "li.hua");

    // The same document again, from someone else's phone: the same answer as a new
    // account, and no account.
    let stranger = "13987654321";
    let code = app.sign_up_code(stranger).await;
    let (status, second) = post(
        &app,
        "/api/v1/accounts",
        account("li.hua2", "310101199003071230", stranger, &code),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&first), keys(&second));
    assert_eq!(
        second["message"],
        first["message"]
            .as_str()
            .unwrap()
            .replace("138****5678", "139****4321")
    );
    let (status, _) = post(
        &app,
        "/api/v1/session",
        json!({"username": "li.hua2", "password": "长江后浪推前浪 2024"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was created");
    // What happened goes to the phones: the stranger learns it, the owner is warned.
    let told = sms_to(&app, stranger).await;
    assert!(
        told.last()
            .unwrap()
            .contains("已注册过报名账号（注册手机 138****5678）"),
        "{told:?}"
    );
    let warned = sms_to(&app, owner_phone).await;
    assert!(
        warned.last().unwrap().contains("有人使用您的证件号码"),
        "{warned:?}"
    );
    assert!(
        audit_actions(&app)
            .await
            .contains(&("account.sign_up_identity_conflict".into(), "failure".into()))
    );

    let code = app.sign_up_code("13800000900").await;
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("LI.HUA", &resident_id(900), "13800000900", &code),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "username_taken");
    // The code was not spent on a name that was taken.
    let (status, body) = post(
        &app,
        "/api/v1/accounts",
        account("li.hua3", &resident_id(900), "13800000900", &code),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

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
        2
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
            "phone_code",
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
    // A phone gets one code a minute: the sign-up code was the last.
    app.clock.advance(time::Duration::minutes(1));
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
    let texts = sms_to(&app, &login.phone).await;
    let resets: Vec<_> = texts.iter().filter(|t| t.contains("找回密码")).collect();
    assert_eq!(resets.len(), 1, "one code for the account: {texts:?}");
    let code = app.sms_code_to(&login.phone).await.unwrap();

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
    app.clock.advance(time::Duration::minutes(1));
    post(
        &app,
        "/api/v1/password-resets",
        json!({"login": login.username, "channel": "sms"}),
    )
    .await;
    let code = app.sms_code_to(&login.phone).await.unwrap();
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
        ("account.sign_up_code_sent", "success"),
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
