//! What `serve --demo` shows beyond the open demo exam: a candidate already through
//! qualification review in an exam whose payment window is open now, so that the whole
//! of 缴费 can be shown with the sandbox cashier. Also the sample answers that the tests,
//! the load generator and this demo share (one 主管护师, parsed by the domain's rules).

use anyhow::Context;
use examreg_domain::account::{Password, Username};
use examreg_domain::clock::CHINA_STANDARD_TIME;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::identity::{IdNumber, PersonName, Phone};
use examreg_domain::registration::{
    BasicSection, EducationSection, ExamSection, RegistrationNo, SectionContext, Sections, Status,
    WorkSection,
};
use examreg_domain::vocab::IdType;
use examreg_store::candidates::{self, NewCandidate};
use examreg_store::registrations;
use serde_json::{Value, json};

use crate::state::AppState;

/// The id of the demo exam whose payment window is open.
pub const PAYING_EXAM: &str = "demo-payment";
pub const CANDIDATE: &str = "demo-candidate";

/// The four sections of a 主管护师 (bachelor, public hospital) born on `birth`
/// (YYYY-MM-DD) as `gender` (`male`, `female`), as the API takes them, by section key.
pub fn nurse_sections(birth: &str, gender: &str, residency: &str) -> [(&'static str, Value); 4] {
    [
        (
            "basic",
            json!({"gender": gender, "birth_date": birth, "ethnicity": "汉族", "phone": "13812345678", "residency": residency}),
        ),
        (
            "exam",
            json!({"level": "intermediate", "specialty_code": "368", "point": "310115", "current_qualification": "护师", "current_qualification_date": "2018-06-30", "practice_category": "nursing", "practice_licence_date": "2012-09-01"}),
        ),
        (
            "education",
            json!({"highest_education": "bachelor", "degree": "bachelor", "graduation_date": "2012-07-01", "school": "复旦大学", "major": "护理学"}),
        ),
        (
            "work",
            json!({"employer": "上海市第一人民医院", "employer_affiliation": "上海市卫生健康委员会", "employer_nature": "public", "years_in_specialty": 8}),
        ),
    ]
}

/// `sections` (by key, as the API takes them) parsed by the domain's rules, as saving
/// them one by one would.
pub fn parse_sections(
    ctx: &SectionContext<'_>,
    sections: &[(&str, Value)],
) -> Result<Sections, String> {
    let mut parsed = Sections::default();
    for (key, body) in sections {
        let Value::Object(fields) = body else {
            return Err(format!("section {key} is not an object"));
        };
        let refused = |e| format!("section {key} refused: {e:?}");
        match *key {
            "basic" => parsed.basic = Some(BasicSection::parse(fields, ctx).map_err(refused)?),
            "exam" => parsed.exam = Some(ExamSection::parse(fields, ctx).map_err(refused)?),
            "education" => {
                parsed.education = Some(EducationSection::parse(fields, ctx).map_err(refused)?);
            }
            "work" => parsed.work = Some(WorkSection::parse(fields, ctx).map_err(refused)?),
            other => return Err(format!("unknown section {other}")),
        }
    }
    Ok(parsed)
}

/// Sets up [`CANDIDATE`] with `password` and a qualified registration in the
/// [`PAYING_EXAM`] (once; later starts only set the password again). Returns the
/// registration number.
pub async fn paying_candidate(app: &AppState, password: &str) -> anyhow::Result<String> {
    let exam = app
        .exams
        .get(PAYING_EXAM)
        .context("the demo payment exam is not loaded")?
        .clone();
    let now = app.clock.now();
    let today = now.to_offset(CHINA_STANDARD_TIME).date();
    let hash = app
        .passwords
        .hash(&Password::parse(password).map_err(|e| anyhow::anyhow!("{e:?}"))?)
        .await?;
    let username = Username::parse(CANDIDATE).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let id_number = IdNumber::parse(IdType::ResidentId, "310101199001011234", today)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let name = PersonName::parse("王演示").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let phone = Phone::parse("13900000000").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let no = RegistrationNo::new(exam.year, &exam.area.code, [0, 0, 0, 0, 0, 0, 1]);
    let txn = app.store.write().await?;
    let candidate = match candidates::find_by_username(&*txn, &username).await? {
        Some(existing) => {
            candidates::set_password_hash(&*txn, existing.id, hash, now).await?;
            existing.id
        }
        None => candidates::create(
            &*txn,
            NewCandidate {
                username: &username,
                password_hash: hash,
                name: &name,
                id_number: &id_number,
                phone: &phone,
                email: None,
                created_at: now,
            },
        )
        .await?
        .map_err(|_| {
            anyhow::anyhow!("the demo candidate's identity is taken by another account")
        })?,
    };
    if registrations::find_by_no(&*txn, &no).await?.is_none() {
        registrations::create(&*txn, &no, exam.id.as_str(), candidate, now)
            .await?
            .map_err(|e| anyhow::anyhow!("cannot start the demo registration: {e:?}"))?;
        let record = registrations::find_by_no(&*txn, &no)
            .await?
            .context("the demo registration vanished")?;
        let sections = sample_sections(&exam, today, &name, &id_number)?;
        let digest = crate::secrets::sha256_hex(&sections.printed_text());
        registrations::save_sections(&*txn, &record, record.revision, &sections, 1, &digest, now)
            .await?;
        registrations::set_milestones(&*txn, record.id, Some(now), Some(now), now).await?;
        let record = registrations::find_by_no(&*txn, &no)
            .await?
            .context("the demo registration vanished")?;
        registrations::set_status(
            &*txn,
            record.id,
            Status::Draft,
            Status::Qualified,
            record.revision,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(no.to_string())
}

fn sample_sections(
    exam: &ExamDefinition,
    today: time::Date,
    name: &PersonName,
    id: &IdNumber,
) -> anyhow::Result<Sections> {
    let ctx = SectionContext {
        exam,
        today,
        account_name: name.as_str(),
        account_id_number: id,
        birth_date: id.birth_date(),
    };
    let birth = id.birth_date().map(|d| d.to_string()).unwrap_or_default();
    parse_sections(&ctx, &nurse_sections(&birth, "male", "shanghai_hukou"))
        .map_err(anyhow::Error::msg)
}
