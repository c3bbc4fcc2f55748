//! What a black-box probe of the release found (issue 13), each reproduced and shown
//! fixed. One test per finding, on both databases.

use examreg_test_support::TestApp;
use reqwest::{Method, StatusCode};

/// The session cookie of a signed-in client, as a script would copy it.
fn cookie_header(session: &str, csrf: &str) -> String {
    format!("examreg_session={session}; examreg_csrf={csrf}")
}

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

/// A small tmpfs mounted for the length of a test (the test suite runs as root, as CI
/// does); unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Fills the disk until about `leave` bytes are free.
    fn fill(&self, leave: u64) {
        let free = examreg_store::files::free_bytes(self.path()).unwrap();
        let size = usize::try_from(free.saturating_sub(leave)).unwrap();
        std::fs::write(self.path().join("filler"), vec![0u8; size]).unwrap();
    }

    fn empty(&self) {
        std::fs::remove_file(self.path().join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_answers_507_and_readyz_says_not_ready() {
    let disk = SmallDisk::mount(4096);
    let files = format!("file://{}/files", disk.path().display());
    let app = TestApp::builder()
        .configure(move |c| {
            c.storage_url = Some(files);
            c.min_free_disk_mb = 1;
        })
        .build()
        .await;
    let (client, no) = crate::journey::nurse(&app, "shanghai_hukou").await;
    assert_eq!(
        app.anon().get("/readyz").await.status(),
        StatusCode::OK,
        "room to spare"
    );

    disk.fill(20 * 1024);
    let (status, body) = client
        .upload(
            &no,
            "3-1",
            examreg_test_support::fixtures::material(4242),
            "scan.jpg",
        )
        .await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "storage_full");
    let ready = app.anon().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.text().await.unwrap().contains("disk space"));
    let (_, slots) = client
        .get_json(&format!("/api/v1/registrations/{no}/slots"))
        .await;
    assert!(
        slots
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["files"].as_array().unwrap().is_empty()),
        "nothing half-written"
    );

    // Room again: the same upload goes through, without a restart.
    disk.empty();
    let (status, body) = client
        .upload(
            &no,
            "3-1",
            examreg_test_support::fixtures::material(4242),
            "scan.jpg",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.anon().get("/readyz").await.status(), StatusCode::OK);
}

/// PostgreSQL only: SQLite is a file of the process, with nothing to cut.
#[tokio::test]
async fn a_database_that_cannot_be_reached_answers_503_with_retry_after_and_recovers() {
    use sea_orm::ConnectionTrait;
    let Ok(admin_url) = std::env::var("EXAMREG_TEST_POSTGRES_URL") else {
        return;
    };
    let app = TestApp::new().await;
    let candidate = app.candidate().await;
    let name = app.db.url.rsplit('/').next().unwrap().to_owned();
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    let run = |sql: String| {
        let admin = &admin;
        async move {
            admin
                .execute_unprepared(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    };
    // Cut: no new connections, and the open ones terminated.
    run(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    run(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .await;

    let started = std::time::Instant::now();
    let response = candidate.get("/api/v1/me").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let page = candidate.get("/").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "answered within the query timeout, not the request timeout"
    );

    // Back: the same session works again without a restart.
    run(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    let mut recovered = false;
    for _ in 0..50 {
        if candidate.get("/api/v1/me").await.status() == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered);
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

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections() {
    use tokio::io::AsyncReadExt;
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
    let mut extra = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(std::time::Duration::from_secs(2), extra.read(&mut buf))
        .await
        .expect("closed at once, not left hanging");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
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
async fn markup_hidden_in_a_jpeg_is_not_stored_and_huge_pixel_counts_are_refused_unread() {
    let app = TestApp::new().await;
    let (client, no) = crate::journey::nurse(&app, "shanghai_hukou").await;
    let planted = examreg_test_support::fixtures::with_comment(
        &examreg_test_support::fixtures::material(31),
        b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>",
    );
    let (status, body) = client.upload(&no, "3-1", planted.clone(), "scan.jpg").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let stored = client
        .get(&format!(
            "/api/v1/registrations/{no}/files/{}",
            body["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&stored);
    assert!(
        !text.contains("<script") && !text.contains("<?php"),
        "stored as a picture only"
    );
    assert_eq!(body["size"], stored.len());
    assert!(stored.len() < planted.len());

    // 6000 × 6000 is inside the side limits but over the pixel cap.
    let mut bomb = examreg_test_support::fixtures::material(32);
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
    bomb[sof + 7..sof + 9].copy_from_slice(&6000u16.to_be_bytes());
    let (status, body) = client.upload(&no, "3-1", bomb, "bomb.jpg").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("万像素的上限"),
        "{body}"
    );
}

/// The peak resident memory of a process so far, in MB.
fn peak_rss_mb(pid: u32) -> u64 {
    examreg_test_support::peak_resident_bytes(Some(pid)).unwrap() >> 20
}

#[tokio::test]
async fn concurrent_decompression_bombs_stay_inside_the_decode_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let db = examreg_test_support::TestDb::create(dir.path()).await;
    let port = crate::cli::free_port();
    let mut command = crate::cli::examreg(dir.path());
    command
        .args(["serve", "--demo"])
        .env("EXAMREG_DATABASE_URL", &db.url)
        .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"))
        .env("EXAMREG_DECODE_MEMORY_MB", "64")
        .env(
            "EXAMREG_STORAGE_URL",
            examreg_test_support::test_storage_url(dir.path()),
        );
    let (child, _) = crate::cli::spawn_serving(command);
    let child = KillOnDrop(Some(child));
    let pid = child.0.as_ref().unwrap().id();
    let base = format!("http://127.0.0.1:{port}");
    // Twelve at once of each: headers claiming 8000 × 8000 (refused unread), and pages of
    // 11.6 million pixels in under 150 KB (as many as a baseline JPEG packs in) that
    // decode to 11.6 MB each.
    let mut bombs = Vec::new();
    for n in 0..12u32 {
        let mut claim = examreg_test_support::fixtures::material(5000 + n);
        let sof = claim.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        claim[sof + 5..sof + 7].copy_from_slice(&8000u16.to_be_bytes());
        claim[sof + 7..sof + 9].copy_from_slice(&8000u16.to_be_bytes());
        bombs.push((claim, StatusCode::UNPROCESSABLE_ENTITY));
        let page = examreg_test_support::fixtures::sparse_page(3400, n);
        assert!(page.len() <= 150 * 1024, "{} bytes", page.len());
        bombs.push((page, StatusCode::CONFLICT)); // decoded, then the 3-1 slot is full
    }
    let (client, no) = {
        let login = examreg_test_support::register_candidate_at(&base, "bomber", 4321).await;
        let client = examreg_test_support::sign_in_at(
            &base,
            "/api/v1/session",
            &login.username,
            &login.password,
        )
        .await;
        let no = crate::journey::nurse_registration(&client, "demo", "shanghai_hukou").await;
        (client, no)
    };
    let idle = peak_rss_mb(pid);

    let uploads = bombs.into_iter().map(|(bytes, _)| {
        let client = client.clone();
        let no = no.clone();
        async move { client.upload(&no, "10", bytes, "page.jpg").await.0 }
    });
    let statuses = futures::future::join_all(uploads).await;
    assert!(
        statuses.iter().all(|s| [
            StatusCode::CREATED,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count(),
        12,
        "the claims are refused"
    );
    let peak = peak_rss_mb(pid);
    examreg_test_support::report_figure(&format!(
        "decode bombs ({}): {idle} MB idle, {peak} MB at the peak (budget 64 MB)",
        backend_name()
    ));
    assert!(
        peak < idle + 64 + 96,
        "peak {peak} MB against {idle} MB idle and a 64 MB decode budget"
    );
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

/// The database the suite runs on, for the figures it reports.
fn backend_name() -> &'static str {
    if std::env::var_os("EXAMREG_TEST_POSTGRES_URL").is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}
