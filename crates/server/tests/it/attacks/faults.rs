//! Faults of the machine: a full disk, a database that cannot be reached.

use examreg_test_support::TestApp;
use reqwest::StatusCode;

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

    // The same scan each time.
    let upload = || {
        client.upload(
            &no,
            "3-1",
            examreg_test_support::fixtures::material(4242),
            "scan.jpg",
        )
    };
    disk.fill(20 * 1024);
    let (status, body) = upload().await;
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
    let (status, body) = upload().await;
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
