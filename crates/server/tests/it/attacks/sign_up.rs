//! Limits on sign-up and reset codes per phone and per address.

use examreg_test_support::TestApp;
use reqwest::StatusCode;

/// The default limits on one-time codes, as a deployment has them (the test
/// configuration lifts them for its many sign-ups from 127.0.0.1).
async fn app_with_default_code_limits() -> TestApp {
    TestApp::builder()
        .configure(|c| c.codes = examreg_server::config::CodesConfig::default())
        .build()
        .await
}

async fn ask_sign_up_code(
    app: &TestApp,
    phone: &str,
    captcha: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value, Option<String>) {
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/accounts/phone-codes"))
        .json(&serde_json::json!({ "phone": phone, "captcha": captcha }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), retry_after)
}

async fn sms_count(app: &TestApp, to: &str, containing: &str) -> usize {
    examreg_store::notifications::pending(app.state.store.conn())
        .await
        .unwrap()
        .iter()
        .filter(|m| m.recipient == to && m.body.contains(containing))
        .count()
}

#[tokio::test]
async fn fifty_sign_ups_from_one_address_are_stopped_at_a_captcha_then_a_ceiling() {
    let app = app_with_default_code_limits().await;
    let mut answers = Vec::new();
    for n in 0..50 {
        let (status, body, _) = ask_sign_up_code(&app, &format!("1370000{n:04}"), None).await;
        answers.push((status, body["error"]["code"].as_str().map(str::to_owned)));
    }
    let sent = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::ACCEPTED)
        .count();
    assert_eq!(sent, 5, "{answers:?}");
    assert!(
        answers[5..]
            .iter()
            .all(|(s, code)| *s == StatusCode::UNAUTHORIZED
                && code.as_deref() == Some("captcha_required")),
        "{answers:?}"
    );
    // A person behind the same address answers the captcha and gets their code; a wrong
    // answer gets none.
    let captcha = |id: &str, answer: &str| Some(serde_json::json!({"id": id, "answer": answer}));
    let (_, challenge) =
        crate::journey::post_anonymous(&app, "/api/v1/captcha", serde_json::json!({})).await;
    let id = challenge["id"].as_str().unwrap().to_owned();
    let (status, body, _) = ask_sign_up_code(&app, "13700009999", captcha(&id, "0000x")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("captcha_wrong"))
    );
    let (_, challenge) =
        crate::journey::post_anonymous(&app, "/api/v1/captcha", serde_json::json!({})).await;
    let id = challenge["id"].as_str().unwrap().to_owned();
    let answer = app.solve_captcha(&id).await;
    let (status, body, _) = ask_sign_up_code(&app, "13700009999", captcha(&id, &answer)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // A script that keeps asking reaches the ceiling of the hour and waits it out.
    let mut last = (StatusCode::OK, serde_json::Value::Null, None);
    for n in 0..80 {
        last = ask_sign_up_code(&app, &format!("1360000{n:04}"), None).await;
        if last.0 == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    let (status, body, retry_after) = last;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_codes");
    let retry_after: i64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    app.clock.advance(time::Duration::hours(1));
    let (status, _, _) = ask_sign_up_code(&app, "13500000001", None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "an hour later");
    // Codes went out only where the limits allowed: 5 + 1 + 1.
    let codes = examreg_store::notifications::pending(app.state.store.conn())
        .await
        .unwrap()
        .len();
    assert_eq!(codes, 7);
}

#[tokio::test]
async fn one_phone_gets_at_most_its_share_of_codes_whatever_accounts_name_it() {
    let app = app_with_default_code_limits().await;
    let phone = "13600001111";
    let (status, _, _) = ask_sign_up_code(&app, phone, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body, retry_after) = ask_sign_up_code(&app, phone, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one a minute");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("该手机号获取验证码过于频繁，请 1 分钟后再试"),
        "{body}"
    );
    assert_eq!(retry_after.as_deref(), Some("60"));

    // Accounts with one phone: each needs a code to it, and the phone gets ten a day.
    let mut accounts = Vec::new();
    for n in 0..12u32 {
        app.clock.advance(time::Duration::minutes(13));
        let (status, _, _) = ask_sign_up_code(&app, phone, None).await;
        if status != StatusCode::ACCEPTED {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            continue;
        }
        let code = app.sms_code_to(phone).await.unwrap();
        let username = format!("same.phone{n}");
        let (status, body) = crate::journey::post_anonymous(
            &app,
            "/api/v1/accounts",
            serde_json::json!({
                "username": username, "password": "长江后浪推前浪 2024", "name": "张三",
                "id_type": "resident_id", "id_number": examreg_test_support::resident_id(600 + n),
                "phone": phone, "phone_code": code,
            }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        accounts.push(username);
    }
    assert_eq!(
        accounts.len(),
        9,
        "ten codes a day, the first of them unused"
    );
    // Resets of every account with that phone, many times: no further message today.
    for _ in 0..2 {
        for username in &accounts {
            let (status, _) = crate::journey::post_anonymous(
                &app,
                "/api/v1/password-resets",
                serde_json::json!({"login": username, "channel": "sms"}),
            )
            .await;
            assert_eq!(status, StatusCode::ACCEPTED);
        }
    }
    examreg_server::jobs::deliver_notifications::run_once(&app.state)
        .await
        .unwrap();
    let outbox = app.data_dir.path().join("outbox");
    let codes_sent = std::fs::read_dir(outbox)
        .unwrap()
        .filter(|e| {
            let text = std::fs::read_to_string(e.as_ref().unwrap().path()).unwrap();
            text.contains(&format!("To: {phone}\n")) && text.contains("验证码为 ")
        })
        .count();
    assert_eq!(codes_sent, 10);
    assert_eq!(
        sms_count(&app, phone, "验证码为 ").await,
        0,
        "nothing left to send"
    );
}

#[tokio::test]
async fn reset_requests_from_one_address_meet_a_ceiling_whatever_they_name() {
    let app = app_with_default_code_limits().await;
    let mut statuses = Vec::new();
    for n in 0..125 {
        let (status, _) = crate::journey::post_anonymous(
            &app,
            "/api/v1/password-resets",
            serde_json::json!({"login": format!("nobody{n}"), "channel": "sms"}),
        )
        .await;
        statuses.push(status);
    }
    let first_refused = statuses
        .iter()
        .position(|s| *s == StatusCode::TOO_MANY_REQUESTS)
        .expect("a ceiling");
    assert_eq!(first_refused, 120);
    assert!(statuses[..120].iter().all(|s| *s == StatusCode::ACCEPTED));
    assert!(
        statuses[120..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
}
