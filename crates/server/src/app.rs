//! Building the application state from configuration: data directory, database, file
//! store. Used by `serve`, the other commands and `TestApp`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use examreg_domain::Clock;
use examreg_domain::exam::ExamCatalog;
use examreg_store::{FileStore, Store};
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::passwords::PasswordHasher;
use crate::state::AppState;
use crate::telemetry;

/// Makes sure the data directory exists and can be written, before anything is stored.
pub fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    let fail = |e: std::io::Error| {
        anyhow::anyhow!("data directory {} is not writable: {e}", dir.display())
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".examreg-write-check");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

/// Connects to the database named by the configuration, without migrating.
pub async fn connect(config: &Config) -> anyhow::Result<Store> {
    if config.uses_default_database() {
        ensure_data_dir(&config.data_dir)?;
    }
    let url = config.database_url();
    let admission = examreg_store::StoreOptions {
        write_max_wait: std::time::Duration::from_millis(config.write_max_wait_ms),
    };
    Store::connect_with(url.expose_secret(), admission)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                config.database_url_for_humans()
            )
        })
}

/// Everything `serve` needs: database (migrated), file store, exams, hasher, metrics.
pub async fn build_state(
    config: Config,
    exams: ExamCatalog,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let decode_memory_mb = config.decode_memory_mb;
    let heavy_work_max_wait_ms = config.heavy_work_max_wait_ms;
    let store = connect(&config).await?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let storage_url = config.storage_url(&cwd);
    if config.storage_url.is_none() {
        ensure_data_dir(&config.data_dir)?;
    }
    let files = FileStore::open(&storage_url)
        .await
        .with_context(|| format!("cannot open the file store {storage_url}"))?;
    let passwords = PasswordHasher::new(&config.argon2).context("argon2 configuration")?;
    let form_key = examreg_store::forms::secret(
        store.conn(),
        "form_mac",
        crate::secrets::MacKey::generate_hex,
        clock.now(),
    )
    .await
    .context("cannot read the form key")?;
    let form_key = crate::secrets::MacKey::from_hex(&form_key)
        .context("the stored form key is not 64 hex digits")?;
    let door = crate::web::middleware::door::Door::new(&config);
    let payments = match config.payments.provider {
        crate::config::PaymentProviderConfig::Sandbox => {
            let key = examreg_store::forms::secret(
                store.conn(),
                "sandbox_payment_mac",
                crate::secrets::MacKey::generate_hex,
                clock.now(),
            )
            .await
            .context("cannot read the sandbox payment key")?;
            let key = crate::secrets::MacKey::from_hex(&key)
                .context("the stored sandbox payment key is not 64 hex digits")?;
            crate::payments::Provider::Sandbox(crate::payments::sandbox::Sandbox::new(
                store.clone(),
                key,
            ))
        }
        crate::config::PaymentProviderConfig::Wechatpay => {
            let wechatpay = config.payments.wechatpay.as_ref().context(
                "payments.provider is wechatpay but [payments.wechatpay] is not configured",
            )?;
            crate::payments::Provider::WechatPay(
                crate::payments::wechatpay::WechatPay::from_config(wechatpay, Arc::clone(&clock))
                    .context("payments.wechatpay")?,
            )
        }
    };
    Ok(AppState {
        config: Arc::new(config),
        store,
        files,
        exams: Arc::new(exams),
        clock,
        passwords,
        metrics: telemetry::metrics_handle(),
        heavy_work: crate::admission::Gate::new(
            "image and PDF work",
            std::thread::available_parallelism().map_or(1, usize::from),
            std::time::Duration::from_millis(heavy_work_max_wait_ms),
            std::time::Duration::from_millis(10),
        ),
        decode_memory: Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(decode_memory_mb)
                .unwrap_or(usize::MAX)
                .max(1),
        )),
        form_key,
        door,
        payments,
    })
}
