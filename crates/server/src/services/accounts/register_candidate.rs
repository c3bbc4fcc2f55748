//! 注册: a candidate creates their account, with the code sent to their phone (see
//! [`super::sign_up_code`]).
//!
//! One identity document has one account. Someone signing up with a document that
//! already has one gets the same answer as a new account (so that the sign-up form does
//! not tell anyone whose number has an account); what happened goes by SMS to the phone
//! they just proved they hold, and a warning to the phone of the existing account. The
//! owner of the document recovers through that phone (找回密码) or at a registration
//! point.

use examreg_domain::account::{Actor, Channel, Password, Username};
use examreg_domain::identity::{Email, IdNumber, PersonName, Phone};
use examreg_domain::vocab::{IdType, Vocabulary};
use examreg_store::audit::{self, AuditAction, AuditEntry, Outcome};
use examreg_store::candidates::{self, NewCandidate, Taken};
use examreg_store::one_time_codes::Subject;
use examreg_store::{StoreError, WriteTxn, notifications};
use serde_json::json;
use time::OffsetDateTime;

use super::{FieldProblems, codes};
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
    /// The code sent to `phone`.
    pub phone_code: String,
    pub email: Option<String>,
}

/// What a sign-up that went through answers: the same whether an account was created or
/// the document already had one (the SMS tells which).
#[derive(Debug, Clone)]
pub struct SignUpAccepted {
    pub username: String,
    /// Where the outcome was sent, masked.
    pub phone_masked: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Fields to fix, all at once.
    #[error("invalid fields")]
    Invalid(FieldProblems),
    #[error("username taken")]
    UsernameTaken,
    /// The phone code is wrong, expired or used up (or none was asked for).
    #[error("wrong phone code")]
    WrongPhoneCode,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn register_candidate(
    app: &AppState,
    input: RegisterInput,
    ip: Option<String>,
) -> Result<SignUpAccepted, RegisterError> {
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
    check(
        "phone_code",
        if input.phone_code.trim().is_empty() {
            Err("请输入发送到手机的短信验证码".to_owned())
        } else {
            Ok(())
        },
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
    let code_subject = Subject::SignUp {
        phone: phone.as_str(),
    };
    let policy = codes::policy(app);
    if !codes::check(&txn, &policy, code_subject, &input.phone_code, now).await? {
        txn.commit().await?;
        return Err(RegisterError::WrongPhoneCode);
    }
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
    let accepted = SignUpAccepted {
        username: username.as_str().to_owned(),
        phone_masked: phone.masked(),
    };
    let id = match created {
        Ok(id) => id,
        // Dropping the transaction gives the code back: the candidate picks another name.
        Err(Taken::Username) => return Err(RegisterError::UsernameTaken),
        Err(Taken::Identity) => {
            identity_conflict(&txn, &id_number, &phone, ip, now).await?;
            txn.commit().await?;
            return Ok(accepted);
        }
    };
    notifications::enqueue(
        &*txn,
        Channel::Sms,
        phone.as_str(),
        "注册成功",
        &format!(
            "【卫生资格考试报名】您已成功注册报名账号，用户名 {}。请妥善保管密码，勿告诉他人。",
            username.as_str()
        ),
        now,
    )
    .await?;
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
    Ok(accepted)
}

/// A sign-up with a document that has an account: tell the phone that signed up (it may
/// be the owner, who forgot) and warn the owner's phone (it may not).
async fn identity_conflict(
    txn: &WriteTxn,
    id_number: &IdNumber,
    phone: &Phone,
    ip: Option<String>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let db = &**txn;
    let Some(owner) = candidates::find_by_identity(db, id_number).await? else {
        return Ok(());
    };
    let owner_phone =
        Phone::parse(&owner.phone).map_or_else(|_| owner.phone.clone(), |p| p.masked());
    notifications::enqueue(
        db,
        Channel::Sms,
        phone.as_str(),
        "注册未成功",
        &format!(
            "【卫生资格考试报名】您提交的证件号码已注册过报名账号（注册手机 {owner_phone}），未创建新账号，每个证件只能注册一个账号。如是您本人注册的，请用原账号登录，忘记用户名或密码的可通过“找回密码”重设；如不是您本人注册的，请携带证件原件联系报名点处理。"
        ),
        now,
    )
    .await?;
    if owner.phone != phone.as_str() {
        notifications::enqueue(
            db,
            Channel::Sms,
            &owner.phone,
            "有人尝试用您的证件注册",
            &format!(
                "【卫生资格考试报名】有人使用您的证件号码（{}）和手机 {} 申请注册新的报名账号，系统未予创建，您的账号不受影响。如非本人操作，请留意账号安全，有疑问请联系报名点。",
                id_number.masked(),
                phone.masked()
            ),
            now,
        )
        .await?;
    }
    audit::record(
        db,
        AuditEntry {
            at: now,
            actor: &Actor::Anonymous,
            action: AuditAction::SIGN_UP_IDENTITY_CONFLICT,
            subject: Some(("candidate", owner.id.to_string())),
            outcome: Outcome::Failure,
            ip,
            details: json!({ "phone": phone.masked() }),
        },
    )
    .await
}
