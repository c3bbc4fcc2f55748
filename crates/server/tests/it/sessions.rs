//! Signing in and staying signed in: throttling, captcha, session lifetimes, CSRF.

use examreg_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::journey::post_anonymous as post;

#[tokio::test]
async fn brute_force_meets_a_captcha_but_the_owner_still_gets_in() {
    let app = TestApp::new().await;
    let owner = app.register_candidate("zhao.liu").await;
    let guess = |p: &str| json!({"username": "zhao.liu", "password": p});
    for n in 0..3 {
        let (status, _) = post(&app, "/api/v1/session", guess(&format!("guess number {n}"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password needs a captcha…
    let (status, body) = post(&app, "/api/v1/session", guess(&owner.password)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "captcha_required");
    // …a wrong answer is refused and uses the challenge up…
    let (_, challenge) = post(&app, "/api/v1/captcha", json!({})).await;
    assert!(
        challenge["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    let id = challenge["id"].as_str().unwrap().to_owned();
    let answer = app.solve_captcha(&id).await;
    let wrong = if answer == "00000" { "11111" } else { "00000" };
    let with_captcha = |id: &str, a: &str| json!({"username": "zhao.liu", "password": owner.password, "captcha": {"id": id, "answer": a}});
    let (status, body) = post(&app, "/api/v1/session", with_captcha(&id, wrong)).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("captcha_wrong"))
    );
    let (_, body) = post(&app, "/api/v1/session", with_captcha(&id, &answer)).await;
    assert_eq!(
        body["error"]["code"], "captcha_wrong",
        "a challenge is good for one try"
    );
    // …and the owner who solves a fresh one signs in.
    let (_, challenge) = post(&app, "/api/v1/captcha", json!({})).await;
    let id = challenge["id"].as_str().unwrap().to_owned();
    let answer = app.solve_captcha(&id).await;
    let (status, body) = post(&app, "/api/v1/session", with_captcha(&id, &answer)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Success clears the account's count: the next sign-in needs no captcha.
    let (status, _) = post(&app, "/api/v1/session", guess(&owner.password)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_address_failing_against_many_accounts_needs_captchas_but_is_never_blocked() {
    let app = TestApp::new().await;
    let nurse = app.register_candidate("nurse.behind.nat").await;
    // A script behind the hospital's NAT fails against 150 accounts…
    for n in 0..150 {
        let (status, _) = post(
            &app,
            "/api/v1/session",
            json!({"username": format!("user{n}"), "password": "password guess"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    // …a nurse at the same address still signs in: with a captcha, never refused.
    let (status, body) = post(
        &app,
        "/api/v1/session",
        json!({"username": nurse.username, "password": nurse.password}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("captcha_required"))
    );
    let (_, challenge) = post(&app, "/api/v1/captcha", json!({})).await;
    let id = challenge["id"].as_str().unwrap().to_owned();
    let answer = app.solve_captcha(&id).await;
    let (status, body) = post(
        &app,
        "/api/v1/session",
        json!({"username": nurse.username, "password": nurse.password, "captcha": {"id": id, "answer": answer}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn guesses_from_rotating_addresses_spend_one_budget_per_account() {
    let app = TestApp::builder()
        .configure(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()])
        .build()
        .await;
    let owner = app.register_candidate("rotated").await;
    let http = examreg_test_support::http();
    let attempt = |n: u32, password: &str, captcha: Option<Value>| {
        let mut body = json!({"username": "rotated", "password": password});
        if let Some(c) = captcha {
            body["captcha"] = c;
        }
        http.post(app.url("/api/v1/session"))
            .header("x-forwarded-for", format!("198.51.100.{}", n % 250))
            .json(&body)
            .send()
    };
    let solved = || async {
        let (_, challenge) = post(&app, "/api/v1/captcha", json!({})).await;
        let id = challenge["id"].as_str().unwrap().to_owned();
        let answer = app.solve_captcha(&id).await;
        json!({"id": id, "answer": answer})
    };
    // Ten failures, each from a new address (with captchas solved, as a paid solver
    // would): the account's budget is spent.
    for n in 0..10 {
        let captcha = if n >= 3 { Some(solved().await) } else { None };
        let response = attempt(n, &format!("guess {n}"), captcha).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    // The eleventh guess waits, from whatever address, and so does the owner…
    let response = attempt(99, "guess 10", Some(solved().await)).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "60");
    let response = attempt(100, &owner.password, Some(solved().await))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // …but only for a while: a minute later the right password (and captcha) gets in.
    app.clock.advance(time::Duration::minutes(1));
    let response = attempt(101, &owner.password, Some(solved().await))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    assert_eq!(candidate.get_json("/api/v1/me").await.0, StatusCode::OK);
    let response = candidate
        .send(Method::DELETE, "/api/v1/session")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Replaying the old token, as a cookie or as a bearer, gets nowhere.
    let replay = examreg_test_support::http();
    let by_cookie = replay
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("examreg_session={}", candidate.token))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), StatusCode::UNAUTHORIZED);
    let by_bearer = replay
        .get(app.url("/api/v1/me"))
        .bearer_auth(&candidate.token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_bearer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_planted_before_sign_in_is_worthless_after_it() {
    let app = TestApp::new().await;
    let victim = app.register_candidate("victim").await;
    // The attacker's own valid session, planted in the victim's browser.
    let attacker = app.candidate().await;
    let browser = examreg_test_support::http();
    let csrf = "c".repeat(43);
    let response = browser
        .post(app.url("/api/v1/session"))
        .header(
            "cookie",
            format!("examreg_session={}; examreg_csrf={csrf}", attacker.token),
        )
        .header("x-csrf-token", &csrf)
        .json(&json!({"username": victim.username, "password": victim.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let set_cookie: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let issued = set_cookie
        .iter()
        .find(|c| c.starts_with("examreg_session="))
        .unwrap();
    assert!(!issued.contains(&attacker.token), "a new id at sign-in");
    assert!(issued.contains("HttpOnly") && issued.contains("SameSite=Lax"));
    let me = browser
        .get(app.url("/api/v1/me"))
        .bearer_auth(&attacker.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "the planted session was ended"
    );
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(candidate.get_json("/api/v1/me").await.0, StatusCode::OK);
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(
        candidate.get_json("/api/v1/me").await.0,
        StatusCode::OK,
        "activity keeps it alive"
    );
    app.clock.advance(time::Duration::minutes(31));
    assert_eq!(
        candidate.get_json("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "idle for 31 minutes"
    );

    let busy = app.candidate().await;
    for _ in 0..24 {
        app.clock.advance(time::Duration::minutes(29));
        assert_eq!(busy.get_json("/api/v1/me").await.0, StatusCode::OK);
    }
    app.clock.advance(time::Duration::minutes(29));
    assert_eq!(
        busy.get_json("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "12 hours after sign-in"
    );
}

#[tokio::test]
async fn cross_site_and_tokenless_posts_are_refused() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let put = |c: &examreg_test_support::SignedInClient| {
        c.send(Method::PUT, "/api/v1/me/password").json(&json!({"current_password": "长江后浪推前浪 2024", "new_password": "一个全新的密码 2025"}))
    };
    let response = put(&candidate)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf_failed");
    let response = put(&candidate)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The session cookie alone, without the token, is not enough.
    let response = candidate
        .http
        .put(app.url("/api/v1/me/password"))
        .json(&json!({"current_password": "长江后浪推前浪 2024", "new_password": "一个全新的密码 2025"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // With the token, from the same site, it works.
    let response = put(&candidate)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}
