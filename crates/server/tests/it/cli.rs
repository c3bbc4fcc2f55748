//! The `examreg` binary as an operator meets it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use examreg_test_support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_examreg");

/// The binary with a clean `EXAMREG_*` environment, working in `dir`.
pub(crate) fn examreg(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("EXAMREG_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(dir)
        .env("EXAMREG_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn");
    command
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got:\n{stderr}");
    lines[0].to_owned()
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn check_config_summarises_the_bundled_definition() {
    let dir = tempfile::tempdir().unwrap();
    let output = examreg(dir.path()).arg("check-config").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("2025-shanghai · 2025年度卫生专业技术资格考试 · 上海考区"),
        "{stdout}"
    );
    assert!(stdout.contains("16 registration points"), "{stdout}");
    assert!(stdout.contains("30 material slots"), "{stdout}");
    assert!(
        stdout.contains("resubmit before 2024年12月11日 17:00"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("ok"));
    assert!(
        !dir.path().join("data").exists(),
        "check-config writes nothing"
    );
}

#[test]
fn a_broken_definition_is_named_by_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let exams = dir.path().join("exams");
    std::fs::create_dir(&exams).unwrap();
    let text = examreg_server::exams::BUNDLED[0]
        .1
        .replacen("max_files = 6", "max_files = 60", 1);
    std::fs::write(exams.join("broken.toml"), text).unwrap();
    for command in [&["check-config"][..], &["serve"][..]] {
        let output = examreg(dir.path())
            .args(command)
            .env("EXAMREG_EXAMS_DIR", &exams)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let line = stderr_line(&output);
        assert!(
            line.contains("broken.toml: slots[3-1].max_files: 须在 1 到 20 之间"),
            "{line}"
        );
        assert!(
            !dir.path().join("data").exists(),
            "{command:?} wrote nothing"
        );
    }
}

#[test]
fn bad_database_urls_stop_the_server_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let cases = [
        (
            "mysql://root:hunter2@localhost/examreg",
            "expected sqlite://… or postgres://…",
        ),
        (
            "postgres://examreg:hunter2@127.0.0.1:1/examreg",
            "cannot open the database postgres://examreg:***@127.0.0.1:1/examreg",
        ),
    ];
    for (url, expected) in cases {
        let output = examreg(dir.path())
            .arg("serve")
            .env("EXAMREG_DATABASE_URL", url)
            .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"))
            .output()
            .unwrap();
        assert!(!output.status.success());
        let line = stderr_line(&output);
        assert!(line.contains(expected), "{line}");
        assert!(
            !line.contains("hunter2"),
            "passwords stay out of messages: {line}"
        );
        assert!(!dir.path().join("data").exists());
    }
}

#[test]
fn an_unwritable_data_directory_stops_the_server_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"").unwrap();
    let output = examreg(dir.path())
        .arg("serve")
        .env("EXAMREG_DATA_DIR", file.join("data"))
        .env("EXAMREG_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = stderr_line(&output);
    assert!(
        line.contains("not-a-directory/data is not writable"),
        "{line}"
    );
}

#[test]
fn a_port_in_use_stops_the_server_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let output = examreg(dir.path())
        .arg("serve")
        .env("EXAMREG_LISTEN", address.to_string())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = stderr_line(&output);
    assert!(
        line.contains(&format!("cannot listen on {address}")),
        "{line}"
    );
    assert!(!dir.path().join("data").exists());
}

#[test]
fn unknown_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = examreg(dir.path())
        .arg("check-config")
        .env("EXAMREG_LISTN", "x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr_line(&output).contains("listn"));
}

/// Starts `command` (a `serve`) and waits for its start-up line; returns the process and
/// what it printed up to then.
pub(crate) fn spawn_serving(mut command: Command) -> (Child, Vec<String>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    while !printed
        .iter()
        .any(|l: &String| l.starts_with("examreg is serving on"))
    {
        let line = rx.recv_timeout(Duration::from_secs(60));
        assert!(line.is_ok(), "no start-up line; so far: {printed:?}");
        printed.extend(line);
    }
    (child, printed)
}

#[tokio::test]
async fn serve_demo_answers_and_shuts_down_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let port = free_port();
    let mut command = examreg(dir.path());
    command
        .args(["serve", "--demo"])
        .env("EXAMREG_DATABASE_URL", &db.url)
        .env("EXAMREG_LISTEN", format!("127.0.0.1:{port}"));
    let (mut child, printed) = spawn_serving(command);
    for user in ["demo-point", "demo-area", "demo-admin"] {
        assert!(
            printed
                .iter()
                .any(|l| l.contains(&format!("用户名 {user}  密码 "))),
            "{printed:?}"
        );
    }

    let client = examreg_test_support::http();
    let base = format!("http://127.0.0.1:{port}");
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    let exams: serde_json::Value = client
        .get(format!("{base}/api/v1/exams"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exams[0]["id"], "demo");
    assert_eq!(exams[0]["demo"], true);
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("演示"));

    // The demo candidate is qualified in an exam whose payment window is open, and pays
    // with the sandbox.
    let line = printed
        .iter()
        .find(|l| l.contains("用户名 demo-candidate  密码 "))
        .unwrap_or_else(|| panic!("{printed:?}"));
    let password = line.rsplit("密码 ").next().unwrap().trim();
    let candidate =
        examreg_test_support::sign_in_at(&base, "/api/v1/session", "demo-candidate", password)
            .await;
    let no: String = line
        .split("网报号 ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, checkout) = crate::journey::send(
        &candidate,
        reqwest::Method::POST,
        &format!("/api/v1/registrations/{no}/payment"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{checkout}");
    assert_eq!(checkout["order"]["amount_fen"], 20_000);
    let cashier = checkout["url"].as_str().unwrap();
    assert!(cashier.starts_with("/pay/sandbox/"), "{checkout}");
    let paid = candidate
        .send(reqwest::Method::POST, cashier)
        .form(&[
            ("csrf_token", candidate.csrf_token.as_str()),
            ("choice", "succeed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, payment) = candidate
        .get_json(&format!("/api/v1/registrations/{no}/payment"))
        .await;
    assert_eq!(payment["status"], "paid", "{payment}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}

#[tokio::test]
async fn staff_add_reads_the_password_from_stdin_after_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(dir.path()).await;
    let add = |username: &str| {
        let mut child = examreg(dir.path())
            .args([
                "staff",
                "add",
                "--username",
                username,
                "--role",
                "point-reviewer",
                "--point",
                "310115",
            ])
            .env("EXAMREG_DATABASE_URL", &db.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough password\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let output = add("pudong.zhang");
    assert!(!output.status.success());
    assert!(stderr_line(&output).contains("run `examreg migrate` first"));

    let migrate = examreg(dir.path())
        .arg("migrate")
        .env("EXAMREG_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(migrate.status.success(), "{migrate:?}");
    let stdout = String::from_utf8_lossy(&migrate.stdout);
    assert!(
        stdout.starts_with("applied ") && stdout.contains("m20261125_000001_staff_and_audit"),
        "{stdout}"
    );
    let again = examreg(dir.path())
        .arg("migrate")
        .env("EXAMREG_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("is up to date"));

    let output = add("pudong.zhang");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("created staff account "));

    let output = add("pudong.zhang");
    assert!(!output.status.success());
    assert!(stderr_line(&output).contains("the username pudong.zhang is taken"));
}

#[test]
fn one_nested_setting_and_the_test_suites_variables_start_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let output = examreg(dir.path())
        .arg("check-config")
        .env("EXAMREG_ARGON2__MEMORY_KIB", "19456")
        .env("EXAMREG_AXE_JS", "/tmp/axe.min.js")
        .env("EXAMREG_SCREENSHOT_DIR", "/tmp/shots")
        .env("EXAMREG_UPDATE_DOCS", "1")
        .env("EXAMREG_TEST_S3_URL", "s3://bucket")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}
