//! Starting a registration for an open exam: one per candidate per exam.

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::RegistrationNo;
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations::{self, NotCreated};
use serde_json::json;

use crate::secrets::random_digits;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no such exam")]
    UnknownExam,
    /// Registration is not open now; carries the exam for its dates.
    #[error("registration closed")]
    Closed(Box<ExamDefinition>),
    /// The candidate already has a registration for this exam.
    #[error("already registered")]
    AlreadyRegistered(RegistrationNo),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn start_registration(
    app: &AppState,
    candidate: CandidateId,
    exam_id: &str,
) -> Result<RegistrationNo, StartError> {
    let exam = app.exams.get(exam_id).ok_or(StartError::UnknownExam)?;
    let now = app.clock.now();
    if !exam.calendar.registration.contains(now) {
        return Err(StartError::Closed(Box::new(exam.clone())));
    }
    // A random number can collide; a few tries make that vanishingly unlikely to matter.
    for _ in 0..5 {
        let digits: Vec<u8> = random_digits(7).bytes().map(|b| b - b'0').collect();
        let mut random = [0u8; 7];
        random.copy_from_slice(&digits);
        let no = RegistrationNo::new(exam.year, &exam.area.code, random);
        let txn = app.store.write().await?;
        match registrations::create(&*txn, &no, exam_id, candidate, now).await? {
            Ok(id) => {
                audit::record(
                    &*txn,
                    AuditEntry {
                        at: now,
                        actor: &Actor::Candidate(candidate),
                        action: AuditAction::REGISTRATION_STARTED,
                        subject: Some(("registration", id.to_string())),
                        outcome: Outcome::Success,
                        ip: None,
                        details: json!({ "registration_no": no.as_str(), "exam": exam_id }),
                    },
                )
                .await?;
                txn.commit().await?;
                return Ok(no);
            }
            Err(NotCreated::NumberTaken) => continue,
            Err(NotCreated::AlreadyRegistered) => {
                drop(txn);
                let existing =
                    registrations::find_for_candidate(app.store.conn(), candidate, exam_id).await?;
                return match existing {
                    Some(r) => Err(StartError::AlreadyRegistered(r.no)),
                    None => Err(StartError::Store(StoreError::Corrupt(
                        "registration vanished".into(),
                    ))),
                };
            }
        }
    }
    Err(StartError::Store(StoreError::Corrupt(
        "no free registration number after 5 tries".into(),
    )))
}
