//! 退出登录: the session ends on the server, so a copied cookie is worthless afterwards.

use examreg_domain::account::{AccountKind, Actor, CandidateId, StaffId};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::{StoreError, sessions};
use serde_json::json;

use crate::state::AppState;
use uuid::Uuid;

/// Ends the session whose token hashes to `id_hash`.
pub async fn sign_out(
    app: &AppState,
    kind: AccountKind,
    account_id: Uuid,
    id_hash: &str,
    ip: String,
) -> Result<(), StoreError> {
    let now = app.clock.now();
    let actor = match kind {
        AccountKind::Candidate => Actor::Candidate(CandidateId(account_id)),
        AccountKind::Staff => Actor::Staff(StaffId(account_id)),
    };
    let txn = app.store.write().await?;
    sessions::delete(&*txn, id_hash).await?;
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &actor,
            action: AuditAction::SIGNED_OUT,
            subject: Some((kind.key(), account_id.to_string())),
            outcome: Outcome::Success,
            ip: Some(ip),
            details: json!({}),
        },
    )
    .await?;
    txn.commit().await
}
