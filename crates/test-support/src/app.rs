use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use examreg_domain::exam::ExamCatalog;
use examreg_server::AppState;
use examreg_server::config::Config;
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{DEFAULT_NOW, FixedClock, TestDb};

/// The app on a random port with a fresh database and data directory.
#[derive(Debug)]
pub struct TestApp {
    pub address: SocketAddr,
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub db: TestDb,
    pub data_dir: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

#[derive(Debug)]
pub struct TestAppBuilder {
    now: OffsetDateTime,
    demo: bool,
    configure: Option<fn(&mut Config)>,
}

impl TestAppBuilder {
    /// Where the fixed clock starts.
    pub fn at(mut self, now: OffsetDateTime) -> Self {
        self.now = now;
        self
    }

    /// Adds the demo exam, open at the clock's start.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Changes the test configuration before the app is built.
    pub fn configure(mut self, change: fn(&mut Config)) -> Self {
        self.configure = Some(change);
        self
    }

    pub async fn build(self) -> TestApp {
        let data_dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(data_dir.path()).await;
        let mut config = test_config(data_dir.path(), &db.url);
        if let Some(change) = self.configure {
            change(&mut config);
        }
        let exams: ExamCatalog =
            examreg_server::exams::load(None, self.demo.then_some(self.now)).unwrap();
        let clock = Arc::new(FixedClock::new(self.now));
        let state = examreg_server::app::build_state(config, exams, clock.clone())
            .await
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = examreg_server::web::router(state.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum_serve(listener, router, stop).await;
        });
        TestApp {
            address,
            state,
            clock,
            db,
            data_dir,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: oneshot::Receiver<()>,
) {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = stop.await;
    })
    .await
    .unwrap();
}

/// Configuration for a test: everything in `dir`, cheap password hashing.
pub fn test_config(dir: &Path, database_url: &str) -> Config {
    Config::from_toml(&format!(
        r#"
        listen = "127.0.0.1:0"
        data_dir = "{dir}"
        database_url = "{database_url}"
        storage_url = "file://{dir}/files"

        [argon2]
        memory_kib = 64
        iterations = 1
        parallelism = 1
        "#,
        dir = dir.display()
    ))
    .unwrap()
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::builder().build().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            now: DEFAULT_NOW,
            demo: false,
            configure: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A client that is not signed in.
    pub fn anon(&self) -> AnonClient {
        AnonClient {
            base: format!("http://{}", self.address),
            http: client(),
        }
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An HTTP client without a session.
#[derive(Debug, Clone)]
pub struct AnonClient {
    base: String,
    pub http: reqwest::Client,
}

impl AnonClient {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }
}
