//! Configuration: built-in defaults, then the TOML file named by `EXAMREG_CONFIG`, then
//! `EXAMREG_*` environment variables (environment wins). Loaded once at start and passed
//! around in [`crate::state::AppState`]; nothing reads the environment later.
//!
//! Nested keys use a double underscore in the environment: `EXAMREG_ARGON2__MEMORY_KIB`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `address:port` to listen on.
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// Where the SQLite database, uploaded files and development mail live by default.
    #[serde(default = "defaults::data_dir")]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `examreg.db` in the data directory.
    #[serde(default)]
    pub database_url: Option<SecretString>,
    /// `file:///dir`; default: `files/` in the data directory.
    #[serde(default)]
    pub storage_url: Option<String>,
    /// A folder of exam definition files; default: the definitions bundled in the binary.
    #[serde(default)]
    pub exams_dir: Option<PathBuf>,
    /// `text` for people, `json` for log collectors (production).
    #[serde(default)]
    pub log_format: LogFormat,
    /// The whole request, body included, must finish within this many seconds.
    #[serde(default = "defaults::request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// A request body that sends nothing for this many seconds is answered 408.
    #[serde(default = "defaults::body_timeout_secs")]
    pub body_timeout_secs: u64,
    /// A request's head must arrive within this many seconds; an idle keep-alive
    /// connection is closed after as long.
    #[serde(default = "defaults::header_read_timeout_secs")]
    pub header_read_timeout_secs: u64,
    /// Connections one address may hold at once (trusted proxies are not limited).
    #[serde(default = "defaults::max_connections_per_address")]
    pub max_connections_per_address: usize,
    /// After SIGTERM, requests in flight get this many seconds; then the rest are cut.
    #[serde(default = "defaults::shutdown_grace_secs")]
    pub shutdown_grace_secs: u64,
    /// Largest request body accepted on ordinary routes (forms, JSON).
    #[serde(default = "defaults::max_body_bytes")]
    pub max_body_bytes: usize,
    /// Largest request body on upload routes; each exam's own limits are checked too.
    #[serde(default = "defaults::max_upload_body_bytes")]
    pub max_upload_body_bytes: usize,
    /// Set when examreg is served over HTTPS (directly or behind a proxy): adds HSTS.
    #[serde(default)]
    pub https: bool,
    #[serde(default)]
    pub argon2: Argon2Config,
    #[serde(default)]
    pub session: SessionConfig,
    /// Proxies whose `X-Forwarded-For` is believed; from anyone else it is ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<IpAddr>,
    /// `/metrics` is served to the local host; anyone else needs
    /// `Authorization: Bearer <metrics_token>` (unset: nobody else).
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    #[serde(default)]
    pub codes: CodesConfig,
    /// Who takes the fees, and how long an order may be paid.
    #[serde(default)]
    pub payments: PaymentsConfig,
    /// Memory (MB) that image decoding may take at once, whatever the number of uploads:
    /// a decode waits until its share is free.
    #[serde(default = "defaults::decode_memory_mb")]
    pub decode_memory_mb: u32,
    /// Image checks, previews and form PDFs (one per core at a time) wait for a core as
    /// long as the queue can be done within this many milliseconds at the time such work
    /// has taken lately; beyond that 503 with `Retry-After` at once.
    #[serde(default = "defaults::heavy_work_max_wait_ms")]
    pub heavy_work_max_wait_ms: u64,
    /// A request's database write waits at most this many milliseconds for its turn
    /// (SQLite's one writer, a PostgreSQL connection); beyond it 503 with `Retry-After`
    /// and nothing is written.
    #[serde(default = "defaults::write_max_wait_ms")]
    pub write_max_wait_ms: u64,
    /// How many requests of each class are served at once (see `web::middleware::door`).
    #[serde(default)]
    pub door: DoorConfig,
    /// `/readyz` answers 503 when the data directory or a local file store has less free
    /// space than this (MB): a full disk refuses writes.
    #[serde(default = "defaults::min_free_disk_mb")]
    pub min_free_disk_mb: u64,
    /// Set by `serve --demo`, never by a file: the server sends no real SMS, so pages show
    /// the one-time codes they would have carried.
    #[serde(skip)]
    pub demo: bool,
}

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Signed out after this many minutes without a request.
    pub idle_minutes: u32,
    /// Signed out this many hours after signing in, whatever the activity.
    pub absolute_hours: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

/// 缴费: the provider and the order's life.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// `sandbox`: examreg's own cashier (demos, training, tests); `wechatpay`: WeChat
    /// Pay API v3, configured in `[payments.wechatpay]`.
    pub provider: PaymentProviderConfig,
    /// An order may be paid for this many minutes (never past the payment close); then
    /// it is closed at the provider and a new one is made.
    pub order_minutes: u32,
    /// Orders open longer than this many minutes are queried at the provider by the
    /// `settle_payments` job (a notification may be lost).
    pub query_after_minutes: u32,
    /// The merchant account, when `provider = "wechatpay"`.
    pub wechatpay: Option<WechatPayConfig>,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            provider: PaymentProviderConfig::Sandbox,
            order_minutes: 30,
            query_after_minutes: 3,
            wechatpay: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProviderConfig {
    #[default]
    Sandbox,
    Wechatpay,
}

/// A WeChat Pay merchant (直连商户) on API v3, with the WeChat Pay public key
/// (微信支付公钥) verifying what WeChat Pay sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatPayConfig {
    /// `https://api.mch.weixin.qq.com` (a simulator's address in tests).
    #[serde(default = "defaults::wechatpay_base_url")]
    pub base_url: String,
    /// 商户号.
    pub mchid: String,
    /// The AppID the merchant is bound to (公众号 or 网站应用).
    pub appid: String,
    /// 商户API证书序列号.
    pub merchant_serial_no: String,
    /// 商户API私钥 (`apiclient_key.pem`, PKCS#8 or PKCS#1 PEM).
    pub merchant_private_key_file: PathBuf,
    /// 微信支付公钥ID (`PUB_KEY_ID_…`): the `Wechatpay-Serial` of everything it signs.
    pub public_key_id: String,
    /// 微信支付公钥 (`pub_key.pem`).
    pub public_key_file: PathBuf,
    /// APIv3密钥: 32 characters, decrypts notification resources.
    pub api_v3_key: SecretString,
    /// Where WeChat Pay sends notifications: this deployment's
    /// `https://…/api/v1/payments/wechatpay/notify`.
    pub notify_url: String,
    /// A call to WeChat Pay that takes longer is given up (the order is queried later).
    #[serde(default = "defaults::wechatpay_timeout_secs")]
    pub timeout_secs: u64,
}

impl PartialEq for WechatPayConfig {
    fn eq(&self, other: &Self) -> bool {
        self.base_url == other.base_url
            && self.mchid == other.mchid
            && self.appid == other.appid
            && self.merchant_serial_no == other.merchant_serial_no
            && self.merchant_private_key_file == other.merchant_private_key_file
            && self.public_key_id == other.public_key_id
            && self.public_key_file == other.public_key_file
            && self.api_v3_key.expose_secret() == other.api_v3_key.expose_secret()
            && self.notify_url == other.notify_url
            && self.timeout_secs == other.timeout_secs
    }
}

impl Eq for WechatPayConfig {}

/// How many one-time codes (sign-up, password reset) one address may ask for in an
/// hour: past the first number each further request needs a captcha; past the second
/// the address waits. Raise them for an exam area whose candidates share few addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodesConfig {
    pub per_address_before_captcha: u32,
    pub per_address_per_hour: u32,
}

impl Default for CodesConfig {
    fn default() -> Self {
        let policy = examreg_domain::auth_policy::CodePolicy::default();
        Self {
            per_address_before_captcha: policy.address_captcha_after,
            per_address_per_hour: policy.address_ceiling,
        }
    }
}

impl CodesConfig {
    pub fn policy(&self) -> examreg_domain::auth_policy::CodePolicy {
        examreg_domain::auth_policy::CodePolicy {
            address_captcha_after: self.per_address_before_captcha,
            address_ceiling: self.per_address_per_hour,
            ..examreg_domain::auth_policy::CodePolicy::default()
        }
    }
}

/// How notifications (codes, registration news) leave the system, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsConfig {
    #[serde(default)]
    pub email: EmailTransport,
    #[serde(default)]
    pub sms: SmsTransport,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, tag = "transport", rename_all = "snake_case")]
pub enum EmailTransport {
    /// Development: each message is written as a file under `outbox/` in the data
    /// directory. Nothing reaches a real mailbox.
    #[default]
    File,
    /// An SMTP relay on the operator's network (plain SMTP without TLS: a local relay
    /// such as Postfix forwards onwards with TLS itself).
    Smtp {
        host: String,
        port: u16,
        from: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, tag = "transport", rename_all = "snake_case")]
pub enum SmsTransport {
    /// Development: written under `outbox/` like e-mail. No SMS gateway is built yet.
    #[default]
    File,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The door's places per class of request; beyond them a request waits at most
/// `max_wait_ms`, then hears 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorConfig {
    /// Uploads served at once. Default: 64 per core (an upload costs about 6 ms of CPU
    /// all told, so a full door is about 0.2 s of upload work per core).
    #[serde(default = "defaults::uploads_inside")]
    pub uploads_inside: usize,
    /// Every other request served at once. Default: 256 per core.
    #[serde(default = "defaults::requests_inside")]
    pub requests_inside: usize,
    #[serde(default = "defaults::door_max_wait_ms")]
    pub max_wait_ms: u64,
}

impl Default for DoorConfig {
    fn default() -> Self {
        DoorConfig {
            uploads_inside: defaults::uploads_inside(),
            requests_inside: defaults::requests_inside(),
            max_wait_ms: defaults::door_max_wait_ms(),
        }
    }
}

/// Argon2id cost. The defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes wait for a core as long as the queue can be hashed within this many
    /// milliseconds (at the hashing time measured lately); beyond that 503 at once.
    #[serde(default = "defaults::hash_max_wait_ms")]
    pub max_wait_ms: u64,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            max_wait_ms: defaults::hash_max_wait_ms(),
        }
    }
}

mod defaults {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::path::PathBuf;

    pub(super) fn listen() -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, 8080))
    }
    pub(super) fn data_dir() -> PathBuf {
        PathBuf::from("./data")
    }
    pub(super) fn request_timeout_secs() -> u64 {
        30
    }
    pub(super) fn heavy_work_max_wait_ms() -> u64 {
        2000
    }
    pub(super) fn write_max_wait_ms() -> u64 {
        2000
    }
    fn cores() -> usize {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    }
    pub(super) fn uploads_inside() -> usize {
        64 * cores()
    }
    pub(super) fn requests_inside() -> usize {
        256 * cores()
    }
    pub(super) fn door_max_wait_ms() -> u64 {
        100
    }
    pub(super) fn decode_memory_mb() -> u32 {
        256
    }
    pub(super) fn header_read_timeout_secs() -> u64 {
        20
    }
    pub(super) fn max_connections_per_address() -> usize {
        128
    }
    pub(super) fn shutdown_grace_secs() -> u64 {
        20
    }
    pub(super) fn min_free_disk_mb() -> u64 {
        256
    }
    pub(super) fn wechatpay_base_url() -> String {
        "https://api.mch.weixin.qq.com".to_owned()
    }
    pub(super) fn wechatpay_timeout_secs() -> u64 {
        10
    }
    pub(super) fn body_timeout_secs() -> u64 {
        10
    }
    pub(super) fn max_body_bytes() -> usize {
        256 * 1024
    }
    pub(super) fn max_upload_body_bytes() -> usize {
        2 * 1024 * 1024
    }
    pub(super) fn hash_max_wait_ms() -> u64 {
        2000
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

/// `EXAMREG_*` variables that are not settings: `EXAMREG_CONFIG` names the file, the rest
/// belong to the test suite and CI (README, "Test it"), and may well be set in the shell
/// that starts the server.
const NOT_SETTINGS: [&str; 4] = ["config", "axe_js", "screenshot_dir", "update_docs"];
const NOT_SETTING_PREFIXES: [&str; 2] = ["test_", "ci_"];

fn is_setting(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    !NOT_SETTINGS.contains(&key.as_str())
        && !NOT_SETTING_PREFIXES.iter().any(|p| key.starts_with(p))
}

impl Config {
    /// Reads the configuration from the file named by `EXAMREG_CONFIG` (if any) and the
    /// `EXAMREG_*` environment.
    pub fn load() -> Result<Config, ConfigError> {
        let mut figment = Figment::new();
        if let Ok(path) = std::env::var("EXAMREG_CONFIG") {
            if !Path::new(&path).is_file() {
                return Err(ConfigError::Invalid(format!(
                    "EXAMREG_CONFIG={path}: no such file"
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(
            Env::prefixed("EXAMREG_")
                .filter(|key| is_setting(key.as_str()))
                .split("__"),
        );
        Self::from_figment(figment)
    }

    /// Defaults plus the given TOML text: for tests and tools.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Self::from_figment(Figment::new().merge(Toml::string(text)))
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(|e| {
            // figment's message names the key and where it came from; keep it on one line.
            ConfigError::Invalid(e.to_string().lines().collect::<Vec<_>>().join(" "))
        })?;
        if config.request_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "request_timeout_secs must be at least 1".into(),
            ));
        }
        Ok(config)
    }

    /// The database URL in force.
    pub fn database_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => SecretString::from(format!(
                "sqlite://{}",
                self.data_dir.join("examreg.db").display()
            )),
        }
    }

    /// The storage URL in force; a relative data directory is made absolute against `cwd`.
    pub fn storage_url(&self, cwd: &Path) -> String {
        match &self.storage_url {
            Some(url) => url.clone(),
            None => {
                let dir = cwd.join(&self.data_dir).join("files");
                format!("file://{}", dir.display())
            }
        }
    }

    /// True when the database lives in the data directory (the SQLite default).
    pub fn uses_default_database(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn database_url_for_humans(&self) -> String {
        examreg_store::redact_url(self.database_url().expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(
            config.database_url().expose_secret(),
            "sqlite://./data/examreg.db"
        );
        assert_eq!(
            config.storage_url(Path::new("/srv")),
            "file:///srv/./data/files"
        );
        assert_eq!(config.argon2.memory_kib, 19 * 1024);
    }

    #[test]
    fn the_example_file_lists_the_defaults() {
        let example = include_str!("../../../config/examreg.example.toml");
        let from_file = Config::from_toml(example).unwrap();
        let defaults = Config::from_toml("").unwrap();
        assert_eq!(format!("{from_file:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = Config::from_toml("lisen = \"x\"").unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
        let err = Config::from_toml("listen = \"not an address\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("listen"), "{err}");
    }

    #[test]
    fn one_nested_key_layers_over_the_defaults_of_its_table() {
        let config = Config::from_toml("[session]\nidle_minutes = 20").unwrap();
        assert_eq!(config.session.idle_minutes, 20);
        assert_eq!(config.session.absolute_hours, 12);
        let config = Config::from_toml("[argon2]\nmemory_kib = 19456").unwrap();
        assert_eq!(config.argon2.iterations, 2);
    }

    #[test]
    fn the_test_suites_variables_are_not_settings() {
        for key in [
            "TEST_POSTGRES_URL",
            "TEST_S3_URL",
            "AXE_JS",
            "SCREENSHOT_DIR",
            "UPDATE_DOCS",
            "CI_TOOLS",
            "config",
        ] {
            assert!(!is_setting(key), "{key}");
        }
        assert!(is_setting("argon2__memory_kib"));
        assert!(is_setting("listen"));
    }

    #[test]
    fn passwords_are_hidden_from_humans() {
        let config = Config::from_toml("database_url = \"postgres://app:pw@db/examreg\"").unwrap();
        assert_eq!(
            config.database_url_for_humans(),
            "postgres://app:***@db/examreg"
        );
        assert!(!format!("{config:?}").contains("pw@"));
    }
}
