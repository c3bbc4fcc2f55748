//! The signed-in candidate's own account as pages show it.

use examreg_domain::account::CandidateId;
use examreg_domain::vocab::IdType;
use examreg_store::{StoreError, candidates};

use crate::state::AppState;

/// A candidate's account without its secrets.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: CandidateId,
    pub username: String,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
}

/// `None` when the account no longer exists.
pub async fn profile(
    app: &AppState,
    candidate: CandidateId,
) -> Result<Option<Profile>, StoreError> {
    Ok(candidates::get(app.store.conn(), candidate)
        .await?
        .map(|a| Profile {
            id: a.id,
            username: a.username,
            name: a.name,
            id_type: a.id_type,
            id_number: a.id_number,
            phone: a.phone,
            email: a.email,
        }))
}
