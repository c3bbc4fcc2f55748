//! 填写/修改报考信息: saving one section.
//!
//! The printed data's digest decides the form revision: a save that changes what the
//! application form shows moves it on (the printed form is then out of date); saving the
//! same values again writes nothing at all. A save that names the revision it was made
//! on (the page's hidden field, the API's `revision`) is refused when the registration
//! moved on since, so the second of two tabs gets a conflict, never a silent overwrite;
//! one without a revision is applied to the registration as it is at that moment.

use examreg_domain::account::{Actor, CandidateId};
use examreg_domain::clock::CHINA_STANDARD_TIME;
use examreg_domain::identity::IdNumber;
use examreg_domain::registration::{
    BasicSection, EducationSection, ExamSection, FieldErrors, Refusal, Registration, Section,
    SectionContext, WorkSection,
};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::registrations;
use examreg_store::{StoreError, Txn, candidates};
use serde_json::json;
use time::OffsetDateTime;

use super::{AccessError, owned};
use crate::secrets::sha256_hex;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("not found")]
    NotFound,
    /// Not open for changes now (window or status).
    #[error("closed: {0:?}")]
    Closed(Refusal),
    /// Someone (another tab) saved first.
    #[error("revision conflict")]
    Conflict { current_revision: i32 },
    #[error("invalid fields")]
    Invalid(FieldErrors),
    /// Typed text the application form's fonts cannot print: field, characters.
    #[error("unprintable")]
    Unprintable(Vec<(&'static str, Vec<char>)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AccessError> for SaveError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => SaveError::NotFound,
            AccessError::Store(e) => SaveError::Store(e),
        }
    }
}

/// What a save did.
#[derive(Debug, Clone)]
pub struct Saved {
    pub record: Registration,
    /// Whether anything changed.
    pub changed: bool,
}

pub async fn save_section(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
    section: Section,
    input: &serde_json::Map<String, serde_json::Value>,
    expected_revision: Option<i32>,
) -> Result<Saved, SaveError> {
    let (found, exam) = owned(app, candidate, no).await?;
    let now = app.clock.now();
    found.may_edit(&exam, now).map_err(SaveError::Closed)?;
    if let Some(expected) = expected_revision
        && expected != found.revision
    {
        return Err(SaveError::Conflict {
            current_revision: found.revision,
        });
    }
    let account = candidates::get(app.store.conn(), candidate)
        .await?
        .ok_or(SaveError::NotFound)?;
    let today = now.to_offset(CHINA_STANDARD_TIME).date();
    let id_number = IdNumber::parse(account.id_type, &account.id_number, today)
        .map_err(|e| SaveError::Store(StoreError::Corrupt(format!("stored id number: {e}"))))?;

    // Read, change and write under the registration's lock, so that nothing (an upload,
    // another section's save) slips in between: a save without a revision never loses a
    // race it did not ask about, and one with a revision loses only to a real change.
    let (id, no) = (found.id, found.no.clone());
    let input = input.clone();
    app.store
        .transaction(move |txn| {
            Box::pin(async move {
                registrations::lock(txn, id).await?;
                let record = registrations::find_by_no(txn, &no)
                    .await?
                    .ok_or(SaveError::NotFound)?;
                let ctx = SectionContext {
                    exam: &exam,
                    today,
                    account_name: &account.name,
                    account_id_number: &id_number,
                    birth_date: record.sections.basic.as_ref().map(|b| b.birth_date),
                };
                let change = Change {
                    section,
                    input: &input,
                    expected_revision,
                };
                write_section(txn, candidate, record, &ctx, change, now).await
            })
        })
        .await
}

/// What one save asks for.
struct Change<'a> {
    section: Section,
    input: &'a serde_json::Map<String, serde_json::Value>,
    expected_revision: Option<i32>,
}

/// The save inside its transaction, on `record` as read under the lock.
async fn write_section(
    txn: &Txn,
    candidate: CandidateId,
    record: Registration,
    ctx: &SectionContext<'_>,
    change: Change<'_>,
    now: OffsetDateTime,
) -> Result<Saved, SaveError> {
    let Change {
        section,
        input,
        expected_revision,
    } = change;
    record.may_edit(ctx.exam, now).map_err(SaveError::Closed)?;
    if let Some(expected) = expected_revision
        && expected != record.revision
    {
        return Err(SaveError::Conflict {
            current_revision: record.revision,
        });
    }
    let mut sections = record.sections.clone();
    match section {
        Section::Basic => {
            sections.basic = Some(BasicSection::parse(input, ctx).map_err(SaveError::Invalid)?)
        }
        Section::Exam => {
            sections.exam = Some(ExamSection::parse(input, ctx).map_err(SaveError::Invalid)?)
        }
        Section::Education => {
            sections.education =
                Some(EducationSection::parse(input, ctx).map_err(SaveError::Invalid)?);
        }
        Section::Work => {
            sections.work = Some(WorkSection::parse(input, ctx).map_err(SaveError::Invalid)?)
        }
    }
    // What cannot be printed is refused now, not at printing (when it could no longer be
    // fixed in time).
    let unprintable: Vec<(&'static str, Vec<char>)> = sections
        .printed_free_text(section)
        .into_iter()
        .map(|(field, text)| (field, examreg_documents::form::missing_glyphs(text)))
        .filter(|(_, chars)| !chars.is_empty())
        .collect();
    if !unprintable.is_empty() {
        return Err(SaveError::Unprintable(unprintable));
    }
    if sections == record.sections {
        return Ok(Saved {
            record,
            changed: false,
        });
    }
    let digest = sha256_hex(&sections.printed_text());
    let form_revision = if digest == record.form_digest {
        record.form_revision
    } else {
        record.form_revision + 1
    };
    let won = registrations::save_sections(
        txn,
        &record,
        record.revision,
        &sections,
        form_revision,
        &digest,
        now,
    )
    .await?;
    if !won {
        // Only possible without the row lock (a store that cannot lock): say so.
        return Err(SaveError::Conflict {
            current_revision: record.revision,
        });
    }
    audit::record(
        txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(candidate),
            action: AuditAction::REGISTRATION_SECTION_SAVED,
            subject: Some(("registration", record.id.to_string())),
            outcome: Outcome::Success,
            ip: None,
            details: json!({
                "section": section.key(),
                "revision": record.revision + 1,
                "form_revision": form_revision,
            }),
        },
    )
    .await?;
    let saved = Registration {
        revision: record.revision + 1,
        form_revision,
        form_digest: digest,
        sections,
        updated_at: now,
        ..record
    };
    Ok(Saved {
        record: saved,
        changed: true,
    })
}
