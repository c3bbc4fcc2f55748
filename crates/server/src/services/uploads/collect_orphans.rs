//! Removes stored files that no row refers to: what a crash between the write and the
//! commit leaves, and thumbnails whose original is gone. Only files written at least
//! `age` ago are considered: an upload's bytes are written before its row commits, so a
//! young file without a row may be one another node is about to commit. Any node may run
//! it at any time, while serving; the listing is walked in batches, each checked against
//! the database by primary key.

use std::collections::HashSet;
use std::time::Duration;

use examreg_store::{StoreError, uploads};
use futures::TryStreamExt as _;
use uuid::Uuid;

use crate::state::AppState;

/// Keys checked against the database at a time.
const BATCH: usize = 500;

/// Removes the orphans written at least `age` ago; returns how many.
pub async fn collect_orphans(app: &AppState, age: Duration) -> Result<usize, StoreError> {
    let mut listing = app.files.list_written_before("registrations", age);
    let mut removed = 0;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let next = listing.try_next().await?;
        let done = next.is_none();
        batch.extend(next);
        if batch.len() >= BATCH || (done && !batch.is_empty()) {
            removed += collect_batch(app, std::mem::take(&mut batch)).await?;
        }
        if done {
            return Ok(removed);
        }
    }
}

/// The original a stored key belongs to (itself, or the original of a thumbnail), and
/// the upload id its file name carries (`registrations/{registration}/{upload}.jpg`).
fn original_of(key: &str) -> (String, Option<Uuid>) {
    let original = key
        .strip_suffix(".thumb.jpg")
        .map_or_else(|| key.to_owned(), |base| format!("{base}.jpg"));
    let id = original
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".jpg"))
        .and_then(|stem| Uuid::parse_str(stem).ok());
    (original, id)
}

async fn collect_batch(app: &AppState, keys: Vec<String>) -> Result<usize, StoreError> {
    let ids: Vec<Uuid> = keys.iter().filter_map(|key| original_of(key).1).collect();
    let known: HashSet<String> = uploads::storage_keys_of(app.store.conn(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut removed = 0;
    for key in keys {
        if !known.contains(&original_of(&key).0) {
            app.files.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}
