//! Checking a session token a request carries: the same rules for cookies and bearer
//! tokens, candidates and staff. Expired sessions are deleted when they are seen.

use examreg_domain::account::{AccountKind, StaffId, StaffRole};
use examreg_store::{StoreError, sessions, staff};
use time::Duration;
use uuid::Uuid;

use crate::state::AppState;

/// Activity is written back at most this often, so reading pages does not mean a write
/// per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A session valid now.
#[derive(Debug, Clone)]
pub struct ValidSession {
    pub account_id: Uuid,
    pub csrf_token: String,
}

/// Whether `record` is a session of `kind` that has not expired (idle or absolute) at now.
fn current(app: &AppState, record: &sessions::SessionRecord, kind: AccountKind) -> bool {
    let now = app.clock.now();
    let idle = Duration::minutes(i64::from(app.config.session.idle_minutes));
    record.kind == kind && now < record.expires_at && now - record.last_seen_at < idle
}

/// The CSRF token bound to the session of `kind` whose token hashes to `id_hash`, while
/// that session is valid. Reads only.
pub async fn csrf_token_of(
    app: &AppState,
    kind: AccountKind,
    id_hash: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sessions::find(app.store.conn(), id_hash)
        .await?
        .filter(|record| current(app, record, kind))
        .map(|record| record.csrf_token))
}

/// The session of `kind` whose token hashes to `id_hash`, if it is valid now (idle and
/// absolute expiry; an expired one is removed).
pub async fn authenticate(
    app: &AppState,
    kind: AccountKind,
    id_hash: &str,
) -> Result<Option<ValidSession>, StoreError> {
    let Some(record) = sessions::find(app.store.conn(), id_hash).await? else {
        return Ok(None);
    };
    if record.kind != kind {
        return Ok(None);
    }
    let now = app.clock.now();
    if !current(app, &record, kind) {
        let id_hash = id_hash.to_owned();
        app.store
            .transaction(move |txn| Box::pin(async move { sessions::delete(txn, &id_hash).await }))
            .await?;
        return Ok(None);
    }
    if now - record.last_seen_at >= TOUCH_EVERY {
        let id_hash = id_hash.to_owned();
        let touched = app
            .store
            .transaction(move |txn| {
                Box::pin(async move { sessions::touch(txn, &id_hash, now).await })
            })
            .await;
        match touched {
            // A writer too busy to note the visit does not cost the visitor the page: the
            // next request notes it (long before the idle limit).
            Ok(()) | Err(StoreError::Busy) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(Some(ValidSession {
        account_id: record.account_id,
        csrf_token: record.csrf_token,
    }))
}

/// A staff member who may work now.
#[derive(Debug, Clone)]
pub struct ActiveStaff {
    pub id: StaffId,
    pub username: String,
    pub role: StaffRole,
    pub points: Vec<String>,
}

/// The staff account `id`, unless it is gone or disabled.
pub async fn active_staff(app: &AppState, id: StaffId) -> Result<Option<ActiveStaff>, StoreError> {
    Ok(staff::get(app.store.conn(), id)
        .await?
        .filter(|account| !account.disabled)
        .map(|account| ActiveStaff {
            id: account.id,
            username: account.username,
            role: account.role,
            points: account.points,
        }))
}
