//! 注册: a candidate creates their account.

use examreg_domain::account::{Actor, Password, Username};
use examreg_domain::identity::{Email, IdNumber, PersonName, Phone};
use examreg_domain::vocab::{IdType, Vocabulary};
use examreg_store::StoreError;
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::candidates::{self, NewCandidate, Taken};
use serde_json::json;

use super::FieldProblems;
use crate::passwords::HashError;
use crate::state::AppState;
use examreg_domain::clock::CHINA_STANDARD_TIME as CHINA;

/// The registration form, as typed.
#[derive(Debug, Clone, Default)]
pub struct RegisterInput {
    pub username: String,
    pub password: String,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Fields to fix, all at once.
    #[error("invalid fields")]
    Invalid(FieldProblems),
    #[error("username taken")]
    UsernameTaken,
    /// One account per identity document.
    #[error("identity document already registered")]
    IdentityTaken,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn register_candidate(
    app: &AppState,
    input: RegisterInput,
    ip: Option<String>,
) -> Result<examreg_domain::account::CandidateId, RegisterError> {
    let now = app.clock.now();
    let today = now.to_offset(CHINA).date();
    let mut problems = FieldProblems::new();
    let mut check = |field: &'static str, result: Result<(), String>| {
        if let Err(message) = result {
            problems.entry(field).or_insert(message);
        }
    };

    let username = Username::parse(&input.username);
    check(
        "username",
        username.as_ref().map(|_| ()).map_err(ToString::to_string),
    );
    let password = Password::parse(&input.password);
    check(
        "password",
        password.as_ref().map(|_| ()).map_err(ToString::to_string),
    );
    let name = PersonName::parse(&input.name);
    check(
        "name",
        name.as_ref().map_err(ToString::to_string).and_then(|name| {
            // The name is printed on the application form: a character its fonts lack
            // would only be found at printing, too late to fix.
            match examreg_documents::form::missing_glyphs(name.as_str()).first() {
                None => Ok(()),
                Some(c) => Err(format!(
                    "姓名中的“{c}”（U+{:04X}）暂时无法打印在申请表上。请先用拼音代替该字注册，并向报名点说明",
                    u32::from(*c)
                )),
            }
        }),
    );
    let id_type = IdType::from_key(input.id_type.trim());
    check(
        "id_type",
        id_type
            .map(|_| ())
            .ok_or_else(|| "请选择证件类型".to_owned()),
    );
    let id_number = id_type.map(|t| IdNumber::parse(t, &input.id_number, today));
    if let Some(result) = &id_number {
        check(
            "id_number",
            result.as_ref().map(|_| ()).map_err(ToString::to_string),
        );
    }
    let phone = Phone::parse(&input.phone);
    check(
        "phone",
        phone.as_ref().map(|_| ()).map_err(ToString::to_string),
    );
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => Email::parse(raw).map(Some),
    };
    check(
        "email",
        email.as_ref().map(|_| ()).map_err(ToString::to_string),
    );

    let (Ok(username), Ok(password), Ok(name), Some(Ok(id_number)), Ok(phone), Ok(email)) =
        (username, password, name, id_number, phone, email)
    else {
        return Err(RegisterError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(RegisterError::Invalid(problems));
    }
    let password_hash = app.passwords.hash(&password).await?;

    let txn = app.store.write().await?;
    let created = candidates::create(
        &*txn,
        NewCandidate {
            username: &username,
            password_hash,
            name: &name,
            id_number: &id_number,
            phone: &phone,
            email: email.as_ref(),
            created_at: now,
        },
    )
    .await?;
    let id = match created {
        Ok(id) => id,
        Err(Taken::Username) => return Err(RegisterError::UsernameTaken),
        Err(Taken::Identity) => return Err(RegisterError::IdentityTaken),
    };
    audit::record(
        &*txn,
        AuditEntry {
            at: now,
            actor: &Actor::Candidate(id),
            action: AuditAction::ACCOUNT_REGISTERED,
            subject: Some(("candidate", id.to_string())),
            outcome: Outcome::Success,
            ip,
            details: json!({ "username": username.as_str(), "id_type": id_number.id_type().key() }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}
