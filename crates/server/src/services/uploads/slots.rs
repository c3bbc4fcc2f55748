//! Which material slots apply to a registration, with their files.

use examreg_domain::account::CandidateId;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::{Registration, SlotView};
use examreg_store::uploads;

use crate::services::registrations::{AccessError, owned};
use crate::state::AppState;

pub async fn slots(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<(Registration, ExamDefinition, Vec<SlotView>), AccessError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let files = uploads::list_for_registration(app.store.conn(), record.id).await?;
    let views = record.slots(&exam, &files);
    Ok((record, exam, views))
}
