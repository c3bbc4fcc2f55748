use std::path::Path;

use examreg_store::admin;

const POSTGRES_ENV: &str = "EXAMREG_TEST_POSTGRES_URL";

/// A fresh, empty database for one test: a SQLite file in `dir`, or — when
/// `EXAMREG_TEST_POSTGRES_URL` is set — a new PostgreSQL database that is dropped with
/// this value.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn create(dir: &Path) -> TestDb {
        match std::env::var(POSTGRES_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("examreg_test_{}", uuid::Uuid::new_v4().simple());
                admin::create_postgres_database(&admin_url, &name)
                    .await
                    .unwrap_or_else(|e| panic!("creating {name} via {POSTGRES_ENV}: {e}"));
                let url = admin::with_database(&admin_url, &name);
                TestDb {
                    url,
                    postgres: Some((admin_url, name)),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("examreg.db").display()),
                postgres: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop cannot await; a short-lived runtime on its own thread does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime
                .block_on(admin::drop_postgres_database(&admin_url, &name))
                .ok()
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: a PostgreSQL test database was not dropped");
        }
    }
}
