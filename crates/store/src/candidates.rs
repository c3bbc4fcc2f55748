//! Candidate accounts.

use examreg_domain::account::{CandidateId, Username};
use examreg_domain::identity::{Email, IdNumber, PersonName, Phone};
use examreg_domain::vocab::{IdType, Vocabulary};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::candidate_account;

#[derive(Debug, Clone)]
pub struct NewCandidate<'a> {
    pub username: &'a Username,
    pub password_hash: String,
    pub name: &'a PersonName,
    pub id_number: &'a IdNumber,
    pub phone: &'a Phone,
    pub email: Option<&'a Email>,
    pub created_at: OffsetDateTime,
}

/// A candidate account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateAccount {
    pub id: CandidateId,
    pub username: String,
    pub password_hash: String,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub created_at: OffsetDateTime,
    pub password_changed_at: OffsetDateTime,
}

/// Which unique rule a new account broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    Identity,
}

fn from_row(row: candidate_account::Model) -> Result<CandidateAccount, StoreError> {
    let id_type = IdType::from_key(&row.id_type)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown id type {:?}", row.id_type)))?;
    Ok(CandidateAccount {
        id: CandidateId(row.id),
        username: row.username,
        password_hash: row.password_hash,
        name: row.name,
        id_type,
        id_number: row.id_number,
        phone: row.phone,
        email: row.email,
        created_at: row.created_at,
        password_changed_at: row.password_changed_at,
    })
}

/// Creates the account. `Err(Ok(Taken::…))` when the username or the identity document
/// is already registered.
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewCandidate<'_>,
) -> Result<Result<CandidateId, Taken>, StoreError> {
    if find_by_username(db, new.username).await?.is_some() {
        return Ok(Err(Taken::Username));
    }
    if find_by_identity(db, new.id_number).await?.is_some() {
        return Ok(Err(Taken::Identity));
    }
    let id = Uuid::new_v4();
    let row = candidate_account::ActiveModel {
        id: Set(id),
        username: Set(new.username.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        name: Set(new.name.as_str().to_owned()),
        id_type: Set(new.id_number.id_type().key().to_owned()),
        id_number: Set(new.id_number.as_str().to_owned()),
        phone: Set(new.phone.as_str().to_owned()),
        email: Set(new.email.map(|e| e.as_str().to_owned())),
        created_at: Set(new.created_at),
        password_changed_at: Set(new.created_at),
    };
    match candidate_account::Entity::insert(row)
        .exec_without_returning(db)
        .await
    {
        Ok(_) => Ok(Ok(CandidateId(id))),
        // Lost a race with a concurrent registration (PostgreSQL; SQLite writers queue).
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict(detail)
                if detail.contains("identity") || detail.contains("id_number") =>
            {
                Ok(Err(Taken::Identity))
            }
            StoreError::Conflict(_) => Ok(Err(Taken::Username)),
            other => Err(other),
        },
    }
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &Username,
) -> Result<Option<CandidateAccount>, StoreError> {
    candidate_account::Entity::find()
        .filter(candidate_account::Column::Username.eq(username.as_str()))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

pub async fn find_by_identity(
    db: &impl ConnectionTrait,
    id_number: &IdNumber,
) -> Result<Option<CandidateAccount>, StoreError> {
    candidate_account::Entity::find()
        .filter(candidate_account::Column::IdType.eq(id_number.id_type().key()))
        .filter(candidate_account::Column::IdNumber.eq(id_number.as_str()))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: CandidateId,
) -> Result<Option<CandidateAccount>, StoreError> {
    candidate_account::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}

pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: CandidateId,
    password_hash: String,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    candidate_account::Entity::update(candidate_account::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id.0),
        password_hash: Set(password_hash),
        password_changed_at: Set(at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// The account registered with this document number, whatever its type (for "forgot my
/// username": candidates know their ID number).
pub async fn find_by_document_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<CandidateAccount>, StoreError> {
    let canonical: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    candidate_account::Entity::find()
        .filter(candidate_account::Column::IdNumber.eq(canonical))
        .one(db)
        .await?
        .map(from_row)
        .transpose()
}
