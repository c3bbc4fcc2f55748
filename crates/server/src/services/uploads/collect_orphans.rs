//! Removes stored files that no row refers to (left by a crash between the write and the
//! commit). Run at start, before serving.

use examreg_store::{StoreError, uploads};

use crate::state::AppState;

pub async fn collect_orphans(app: &AppState) -> Result<usize, StoreError> {
    let known: std::collections::HashSet<String> = uploads::storage_keys(app.store.conn())
        .await?
        .into_iter()
        .collect();
    let mut removed = 0;
    for key in app.files.list("registrations").await? {
        let original = key
            .strip_suffix(".thumb.jpg")
            .map_or_else(|| key.clone(), |base| format!("{base}.jpg"));
        if !known.contains(&original) {
            app.files.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}
