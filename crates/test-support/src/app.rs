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

/// A change to the test configuration, applied before the app is built.
type ConfigChange = Box<dyn FnOnce(&mut Config) + Send>;

pub struct TestAppBuilder {
    now: OffsetDateTime,
    demo: bool,
    configure: Option<ConfigChange>,
}

impl std::fmt::Debug for TestAppBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestAppBuilder")
            .field("now", &self.now)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
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
    pub fn configure(mut self, change: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        self.configure = Some(Box::new(change));
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
        let limits = examreg_server::listen::ConnectionLimits::from_config(&state.config);
        let (shutdown, stop) = oneshot::channel::<()>();
        // The production connection loop, deadlines and all.
        let server = tokio::spawn(async move {
            examreg_server::listen::serve(listener, router, limits, async {
                let _ = stop.await;
            })
            .await
            .unwrap();
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

/// Configuration for a test: everything in `dir`, cheap password hashing.
pub fn test_config(dir: &Path, database_url: &str) -> Config {
    Config::from_toml(&format!(
        r#"
        listen = "127.0.0.1:0"
        data_dir = "{dir}"
        database_url = "{database_url}"
        storage_url = "{storage_url}"

        [argon2]
        memory_kib = 64
        iterations = 1
        parallelism = 1

        # Every test candidate signs up from 127.0.0.1; the tests of these limits set
        # them back to the defaults.
        [codes]
        per_address_before_captcha = 1000000
        per_address_per_hour = 1000000
        "#,
        dir = dir.display(),
        storage_url = test_storage_url(dir),
    ))
    .unwrap()
}

/// The file store of a test: a directory in `dir`, or, when `EXAMREG_TEST_S3_URL` names
/// an S3 server (as `.ci/run` does for the PostgreSQL run), a fresh prefix in its bucket.
pub fn test_storage_url(dir: &Path) -> String {
    match std::env::var("EXAMREG_TEST_S3_URL") {
        Ok(base) => {
            let (head, query) = base.split_once('?').unwrap_or((&base, ""));
            format!(
                "{}/test-{}?{query}",
                head.trim_end_matches('/'),
                uuid::Uuid::new_v4()
            )
        }
        Err(_) => format!("file://{}/files", dir.display()),
    }
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

    /// Every stored file key under `prefix`, whichever backend the test runs on.
    pub async fn stored_keys(&self, prefix: &str) -> Vec<String> {
        self.state.files.list(prefix).await.unwrap()
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
    examreg_store::files::install_tls_provider();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A plain HTTP client (no cookies, redirects followed), as a script or another site.
pub fn http() -> reqwest::Client {
    examreg_store::files::install_tls_provider();
    reqwest::Client::new()
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

/// A candidate's sign-in details, as registered by [`TestApp::register_candidate`].
#[derive(Debug, Clone)]
pub struct CandidateLogin {
    pub username: String,
    pub password: String,
    pub id_number: String,
    pub phone: String,
}

/// A resident ID number with a valid check digit, different for each `n`.
pub fn resident_id(n: u32) -> String {
    let first17 = format!("310101199003{:02}{:03}", 1 + n % 28, n % 1000);
    let check = examreg_domain::identity::gb11643_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

impl TestApp {
    /// Registers a candidate through the API: asks for the phone's code, reads it from the
    /// SMS outbox as its holder would, and signs up with it.
    pub async fn register_candidate(&self, username: &str) -> CandidateLogin {
        let n = self.next_id();
        let phone = candidate_phone(n);
        let code = self.sign_up_code(&phone).await;
        create_account_at(&self.url(""), username, n, &code).await
    }

    /// Asks for a sign-up code for `phone` and returns it as the phone received it.
    pub async fn sign_up_code(&self, phone: &str) -> String {
        let response = http()
            .post(self.url("/api/v1/accounts/phone-codes"))
            .json(&serde_json::json!({ "phone": phone }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::ACCEPTED,
            "{}",
            response.text().await.unwrap()
        );
        self.sms_code_to(phone)
            .await
            .unwrap_or_else(|| panic!("no code was sent to {phone}"))
    }

    /// The latest one-time code sent by SMS to `phone`: delivers what the outbox holds and
    /// reads the messages, as the phone would.
    pub async fn sms_code_to(&self, phone: &str) -> Option<String> {
        examreg_server::jobs::deliver_notifications::run_once(&self.state)
            .await
            .unwrap();
        latest_code_in_outbox(&self.data_dir.path().join("outbox"), phone)
    }

    /// A candidate signed in through the API with a cookie session, as a browser script.
    pub async fn candidate(&self) -> SignedInClient {
        self.candidate_with_login().await.0
    }

    /// A signed-in candidate and the details to sign in again (after the clock moved on).
    pub async fn candidate_with_login(&self) -> (SignedInClient, CandidateLogin) {
        let login = self
            .register_candidate(&format!("candidate{}", self.next_id()))
            .await;
        (self.sign_in_as(&login).await, login)
    }

    /// Signs `login` in again, in a new client.
    pub async fn sign_in_as(&self, login: &CandidateLogin) -> SignedInClient {
        self.sign_in("/api/v1/session", &login.username, &login.password)
            .await
    }

    /// A staff member of `role` (with `points` for a point reviewer), signed in.
    pub async fn staff(&self, role: &str, points: &[&str]) -> SignedInClient {
        let username = format!("staff{}", self.next_id());
        examreg_server::services::create_staff::create_staff(
            &self.state,
            &examreg_domain::account::Actor::Operator,
            examreg_server::services::create_staff::NewStaffInput {
                username: username.clone(),
                role: role.to_owned(),
                points: points.iter().map(|p| (*p).to_owned()).collect(),
                password: "a staff passphrase".to_owned(),
            },
        )
        .await
        .unwrap();
        self.sign_in("/api/v1/staff/session", &username, "a staff passphrase")
            .await
    }

    async fn sign_in(&self, path: &str, username: &str, password: &str) -> SignedInClient {
        sign_in_at(&self.url(""), path, username, password).await
    }

    fn next_id(&self) -> u32 {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }

    /// The answer to a captcha challenge, found by trying every 5-digit answer against the
    /// stored hash: tests have no eyes.
    pub async fn solve_captcha(&self, id: &str) -> String {
        let hash = examreg_store::captchas::answer_hash(self.state.store.conn(), id)
            .await
            .unwrap()
            .unwrap();
        (0..100_000)
            .map(|n| format!("{n:05}"))
            .find(|answer| examreg_server::secrets::sha256_hex(&format!("{id}:{answer}")) == hash)
            .unwrap()
    }
}

/// The phone number of candidate number `n`.
pub fn candidate_phone(n: u32) -> String {
    format!("138{n:08}")
}

/// The one-time code in the newest message to `phone` among the files of a development
/// SMS outbox (`sms.transport = "file"`), if any.
pub fn latest_code_in_outbox(outbox: &Path, phone: &str) -> Option<String> {
    let to = format!("To: {phone}\n");
    let newest = std::fs::read_dir(outbox)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            let modified = entry.metadata().ok()?.modified().ok()?;
            (text.contains(&to) && text.contains("验证码为 ")).then_some((modified, text))
        })
        .max_by_key(|(modified, _)| *modified)?;
    let code: String = newest
        .1
        .split("验证码为 ")
        .nth(1)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(code)
}

/// Registers candidate number `n` through the API of the demo server (`serve --demo`,
/// which shows the sign-up code instead of sending it) at `base`.
pub async fn register_candidate_at(base: &str, username: &str, n: u32) -> CandidateLogin {
    let response = http()
        .post(format!("{base}/api/v1/accounts/phone-codes"))
        .json(&serde_json::json!({ "phone": candidate_phone(n) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
    let sent: serde_json::Value = response.json().await.unwrap();
    let code = sent["sandbox_code"]
        .as_str()
        .unwrap_or_else(|| panic!("{base} is not a demo server: it shows no code"))
        .to_owned();
    create_account_at(base, username, n, &code).await
}

/// Signs candidate number `n` up at `base` with the code sent to their phone.
async fn create_account_at(base: &str, username: &str, n: u32, phone_code: &str) -> CandidateLogin {
    let login = CandidateLogin {
        username: username.to_owned(),
        password: "长江后浪推前浪 2024".to_owned(),
        id_number: resident_id(n),
        phone: candidate_phone(n),
    };
    let response = http()
        .post(format!("{base}/api/v1/accounts"))
        .json(&serde_json::json!({
            "username": login.username,
            "password": login.password,
            "name": "张三",
            "id_type": "resident_id",
            "id_number": login.id_number,
            "phone": candidate_phone(n),
            "phone_code": phone_code,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    login
}

/// Signs in at `path` (candidate or staff session route) of the server at `base`.
pub async fn sign_in_at(base: &str, path: &str, username: &str, password: &str) -> SignedInClient {
    try_sign_in_at(base, path, username, password)
        .await
        .unwrap()
}

/// [`sign_in_at`], for a server that may be gone: a connection error is returned, any
/// answer but 201 fails the test.
pub async fn try_sign_in_at(
    base: &str,
    path: &str,
    username: &str,
    password: &str,
) -> Result<SignedInClient, reqwest::Error> {
    let http = client();
    let response = http
        .post(format!("{base}{path}"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await?;
    assert_eq!(
        response.status(),
        reqwest::StatusCode::CREATED,
        "{}",
        response.text().await?
    );
    let body: serde_json::Value = response.json().await?;
    Ok(SignedInClient {
        base: base.to_owned(),
        http,
        token: body["token"].as_str().unwrap().to_owned(),
        csrf_token: body["csrf_token"].as_str().unwrap().to_owned(),
    })
}

/// A signed-in client with a cookie session; state-changing requests carry the CSRF
/// header, as the site's own scripts do.
#[derive(Debug, Clone)]
pub struct SignedInClient {
    base: String,
    pub http: reqwest::Client,
    /// The bearer token (also set as the session cookie).
    pub token: String,
    pub csrf_token: String,
}

impl SignedInClient {
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
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// A state-changing request with the CSRF header.
    pub fn send(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf_token)
    }
}

impl SignedInClient {
    /// Uploads `bytes` into a material slot as multipart field `file` named `filename`.
    pub async fn upload(
        &self,
        no: &str,
        slot: &str,
        bytes: Vec<u8>,
        filename: &str,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_owned())
            .mime_str("image/jpeg")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/registrations/{no}/slots/{slot}/files"),
            )
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}
