//! The database a deadline peak meets: tens of thousands of candidates, each with a
//! filled-in registration, written straight into the store (signing each one up through
//! the API would take an Argon2 hash and a phone code apiece: hours for the 60,000 of
//! Shanghai). The rows are what the server itself writes: sections parsed by the domain's
//! own rules, the printed data's digest, a real password hash (one, shared).

use std::time::{Duration, Instant};

use examreg_domain::account::{CandidateId, Password, Username};
use examreg_domain::clock::CHINA_STANDARD_TIME;
use examreg_domain::exam::ExamDefinition;
use examreg_domain::identity::{IdNumber, PersonName, Phone};
use examreg_domain::registration::{RegistrationNo, SectionContext, Sections};
use examreg_domain::vocab::{Gender, IdType};
use examreg_store::candidates::{self, NewCandidate};
use examreg_store::{Store, StoreError, registrations};
use examreg_test_support::journeys::nurse_sections;
use time::OffsetDateTime;

/// The password of every seeded candidate.
pub const PASSWORD: &str = "Seeded-Load-2026";

/// Rows written per transaction.
const BATCH: u32 = 500;

/// Adds `count` seeded candidates (numbers `first..first + count`, usernames `seed…`),
/// each with a registration for `exam` whose four sections are filled, to the database
/// at `database_url` (migrated first), as written at `now`. Numbers already seeded are
/// skipped, so a run can be repeated or extended. Returns how long it took.
pub async fn seed(
    database_url: &str,
    exam: &ExamDefinition,
    first: u32,
    count: u32,
    now: OffsetDateTime,
) -> Result<Duration, StoreError> {
    let started = Instant::now();
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    let password = Password::parse(PASSWORD).map_err(corrupt)?;
    let hasher =
        examreg_server::passwords::PasswordHasher::new(&Default::default()).map_err(corrupt)?;
    let password_hash = hasher.hash(&password).await.map_err(corrupt)?;
    let mut n = first;
    while n < first + count {
        let end = (n + BATCH).min(first + count);
        let txn = store.write().await?;
        for i in n..end {
            seed_one(&txn, exam, i, &password_hash, now).await?;
        }
        txn.commit().await?;
        n = end;
    }
    Ok(started.elapsed())
}

async fn seed_one(
    txn: &examreg_store::Txn,
    exam: &ExamDefinition,
    n: u32,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let today = now.to_offset(CHINA_STANDARD_TIME).date();
    let username = Username::parse(&format!("seed{n}")).map_err(corrupt)?;
    let id_number = IdNumber::parse(IdType::ResidentId, &seeded_id(n), today).map_err(corrupt)?;
    let name = PersonName::parse("张三").map_err(corrupt)?;
    let phone = Phone::parse(&format!("139{:08}", n % 100_000_000)).map_err(corrupt)?;
    let created = candidates::create(
        txn,
        NewCandidate {
            username: &username,
            password_hash: password_hash.to_owned(),
            name: &name,
            id_number: &id_number,
            phone: &phone,
            email: None,
            created_at: now,
        },
    )
    .await?;
    // Seeded before: leave it.
    let Ok(candidate): Result<CandidateId, _> = created else {
        return Ok(());
    };
    let no = registration_no(exam, n);
    match registrations::create(txn, &no, exam.id.as_str(), candidate, now).await? {
        Ok(_) => {}
        Err(registrations::NotCreated::AlreadyRegistered) => return Ok(()),
        // The server's own numbers are random: one may have taken a seed's.
        Err(registrations::NotCreated::NumberTaken) => {
            return Err(StoreError::Corrupt(format!(
                "registration number {no} of seed {n} is taken"
            )));
        }
    }
    let record = registrations::find_by_no(txn, &no)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a seeded registration vanished".into()))?;
    let ctx = SectionContext {
        exam,
        today,
        account_name: name.as_str(),
        account_id_number: &id_number,
        birth_date: id_number.birth_date(),
    };
    let sections = nurse_registration_sections(&ctx, &id_number)?;
    let digest = examreg_server::secrets::sha256_hex(&sections.printed_text());
    registrations::save_sections(txn, &record, record.revision, &sections, 1, &digest, now).await?;
    Ok(())
}

/// The registration number of seed number `n` (below 10,000,000): its seven digits.
pub fn registration_no(exam: &ExamDefinition, n: u32) -> RegistrationNo {
    let mut digits = [0u8; 7];
    let mut rest = n;
    for digit in digits.iter_mut().rev() {
        *digit = u8::try_from(rest % 10).unwrap_or(0);
        rest /= 10;
    }
    RegistrationNo::new(exam.year, &exam.area.code, digits)
}

/// A valid resident ID for seed number `n` (distinct for every `n` below 3,360,000):
/// Shanghai's code, a birth date from 1980 on, a sequence number, the check digit.
fn seeded_id(n: u32) -> String {
    let day = n / 1000;
    let (year, rest) = (1980 + day / 336, day % 336);
    let (month, day) = (1 + rest / 28, 1 + rest % 28);
    let first17 = format!("310101{year:04}{month:02}{day:02}{:03}", n % 1000);
    let check = examreg_domain::identity::gb11643_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// The four sections the load generator's own candidates fill
/// ([`nurse_sections`]), parsed by the domain's rules.
fn nurse_registration_sections(
    ctx: &SectionContext<'_>,
    id: &IdNumber,
) -> Result<Sections, StoreError> {
    let birth = id.birth_date().map(|d| d.to_string()).unwrap_or_default();
    let gender = match id.gender() {
        Some(Gender::Male) => "male",
        _ => "female",
    };
    examreg_server::demo::parse_sections(ctx, &nurse_sections(&birth, gender, "shanghai_hukou"))
        .map_err(StoreError::Corrupt)
}

fn corrupt(err: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("{err:?}"))
}
