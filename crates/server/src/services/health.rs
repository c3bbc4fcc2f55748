//! Whether this node can serve: the database and the file store answer, and the disk
//! holding the data has room left.

use crate::state::AppState;

/// What is not ready, in words an operator reads.
pub async fn not_ready(app: &AppState) -> Vec<&'static str> {
    let (db, files) = tokio::join!(app.store.ping(), app.files.check());
    let mut failing = Vec::new();
    if let Err(err) = db {
        tracing::warn!(error = %err, "readiness: database");
        failing.push("database");
    }
    if let Err(err) = files {
        tracing::warn!(error = %err, "readiness: file store");
        failing.push("file store");
    }
    let min_free = app.config.min_free_disk_mb.saturating_mul(1024 * 1024);
    let low = [
        examreg_store::files::free_bytes(&app.config.data_dir),
        app.files.free_bytes(),
    ]
    .into_iter()
    .flatten()
    .any(|free| free < min_free);
    if low {
        tracing::error!(min_free, "readiness: disk space");
        failing.push("disk space");
    }
    failing
}
