//! What a black-box probe of the release found (issue 13), each reproduced and shown
//! fixed. One test per finding, on both databases.

use examreg_test_support::TestApp;
use reqwest::{Method, StatusCode};

/// The session cookie of a signed-in client, as a script would copy it.
fn cookie_header(session: &str, csrf: &str) -> String {
    format!("examreg_session={session}; examreg_csrf={csrf}")
}

mod faults;
mod images;
mod sign_up;

#[tokio::test]
async fn an_authorization_header_that_is_not_a_bearer_token_does_not_skip_the_csrf_check() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    // The session comes from the cookie; `Authorization: Basic` must not waive the token.
    let response = candidate
        .http
        .request(Method::DELETE, app.url("/api/v1/session"))
        .header("authorization", "Basic YWxpY2U6c2VjcmV0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (status, _) = candidate.get_json("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn a_planted_csrf_cookie_does_not_pass_for_the_sessions_token() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    // An attacker who can plant a cookie on the victim's browser (a sibling subdomain)
    // sets the CSRF cookie and sends the same value: double-submit alone would accept it.
    let forged = "A".repeat(43);
    let plain = examreg_test_support::http();
    let response = plain
        .request(Method::DELETE, app.url("/api/v1/session"))
        .header("cookie", cookie_header(&candidate.token, &forged))
        .header("x-csrf-token", &forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The session's own token still works.
    let response = plain
        .request(Method::DELETE, app.url("/api/v1/session"))
        .header("cookie", cookie_header(&candidate.token, &forged))
        .header("x-csrf-token", &candidate.csrf_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_huge_queue_page_number_is_refused_not_a_crash() {
    let app = TestApp::new().await;
    let staff = app.staff("admin", &[]).await;
    let (status, body) = staff
        .get_json("/api/v1/staff/registrations?page=184467440737095517")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["page"].is_array());
    let page = staff.get("/staff?page=184467440737095517").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        crate::html::select(&html, ".error-summary li")
            .iter()
            .any(|e| e.contains("页码")),
        "{html}"
    );
}

#[tokio::test]
async fn a_nul_character_is_refused_with_400_not_stored_or_500() {
    let app = TestApp::new().await;
    // JSON sign-in.
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "a\u{0}b", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    // A form (the reset request page), with the CSRF cookie and token a browser sends.
    let anon = app.anon();
    let page = anon.get("/password-reset").await.text().await.unwrap();
    let csrf = crate::html::attr(&page, "input[name=csrf_token]", "value").unwrap();
    let response = anon
        .request(Method::POST, "/password-reset")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("examreg_csrf={csrf}"))
        .body(format!("csrf_token={csrf}&login=a%00b&channel=sms"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // A queue search.
    let staff = app.staff("admin", &[]).await;
    let (status, body) = staff
        .get_json("/api/v1/staff/registrations?q=%E5%BC%A0%00")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["q"].is_array());
}

#[tokio::test]
async fn a_json_body_over_the_limit_is_413() {
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let big = serde_json::json!({"exam": "x".repeat(300 * 1024)});
    let response = candidate
        .send(Method::POST, "/api/v1/registrations")
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "body_too_large");
}

#[tokio::test]
async fn metrics_are_for_the_local_host_or_the_metrics_token() {
    let app = TestApp::builder()
        .configure(|c| {
            c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
            c.metrics_token = Some("a metrics token of some length".to_owned().into());
        })
        .build()
        .await;
    let http = examreg_test_support::http();
    let from_outside = || {
        http.get(app.url("/metrics"))
            .header("x-forwarded-for", "203.0.113.9")
    };
    assert_eq!(
        from_outside().send().await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "a client elsewhere, through the proxy"
    );
    assert_eq!(
        from_outside()
            .header("authorization", "Bearer wrong")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        from_outside()
            .header("authorization", "Bearer a metrics token of some length")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        http.get(app.url("/metrics")).send().await.unwrap().status(),
        StatusCode::OK,
        "the local host"
    );
}

#[tokio::test]
async fn a_stalled_request_body_is_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::builder()
        .configure(|c| c.body_timeout_secs = 1)
        .build()
        .await;
    let candidate = app.candidate().await;
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /api/v1/registrations HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"exam\":",
        app.address, candidate.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // … and nothing more.
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered before the request timeout")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
}

#[tokio::test]
async fn sign_ins_stopped_at_the_captcha_are_audited() {
    let app = TestApp::new().await;
    let login = app.register_candidate("audited").await;
    let attempt = |captcha: Option<serde_json::Value>| {
        let mut body =
            serde_json::json!({"username": login.username, "password": "wrong password 1"});
        if let Some(c) = captcha {
            body["captcha"] = c;
        }
        examreg_test_support::http()
            .post(app.url("/api/v1/session"))
            .json(&body)
            .send()
    };
    for _ in 0..3 {
        attempt(None).await.unwrap();
    }
    let response = attempt(None).await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "captcha_required");
    let response = attempt(Some(
        serde_json::json!({"id": "00000000-0000-0000-0000-000000000000", "answer": "12345"}),
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let reasons: Vec<String> = examreg_store::audit::recent(app.state.store.conn(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "auth.sign_in_failed")
        .map(|r| r.details["why"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        reasons.contains(&"captcha_missing".to_owned()),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"captcha_wrong".to_owned()), "{reasons:?}");
    assert_eq!(
        reasons.iter().filter(|r| *r == "wrong_credentials").count(),
        3
    );
}

#[tokio::test]
async fn text_the_form_cannot_print_is_refused_when_typed_and_invisible_characters_are_named() {
    let app = TestApp::new().await;
    // A name with a character the form's fonts lack is refused at sign-up, naming it.
    let response = examreg_test_support::http()
        .post(app.url("/api/v1/accounts"))
        .json(&serde_json::json!({
            "username": "rare.name", "password": "长江后浪推前浪 2024", "name": "张\u{30001}",
            "id_type": "resident_id", "id_number": examreg_test_support::resident_id(777),
            "phone": "13800000777",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    let message = body["error"]["fields"]["name"][0].as_str().unwrap();
    assert!(
        message.contains("U+30001") && message.contains("无法打印"),
        "{message}"
    );

    // Typed text with such a character, or an invisible one, is refused when saved.
    let (client, no) = crate::journey::nurse(&app, "shanghai_hukou").await;
    let save_work = |employer: &str| {
        let client = client.clone();
        let path = format!("/api/v1/registrations/{no}/sections/work");
        let body = serde_json::json!({"employer": employer, "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8});
        async move { crate::journey::send(&client, Method::PUT, &path, body).await }
    };
    let (status, body) = save_work("上海市\u{30001}医院").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["fields"]["employer"][0].as_str().unwrap();
    assert!(
        message.contains("单位名称中的") && message.contains("U+30001"),
        "{message}"
    );
    let (status, body) = save_work("上海市第一\u{200B}人民医院").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"]["employer"][0],
        "单位名称中含有看不见的零宽字符（U+200B），请删除后重新填写"
    );
    let (status, _) = save_work("上海市第一人民医院\u{202E}").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = save_work("上海市第一人民医院😀").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // And the registration still prints.
    let (_, mine) = client
        .get_json(&format!("/api/v1/registrations/{no}"))
        .await;
    assert_eq!(mine["sections"]["work"]["employer"], "上海市第一人民医院");
}

#[tokio::test]
async fn saves_without_a_revision_are_never_refused_for_a_race_they_did_not_ask_about() {
    let app = TestApp::builder()
        .configure(|c| c.max_connections_per_address = 1000)
        .build()
        .await;
    let (client, no) = crate::journey::nurse(&app, "shanghai_hukou").await;
    // 200 requests at once on one registration: saves of two sections without a revision,
    // and uploads (each of which moves the revision on).
    let requests = (0..200u32).map(|n| {
        let client = client.clone();
        let no = no.clone();
        async move {
            match n % 4 {
                0 | 1 => {
                    let body = serde_json::json!({"employer": format!("上海市第{}人民医院", n % 10), "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8});
                    crate::journey::send(
                        &client,
                        Method::PUT,
                        &format!("/api/v1/registrations/{no}/sections/work"),
                        body,
                    )
                    .await
                    .0
                }
                2 => {
                    let body = serde_json::json!({"highest_education": "bachelor", "degree": "bachelor", "graduation_date": "2012-07-01", "school": format!("复旦大学{}", n % 7), "major": "护理学"});
                    crate::journey::send(
                        &client,
                        Method::PUT,
                        &format!("/api/v1/registrations/{no}/sections/education"),
                        body,
                    )
                    .await
                    .0
                }
                _ => {
                    let (status, _) = client
                        .upload(&no, "8-1", examreg_test_support::fixtures::material(70_000 + n), "p.jpg")
                        .await;
                    // The slot takes ten: the rest are refused as full, which is not a race.
                    if status == StatusCode::CONFLICT {
                        StatusCode::CREATED
                    } else {
                        status
                    }
                }
            }
        }
    });
    let statuses = futures::future::join_all(requests).await;
    let saves: Vec<_> = statuses
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 4 != 3)
        .map(|(_, s)| *s)
        .collect();
    assert!(
        saves.iter().all(|s| *s == StatusCode::OK),
        "{} of {} saves refused: {statuses:?}",
        saves.iter().filter(|s| **s != StatusCode::OK).count(),
        saves.len()
    );
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");
}

/// A server process that does not outlive a failed test.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The p99 of 100 sequential `GET /healthz` round trips, in milliseconds.
async fn healthz_p99(client: &reqwest::Client, base: &str) -> f64 {
    let mut times = Vec::new();
    for _ in 0..100 {
        let started = std::time::Instant::now();
        let response = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    times[98]
}

#[tokio::test]
async fn slow_and_idle_connections_do_not_hold_the_server_and_sigterm_exits_within_its_grace() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let db = examreg_test_support::TestDb::create(dir.path()).await;
    let port = crate::cli::free_port();
    let mut command = crate::cli::examreg(dir.path());
    command
        .args(["serve"])
        .env("EXAMREG_DATABASE_URL", &db.url)
        .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"))
        .env("EXAMREG_HEADER_READ_TIMEOUT_SECS", "2")
        .env("EXAMREG_SHUTDOWN_GRACE_SECS", "3")
        .env("EXAMREG_MAX_CONNECTIONS_PER_ADDRESS", "5000");
    let (child, _) = crate::cli::spawn_serving(command);
    let mut child = KillOnDrop(Some(child));
    let base = format!("http://127.0.0.1:{port}");
    let client = examreg_test_support::http();
    let quiet = healthz_p99(&client, &base).await;

    // 500 connections that send nothing and 500 that send their head a byte a second.
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    let dribble = tokio::spawn(async move {
        let head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        for byte in head.iter().take(5) {
            for stream in &mut slow {
                let _ = stream.write_all(&[*byte]).await;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        slow
    });
    let loaded = healthz_p99(&client, &base).await;
    examreg_test_support::report_figure(&format!(
        "healthz p99 ({}): {quiet:.1} ms quiet, {loaded:.1} ms beside 1,000 slow connections",
        backend_name()
    ));
    assert!(
        loaded <= 2.0 * quiet + 5.0,
        "p99 {loaded:.1} ms with 1,000 slow connections against {quiet:.1} ms quiet"
    );

    // After the head timeout the server has closed them all.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let reads = idle.iter_mut().map(|stream| async move {
        let mut buf = [0u8; 256];
        // End of stream (or an error) means the server closed it.
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(1), stream.read(&mut buf)).await,
            Ok(Ok(0) | Err(_))
        )
    });
    let closed = futures::future::join_all(reads)
        .await
        .into_iter()
        .filter(|closed| *closed)
        .count();
    assert_eq!(closed, 500, "idle connections are closed");
    let slow = dribble.await.unwrap();
    drop(slow);

    // SIGTERM while a client holds a connection with a request in progress: the process
    // exits within the grace period, not when the client gives up.
    let mut stuck = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stuck
        .write_all(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut process = child.0.take().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &process.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || process.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "exited after {:?}",
        started.elapsed()
    );
    drop(stuck);
}

/// A hospital's NAT puts many candidates behind one address: beyond its limit a connection
/// hears 503 with `Retry-After` (a browser shows it, a script retries) rather than a reset.
#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::builder()
        .configure(|c| c.max_connections_per_address = 20)
        .build()
        .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(tokio::net::TcpStream::connect(app.address).await.unwrap());
    }
    // Give the server time to take them all.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // One more is told to come back (not cut off unheard) and closed at once.
    let mut extra = tokio::net::TcpStream::connect(app.address).await.unwrap();
    extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(2),
        extra.read_to_end(&mut answer),
    )
    .await
    .expect("closed at once, not left hanging")
    .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("retry-after: 5")),
        "{head}"
    );
    assert!(body.contains("请稍等几秒后重试"), "{body}");
    // A real client reads it as an answer, not as a broken connection.
    let response = examreg_test_support::http()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    // When one closes, a new connection is served again.
    drop(held.pop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let response = examreg_test_support::http()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// The database the suite runs on, for the figures it reports.
fn backend_name() -> &'static str {
    if std::env::var_os("EXAMREG_TEST_POSTGRES_URL").is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}
