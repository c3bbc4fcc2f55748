//! The database connection: SQLite or PostgreSQL behind one SeaORM connection.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::StoreError;
use crate::migrations::Migrator;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::InvalidUrl(format!(
                "{}: expected sqlite://… or postgres://…",
                redact_url(url)
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The database. Cheap to clone.
///
/// SQLite allows one writer at a time. Rather than letting concurrent writers spin in
/// SQLite's busy handler, the store queues them on an async mutex and starts each write
/// transaction with `BEGIN IMMEDIATE`, so a transaction never has to upgrade from read to
/// write (the source of "database is locked" errors). Readers are not queued: WAL mode lets
/// them run beside the writer. The busy timeout still covers other processes (the CLI).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    write_gate: Option<Arc<Mutex<()>>>,
}

/// A write transaction. Dropping it without [`WriteTxn::commit`] rolls it back.
#[derive(Debug)]
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await.map_err(StoreError::from)
    }
}

impl Store {
    /// Connects (creating an SQLite file if needed) without migrating.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = Backend::from_url(url)?;
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5));
        match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .min_connections(1)
                    .map_sqlx_sqlite_opts(|o| {
                        o.create_if_missing(true)
                            .journal_mode(SqliteJournalMode::Wal)
                            // FULL: a committed transaction survives power loss, not only a crash.
                            .synchronous(SqliteSynchronous::Full)
                            .busy_timeout(Duration::from_secs(10))
                            .foreign_keys(true)
                    });
            }
            Backend::Postgres => {
                options
                    .max_connections(16)
                    .min_connections(1)
                    // A hung query ends well before the request's own timeout (30 s), so the
                    // client hears 503 and may retry.
                    .map_sqlx_postgres_opts(|o| o.options([("statement_timeout", "10s")]));
            }
        }
        // Two processes opening a fresh SQLite file at once race to switch it to WAL, and
        // the loser is told "database is locked" before the busy timeout applies: retry.
        let mut attempt = 0;
        let db = loop {
            attempt += 1;
            match Database::connect(options.clone()).await {
                Ok(db) => break db,
                Err(e)
                    if backend == Backend::Sqlite
                        && attempt < 5
                        && e.to_string().contains("database is locked") =>
                {
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                Err(e @ (sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_))) => {
                    return Err(StoreError::InvalidUrl(format!("{}: {e}", redact_url(url))));
                }
                Err(other) => return Err(StoreError::from(other)),
            }
        };
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            db,
            backend,
            write_gate,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For reads outside a transaction.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies every pending migration. Safe to call on every start and from several nodes
    /// at once.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // The whole run is one transaction (both databases have transactional DDL), so a
        // failed migration leaves nothing half-applied, and a second process waits for
        // the first: on SQLite by taking the write lock up front, on PostgreSQL by a
        // transaction-scoped advisory lock.
        let txn = self.write().await?;
        if self.backend == Backend::Postgres {
            // An arbitrary constant, the same in every examreg process.
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(111542468536679)",
            ))
            .await?;
        }
        Migrator::up(&*txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Applies the migrations up to and including `last` only: the database as the release
    /// that ended with `last` left it, for testing what the later migrations do to its data.
    pub async fn migrate_through(&self, last: &str) -> Result<(), StoreError> {
        let all = Migrator::migrations();
        let Some(position) = all.iter().position(|m| m.name() == last) else {
            return Err(StoreError::Corrupt(format!("no migration named {last}")));
        };
        let applied = Migrator::get_applied_migrations(&self.db).await?.len();
        let count = (position + 1).saturating_sub(applied);
        let txn = self.write().await?;
        Migrator::up(&*txn, Some(u32::try_from(count).unwrap_or(u32::MAX))).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Names of the applied migrations, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        let applied = Migrator::get_applied_migrations(&self.db).await?;
        Ok(applied.iter().map(|m| m.name().to_owned()).collect())
    }

    /// Migrations known to this build that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db).await?;
        Ok(pending.iter().map(|m| m.name().to_owned()).collect())
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::from)
    }

    /// Begins a write transaction (on SQLite: queued, then `BEGIN IMMEDIATE`).
    pub async fn write(&self) -> Result<WriteTxn, StoreError> {
        let gate = self.lock_writer().await;
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.db.begin_with_options(options).await?;
        Ok(WriteTxn { txn, _gate: gate })
    }

    async fn lock_writer(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(Arc::clone(gate).lock_owned().await),
            None => None,
        }
    }

    /// Closes the pool; on SQLite this checkpoints the WAL.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert!(Backend::from_url("data/x.db").is_err());
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        let err = Backend::from_url("mysql://root:hunter2@h/db")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|m| !m.contains("hunter2")));
    }
}
