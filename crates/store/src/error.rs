use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// What can go wrong in the store. Callers decide what each case means to a user.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; carries the constraint's name when the
    /// database reports it (`staff_account_username_key` …).
    #[error("conflict on {0}")]
    Conflict(String),
    /// The database URL cannot be used.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The file store URL cannot be used.
    #[error("invalid storage URL: {0}")]
    InvalidStorageUrl(String),
    #[error("file store: {0}")]
    Files(#[from] object_store::Error),
    #[error("database: {0}")]
    Db(DbErr),
    /// A stored value this build cannot read (an unknown enum key).
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Conflict(detail),
            _ => StoreError::Db(err),
        }
    }
}

impl StoreError {
    /// True when the database could not be reached at all (as opposed to a failed query).
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            StoreError::Db(DbErr::Conn(RuntimeErr::SqlxError(_)) | DbErr::ConnectionAcquire(_))
        )
    }
}
