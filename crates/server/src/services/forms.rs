//! 打印报名表 and its checks: the application form PDF, the verification code (验证码) that
//! makes a print checkable, the public verification of a printed form, and reading the
//! barcode of an uploaded form scan to refuse a stale or foreign form.
//!
//! The form can be printed once all four sections are saved and the photo is confirmed, as
//! the guide's step 三 says; before that the answer names what to finish (chosen over
//! printing a partial form that would have to be printed again anyway).

use examreg_documents::form::{self as pdf, ApplicationForm, FormError, FormFields};
use examreg_domain::account::CandidateId;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::registration::form::{
    barcode_payload, mac_message, masked_name, parse_barcode, parse_verification_code,
    verification_code,
};
use examreg_domain::registration::{Missing, Registration, RegistrationNo};
use examreg_domain::vocab::{Subject, Vocabulary};
use examreg_store::candidates::{self, CandidateAccount};
use examreg_store::uploads;
use examreg_store::{StoreError, forms, registrations};

use super::registrations::{AccessError, owned};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum FormServiceError {
    #[error("not found")]
    NotFound,
    /// What to finish before the form can be printed.
    #[error("not ready")]
    NotReady(Vec<Missing>),
    /// A value the font cannot print; the message says which characters.
    #[error("unprintable: {0}")]
    Unprintable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// PDF work is saturated: try again shortly.
    #[error(transparent)]
    Busy(#[from] crate::admission::Saturated),
    #[error("form: {0}")]
    Internal(String),
}

impl From<AccessError> for FormServiceError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => FormServiceError::NotFound,
            AccessError::Store(e) => FormServiceError::Store(e),
        }
    }
}

/// A rendered form.
#[derive(Debug)]
pub struct PrintedForm {
    pub pdf: Vec<u8>,
    pub revision: i32,
    pub file_name: String,
}

/// The verification code of `revision` of a registration's form, whose printed data has
/// `digest`.
pub fn code_for(app: &AppState, no: &RegistrationNo, revision: i32, digest: &str) -> String {
    let revision = u32::try_from(revision).unwrap_or(0);
    let mac = app.form_key.mac(&mac_message(no, revision, digest));
    verification_code(&mac, revision)
}

/// 打印报名表: the candidate's current form as a PDF.
pub async fn print(
    app: &AppState,
    candidate: CandidateId,
    no: &str,
) -> Result<PrintedForm, FormServiceError> {
    let (record, exam) = owned(app, candidate, no).await?;
    let db = app.store.conn();
    let files = uploads::list_for_registration(db, record.id).await?;
    let missing = record.missing_for_print(&files);
    if !missing.is_empty() {
        return Err(FormServiceError::NotReady(missing));
    }
    let account = candidates::get(db, candidate)
        .await?
        .ok_or(FormServiceError::NotFound)?;
    let photo = match files.iter().find(|u| u.is_photo()) {
        Some(upload) => Some(app.files.get(&upload.storage_key).await?.to_vec()),
        None => None,
    };
    let now = app.clock.now();
    let code = code_for(app, &record.no, record.form_revision, &record.form_digest);
    let form = application_form(&exam, &record, &account, code, photo, now);

    // A place among the PDF work first, so that a refused request records no print.
    let ticket = app.heavy_work.admit()?;
    // Remember the print first, so its code verifies even after the data moves on.
    let txn = app.store.write().await?;
    forms::record_print(
        &*txn,
        record.id,
        record.form_revision,
        &record.form_digest,
        now,
    )
    .await?;
    txn.commit().await?;

    let _running = app.heavy_work.run(ticket).await?;
    let pdf = tokio::task::spawn_blocking(move || pdf::render(&form))
        .await
        .map_err(|e| FormServiceError::Internal(e.to_string()))?
        .map_err(|e| match e {
            FormError::MissingGlyphs { .. } => FormServiceError::Unprintable(format!(
                "{e}：所用字体没有这个字，申请表无法正确打印。请联系报名点处理"
            )),
            other => FormServiceError::Internal(other.to_string()),
        })?;
    Ok(PrintedForm {
        pdf,
        revision: record.form_revision,
        file_name: format!("申请表-{}-第{}版.pdf", record.no, record.form_revision),
    })
}

fn application_form(
    exam: &ExamDefinition,
    record: &Registration,
    account: &CandidateAccount,
    code: String,
    photo: Option<Vec<u8>>,
    now: time::OffsetDateTime,
) -> ApplicationForm {
    let s = &record.sections;
    let date = |d: Option<time::Date>| d.map(crate::format::date).unwrap_or_default();
    let mut fields = FormFields {
        name: account.name.clone(),
        id_type: account.id_type.label().to_owned(),
        id_number: account.id_number.clone(),
        ..FormFields::default()
    };
    if let Some(b) = &s.basic {
        fields.gender = b.gender.label().to_owned();
        fields.birth_date = date(Some(b.birth_date));
        fields.ethnicity = b.ethnicity.clone();
        fields.phone = b.phone.clone();
    }
    let mut subjects = [false; 4];
    let mut point = String::new();
    if let Some(e) = &s.exam {
        fields.previous_ticket_no = e.previous_ticket_no.clone();
        fields.previous_specialty = match exam.specialty(&e.previous_specialty_code) {
            Some(sp) => format!("{}（{}）", sp.name, sp.code),
            None => e.previous_specialty_code.clone(),
        };
        fields.level = e.level.label().to_owned();
        fields.specialty_code = e.specialty_code.clone();
        fields.specialty_name = exam
            .specialty(&e.specialty_code)
            .map(|sp| sp.name.clone())
            .unwrap_or_default();
        fields.current_qualification = e.current_qualification.clone();
        fields.current_qualification_date = date(e.current_qualification_date);
        fields.practice_category = e
            .practice_category
            .map(|p| p.label().to_owned())
            .unwrap_or_default();
        for (i, subject) in Subject::ALL.iter().enumerate().take(4) {
            subjects[i] = e.subjects.contains(subject);
        }
        point = exam
            .point(&e.point)
            .map_or_else(|| e.point.clone(), |p| p.name.clone());
    }
    if let Some(ed) = &s.education {
        fields.highest_education = ed.highest_education.label().to_owned();
        fields.degree = ed.degree.label().to_owned();
        fields.graduation_date = date(Some(ed.graduation_date));
        fields.education = ed.highest_education.label().to_owned();
        fields.school = ed.school.clone();
        fields.school_note = ed.school_note.clone();
        fields.major = ed.major.clone();
        fields.major_note = ed.major_note.clone();
    }
    if let Some(w) = &s.work {
        fields.employer = w.employer.clone();
        fields.employer_affiliation = w.employer_affiliation.clone();
        fields.employer_nature = w.employer_nature.label().to_owned();
        fields.years_in_specialty = format!("{} 年", w.years_in_specialty);
    }
    let revision = u32::try_from(record.form_revision).unwrap_or(0);
    ApplicationForm {
        title: format!("{} 报名申请表", exam.title),
        registration_no: record.no.to_string(),
        username: account.username.clone(),
        verification_code: code,
        point,
        barcode: barcode_payload(&record.no, revision),
        footer: format!(
            "第 {} 版 · 打印于 {} · 报名信息修改后须重新打印",
            record.form_revision,
            crate::format::date_time(now)
        ),
        photo_jpeg: photo,
        fields,
        subjects,
    }
}

/// What the public check of a printed form says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// No form with this number and code was ever printed by this system.
    NotAuthentic,
    Authentic {
        /// The revision printed on the form.
        revision: i32,
        /// The registration's revision now; the form is current when they are equal.
        current_revision: i32,
        masked_name: String,
        exam_title: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The input cannot be a number or a code; the message says which.
    #[error("{0}")]
    Malformed(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// 验证: is this printed form authentic, and is it the current revision?
pub async fn verify(app: &AppState, no: &str, code: &str) -> Result<Verification, VerifyError> {
    let no =
        RegistrationNo::parse(no).map_err(|_| VerifyError::Malformed("网报号应为 12 位数字"))?;
    let typed = parse_verification_code(code).ok_or(VerifyError::Malformed(
        "验证码应为 8 位字母数字加版本号，如 K7M2-QX9P-03",
    ))?;
    let db = app.store.conn();
    let Some(record) = registrations::find_by_no(db, &no).await? else {
        return Ok(Verification::NotAuthentic);
    };
    let Ok(revision) = i32::try_from(typed.revision) else {
        return Ok(Verification::NotAuthentic);
    };
    let digest = if revision == record.form_revision {
        Some(record.form_digest.clone())
    } else {
        forms::printed_digest(db, record.id, revision).await?
    };
    let authentic = digest.is_some_and(|d| typed.matches(&code_for(app, &no, revision, &d)));
    if !authentic {
        return Ok(Verification::NotAuthentic);
    }
    let name = candidates::get(db, record.candidate_id)
        .await?
        .map(|a| masked_name(&a.name))
        .unwrap_or_default();
    let exam_title = app
        .exams
        .get(&record.exam_id)
        .map(|e| e.title.clone())
        .unwrap_or_default();
    Ok(Verification::Authentic {
        revision,
        current_revision: record.form_revision,
        masked_name: name,
        exam_title,
    })
}

/// What the barcode of an uploaded form scan says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanVerdict {
    /// The current revision of this registration's form.
    Current,
    /// No barcode of ours could be read: accepted, flagged for the reviewer.
    Unreadable,
    /// An older revision: refused, the candidate prints again.
    Stale { printed: u32, current: i32 },
    /// Another registration's form, or a revision that was never printed.
    Foreign,
}

/// Judges what the barcode of a form scan said (`None`: nothing readable) against
/// `record`.
pub fn judge_barcode(record: &Registration, read: Option<&str>) -> ScanVerdict {
    let Some(printed) = read.and_then(parse_barcode) else {
        return ScanVerdict::Unreadable;
    };
    let current = record.form_revision;
    if printed.no != record.no {
        ScanVerdict::Foreign
    } else if i64::from(printed.revision) == i64::from(current) {
        ScanVerdict::Current
    } else if i64::from(printed.revision) < i64::from(current) {
        ScanVerdict::Stale {
            printed: printed.revision,
            current,
        }
    } else {
        ScanVerdict::Foreign
    }
}
