//! The database connection: SQLite or PostgreSQL behind one SeaORM connection.

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::StoreError;
use crate::migrations::Migrator;
use crate::writer::{TxnWork, Writer};

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

/// How the store admits work.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// A write transaction run by [`Store::transaction`] waits at most this long for its
    /// turn (SQLite's one writer, a PostgreSQL connection from the pool); beyond it the
    /// answer is [`StoreError::Busy`] and nothing is written.
    pub write_max_wait: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            write_max_wait: Duration::from_secs(2),
        }
    }
}

/// The database. Cheap to clone.
///
/// SQLite allows one writer at a time. Rather than letting concurrent writers spin in
/// SQLite's busy handler, the store queues them and starts each write transaction with
/// `BEGIN IMMEDIATE`, so a transaction never has to upgrade from read to write (the source
/// of "database is locked" errors). Request paths run their transactions as closures on
/// a dedicated writer thread ([`Store::transaction`], see [`crate::writer`]); the rest
/// hold one in their own task ([`Store::write`]), queued on the same turn. Readers are not
/// queued: WAL mode lets them run beside the writer. The busy timeout still covers other
/// processes (the CLI).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    write_gate: Option<Arc<Mutex<()>>>,
    writer: Option<Writer>,
    options: StoreOptions,
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
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] with admission bounds of its own.
    pub async fn connect_with(url: &str, admission: StoreOptions) -> Result<Store, StoreError> {
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
                let lock_wait_ms = admission.write_max_wait.as_millis().max(1);
                options
                    // A request that cannot get a connection in this time hears 503
                    // (nothing was done) rather than waiting into its own timeout. (On
                    // SQLite the pool serves readers only, and opening a connection may
                    // wait for the writer: the default stands.)
                    .acquire_timeout(admission.write_max_wait.max(Duration::from_millis(100)))
                    .max_connections(16)
                    .min_connections(1)
                    // A hung query ends well before the request's own timeout (30 s), so the
                    // client hears 503 and may retry; a row lock is waited for no longer than
                    // a connection is (then 503 with Retry-After, see `StoreError::Busy`).
                    .map_sqlx_postgres_opts(move |o| {
                        o.options([
                            ("statement_timeout", "10s".to_owned()),
                            ("lock_timeout", format!("{lock_wait_ms}ms")),
                        ])
                    });
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
        let writer = match &write_gate {
            Some(gate) => Some(Writer::start(db.clone(), Arc::clone(gate))?),
            None => None,
        };
        Ok(Store {
            db,
            backend,
            write_gate,
            writer,
            options: admission,
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
            // Another node's migrations may take a while: wait for them as long as they take.
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "SET LOCAL lock_timeout = 0",
            ))
            .await?;
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

    /// Runs `work` in a write transaction: committed when it returns `Ok`, rolled back
    /// when it returns `Err`. The way request paths write: on SQLite the work runs on the
    /// writer thread, so it must not do CPU-bound work (do that before); it waits for its
    /// turn at most [`StoreOptions::write_max_wait`], then answers [`StoreError::Busy`].
    ///
    /// ```ignore
    /// store.transaction(move |txn| Box::pin(async move {
    ///     registrations::lock(txn, id).await?;
    ///     Ok::<_, StoreError>(())
    /// })).await?;
    /// ```
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: TxnWork<T, E>,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let deadline = Instant::now() + self.options.write_max_wait;
        match &self.writer {
            Some(writer) => writer.run(deadline, work).await,
            None => {
                let txn = self.db.begin().await.map_err(StoreError::from)?;
                let value = work(&txn).await?;
                txn.commit().await.map_err(StoreError::from)?;
                Ok(value)
            }
        }
    }

    /// Begins a write transaction held by the caller's own task (on SQLite: queued on the
    /// writer's turn without a bound, then `BEGIN IMMEDIATE`): for background jobs,
    /// migrations and rare paths. Request paths use [`Store::transaction`].
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
