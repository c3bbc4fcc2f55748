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
    /// The write waited its longest for a turn and was not run: nothing was written.
    #[error("the database is busy: the write was not run")]
    Busy,
    /// The writer thread could not run the transaction (it stopped, or the work
    /// panicked and was rolled back).
    #[error("database writer: {0}")]
    Writer(String),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            return StoreError::Conflict(detail);
        }
        // Waited its longest for a connection or a row lock: the rush, not a fault.
        let pool_timed_out =
            matches!(
                err,
                DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout)
            ) || matches!(sqlx_error(&err), Some(sea_orm::sqlx::Error::PoolTimedOut));
        let lock_timed_out = sqlx_error(&err)
            .and_then(|e| e.as_database_error())
            .and_then(|e| e.code())
            .is_some_and(|code| code == POSTGRES_LOCK_NOT_AVAILABLE);
        if pool_timed_out || lock_timed_out {
            return StoreError::Busy;
        }
        StoreError::Db(err)
    }
}

/// SQLSTATE `lock_not_available`: a row lock waited past `lock_timeout`.
const POSTGRES_LOCK_NOT_AVAILABLE: &str = "55P03";

impl StoreError {
    /// True when the database could not be reached at all (as opposed to a failed query).
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            StoreError::Db(DbErr::Conn(RuntimeErr::SqlxError(_)) | DbErr::ConnectionAcquire(_))
        )
    }

    /// The database or the file store is unreachable, overloaded or timed out: the same
    /// request may well succeed a little later, and nothing was written.
    pub fn is_unavailable(&self) -> bool {
        const GONE: [&str; 9] = [
            "database is locked",
            "statement timeout",
            "terminating connection",
            "connection closed",
            "connection reset",
            "server closed the connection",
            "Connection refused",
            "Broken pipe",
            "error sending request",
        ];
        match self {
            StoreError::Busy => true,
            StoreError::Db(err) => {
                self.is_connection()
                    || sqlx_error(err).is_some_and(|e| {
                        matches!(
                            e,
                            sea_orm::sqlx::Error::Io(_)
                                | sea_orm::sqlx::Error::PoolTimedOut
                                | sea_orm::sqlx::Error::PoolClosed
                                | sea_orm::sqlx::Error::WorkerCrashed
                        )
                    })
                    || mentions(err, &GONE)
            }
            StoreError::Files(err) => {
                !self.is_storage_full()
                    && (io_kind(err).is_some_and(|k| {
                        matches!(
                            k,
                            std::io::ErrorKind::ConnectionRefused
                                | std::io::ErrorKind::ConnectionReset
                                | std::io::ErrorKind::ConnectionAborted
                                | std::io::ErrorKind::TimedOut
                        )
                    }) || mentions(err, &GONE))
            }
            _ => false,
        }
    }

    /// The disk (or quota) is full: nothing more can be written until an operator acts.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Files(err) => {
                io_kind(err) == Some(std::io::ErrorKind::StorageFull)
                    || mentions(err, &["No space left on device", "Disk quota exceeded"])
            }
            StoreError::Db(err) => mentions(
                err,
                &[
                    "database or disk is full",
                    "No space left on device",
                    "could not extend file",
                ],
            ),
            _ => false,
        }
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// The kind of the first I/O error in `err`'s chain of causes.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = e.source();
    }
    None
}

/// Whether any error in the chain says one of `phrases` (drivers report some causes only
/// in words).
fn mentions(err: &(dyn std::error::Error + 'static), phrases: &[&str]) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        let text = e.to_string();
        if phrases.iter().any(|p| text.contains(p)) {
            return true;
        }
        source = e.source();
    }
    false
}
