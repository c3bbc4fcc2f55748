//! The real `examreg` binary on a random port, and Debian's headless Chromium driven
//! through `chromedriver` (both installed by `.ci/run`).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use examreg_test_support::TestDb;
use thirtyfour::prelude::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A child process that does not outlive its test, even a failing one.
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `examreg serve --demo` with its own data directory (and its own PostgreSQL database
/// when the tests run on PostgreSQL).
pub(crate) struct Server {
    pub(crate) base: String,
    /// The demo staff accounts printed at start: (username, password).
    pub(crate) staff: Vec<(String, String)>,
    port: u16,
    storage: String,
    dir: tempfile::TempDir,
    db: TestDb,
    process: Option<KillOnDrop>,
}

impl Server {
    pub(crate) async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(dir.path()).await;
        let port = free_port();
        let storage = examreg_test_support::test_storage_url(dir.path());
        let mut server = Server {
            base: format!("http://127.0.0.1:{port}"),
            staff: Vec::new(),
            port,
            storage,
            dir,
            db,
            process: None,
        };
        server.spawn(&["serve", "--demo"], None);
        server
    }

    /// Stops the server and starts it again on the same port, data and files, as an
    /// operator would after changing the exam definitions: `exams_dir` replaces them.
    pub(crate) fn restart_with_exams(&mut self, exams_dir: &Path) {
        self.process = None; // killed and reaped
        self.spawn(&["serve"], Some(exams_dir));
    }

    fn spawn(&mut self, args: &[&str], exams_dir: Option<&Path>) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_examreg"));
        for (key, _) in std::env::vars() {
            if key.starts_with("EXAMREG_") {
                command.env_remove(key);
            }
        }
        if let Some(exams) = exams_dir {
            command.env("EXAMREG_EXAMS_DIR", exams);
        }
        let process = command
            .args(args)
            .current_dir(self.dir.path())
            .env("EXAMREG_DATA_DIR", self.dir.path().join("data"))
            .env("EXAMREG_DATABASE_URL", &self.db.url)
            .env("EXAMREG_STORAGE_URL", &self.storage)
            .env("EXAMREG_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut process = KillOnDrop(process);
        let stdout = process.0.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).unwrap();
            if line.starts_with("examreg is serving on") {
                break;
            }
            if let Some((_, rest)) = line.split_once("用户名 ")
                && let Some((user, password)) = rest.split_once("  密码 ")
            {
                self.staff
                    .push((user.trim().to_owned(), password.trim().to_owned()));
            }
        }
        wait_for_port(self.port, "examreg");
        self.process = Some(process);
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The password of the demo staff account `username`.
    pub(crate) fn staff_password(&self, username: &str) -> &str {
        &self
            .staff
            .iter()
            .find(|(u, _)| u == username)
            .unwrap_or_else(|| panic!("no demo account {username}"))
            .1
    }
}

/// One browser window of a given size, with or without JavaScript.
pub(crate) struct Browser {
    pub(crate) driver: WebDriver,
    pub(crate) downloads: tempfile::TempDir,
    pub(crate) label: String,
    _chromedriver: KillOnDrop,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start(width: u32, height: u32, javascript: bool) -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
            );
        }
        examreg_store::files::install_tls_provider();
        let port = free_port();
        let chromedriver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let chromedriver = KillOnDrop(chromedriver);
        wait_for_port(port, "chromedriver");
        let downloads = tempfile::tempdir().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--lang=zh-CN",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        let javascript_setting = if javascript { 1 } else { 2 };
        caps.set_browser_option(
            "prefs",
            serde_json::json!({
                "download.default_directory": downloads.path(),
                "download.prompt_for_download": false,
                "profile.managed_default_content_settings.javascript": javascript_setting,
            }),
        )
        .unwrap();
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .unwrap();
        driver.set_window_rect(0, 0, width, height).await.unwrap();
        Browser {
            driver,
            downloads,
            label: format!("{width}x{height}{}", if javascript { "" } else { "-nojs" }),
            _chromedriver: chromedriver,
            _profile: profile,
        }
    }

    pub(crate) async fn quit(self) {
        self.driver.clone().quit().await.unwrap();
    }

    /// Saves a screenshot of the page as `name` into the screenshot folder (kept by CI),
    /// and into `docs/screenshots/` when `EXAMREG_UPDATE_DOCS` is set.
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.driver.screenshot_as_png().await.unwrap();
        let file = format!("{}-{name}.png", self.label);
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&file), &png).unwrap();
        if std::env::var_os("EXAMREG_UPDATE_DOCS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(&file), &png).unwrap();
        }
    }
}

/// Where screenshots go: `EXAMREG_SCREENSHOT_DIR`, else `target/screenshots`.
pub(crate) fn screenshot_dir() -> PathBuf {
    std::env::var_os("EXAMREG_SCREENSHOT_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"),
        PathBuf::from,
    )
}
