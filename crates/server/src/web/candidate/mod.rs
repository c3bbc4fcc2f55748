//! Pages for candidates.

pub mod accounts;
pub mod home;
pub mod registration;
pub mod registration_form;
pub mod uploads;

use examreg_domain::account::CandidateId;
use examreg_store::{candidates, registrations, uploads as stored_files};

use crate::services::registrations::view;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, TodoLink};
use crate::web::urls;

/// The frame of a signed-in candidate's page: their name and their to-do list.
pub(crate) async fn candidate_chrome(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: CandidateId,
) -> Result<Chrome, AppError> {
    let db = app.store.conn();
    let name = candidates::get(db, candidate).await?.map(|a| a.name);
    let now = app.clock.now();
    let mut todos = Vec::new();
    for record in registrations::list_for_candidate(db, candidate).await? {
        let Some(exam) = app.exams.get(&record.exam_id) else {
            continue;
        };
        let files = stored_files::list_for_registration(db, record.id).await?;
        let stale_form = !crate::services::uploads::stale_forms(&record, &files).is_empty();
        let href = urls::registration(record.no.as_str());
        todos.extend(
            view::todos(&record, exam, now, stale_form)
                .into_iter()
                .map(|text| TodoLink {
                    text,
                    href: href.clone(),
                }),
        );
    }
    Ok(Chrome {
        csrf: csrf.0.clone(),
        user: name,
        staff: false,
        todos,
    })
}
