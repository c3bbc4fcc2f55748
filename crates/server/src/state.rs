//! What every request handler can reach.

use std::sync::Arc;

use examreg_domain::Clock;
use examreg_domain::exam::ExamCatalog;
use examreg_store::{FileStore, Store};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::config::Config;
use crate::passwords::PasswordHasher;

#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub files: FileStore,
    pub exams: Arc<ExamCatalog>,
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
    pub metrics: PrometheusHandle,
    /// Admits CPU-heavy work off the runtime (image checks and previews, PDF): one per
    /// core, a queue as long as `heavy_work_max_wait_ms` allows.
    pub heavy_work: crate::admission::Gate,
    /// Bounds the memory image decoding may take at once: one permit per MiB
    /// (`decode_memory_mb`); a decode holds as many as its header says it needs.
    pub decode_memory: Arc<tokio::sync::Semaphore>,
    /// Makes and checks the verification codes of printed application forms.
    pub form_key: crate::secrets::MacKey,
    /// How many requests of each class are served at once.
    pub door: crate::web::middleware::door::Door,
    /// Who takes the fees (`[payments] provider`).
    pub payments: crate::payments::Provider,
}
