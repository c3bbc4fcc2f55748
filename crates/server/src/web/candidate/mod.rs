//! Pages for candidates.

pub mod accounts;
pub mod home;
pub mod payment;
pub mod registration;
pub mod registration_form;
pub mod uploads;

use examreg_domain::account::CandidateId;
use examreg_domain::registration::Todo;

use crate::services::registrations::view;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::middleware::csrf::CsrfToken;
use crate::web::page::{Chrome, TodoLink};
use crate::web::{urls, wording};

/// The frame of a signed-in candidate's page: their name and their to-do list.
pub(crate) async fn candidate_chrome(
    app: &AppState,
    csrf: &CsrfToken,
    candidate: CandidateId,
) -> Result<Chrome, AppError> {
    let frame = view::candidate_frame(app, candidate).await?;
    Ok(Chrome {
        csrf: csrf.0.clone(),
        user: frame.name,
        staff: false,
        todos: frame
            .todos
            .iter()
            .map(|item| TodoLink {
                text: wording::todo(&item.todo, &item.exam_title),
                href: match item.todo {
                    Todo::Pay { .. } => urls::registration_payment(&item.registration_no),
                    _ => urls::registration(&item.registration_no),
                },
            })
            .collect(),
    })
}
