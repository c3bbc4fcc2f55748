//! SQLite's one writer, on a thread of its own.
//!
//! SQLite takes one write transaction at a time. Run in the request's own task, a write
//! transaction holds that turn across every statement's round trip to the driver's
//! thread, and each return to the task waits in the runtime's queue behind every other
//! ready request: under a CPU-bound peak the turn is held for tens of milliseconds per
//! statement and the writer queue grows into seconds while reads stay fast. Here each
//! write transaction is a closure sent to a dedicated thread that does nothing else, so
//! it runs from `BEGIN IMMEDIATE` to `COMMIT` without waiting for a busy runtime.
//!
//! Admission: a transaction that has waited longer than the store's bound by the time
//! its turn comes is not run at all and answers [`StoreError::Busy`] (503 with
//! `Retry-After`: nothing was written). One whose caller has gone (the client hung up)
//! is dropped unrun.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::StoreError;

/// The work of one write transaction: reads and writes on the transaction it is given.
/// Committed when it returns `Ok`, rolled back when it returns `Err`.
pub trait TxnWork<T, E>:
    for<'c> FnOnce(&'c DatabaseTransaction) -> BoxFuture<'c, Result<T, E>> + Send + 'static
{
}

impl<F, T, E> TxnWork<T, E> for F where
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> BoxFuture<'c, Result<T, E>> + Send + 'static
{
}

/// One queued transaction with its answer, its type erased for the queue.
trait Job: Send {
    /// The caller stopped waiting: running it would be wasted.
    fn abandoned(&self) -> bool;
    fn deadline(&self) -> Instant;
    /// Answers without running.
    fn refuse(self: Box<Self>, err: StoreError);
    /// Runs the work in `txn`, commits on success and answers.
    fn run(self: Box<Self>, txn: DatabaseTransaction) -> BoxFuture<'static, ()>;
}

struct Typed<F, T, E> {
    work: F,
    deadline: Instant,
    answer: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for Typed<F, T, E>
where
    F: TxnWork<T, E>,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn abandoned(&self) -> bool {
        self.answer.is_closed()
    }

    fn deadline(&self) -> Instant {
        self.deadline
    }

    fn refuse(self: Box<Self>, err: StoreError) {
        let _ = self.answer.send(Err(E::from(err)));
    }

    fn run(self: Box<Self>, txn: DatabaseTransaction) -> BoxFuture<'static, ()> {
        let Typed { work, answer, .. } = *self;
        Box::pin(async move {
            let outcome = match work(&txn).await {
                Ok(value) => txn
                    .commit()
                    .await
                    .map(|()| value)
                    .map_err(|e| E::from(StoreError::from(e))),
                // Dropping the transaction rolls it back.
                Err(err) => Err(err),
            };
            let _ = answer.send(outcome);
        })
    }
}

/// The handle requests send their transactions through. Cheap to clone; the thread ends
/// when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread. `gate` is the turn shared with [`crate::Store::write`]
    /// (the jobs and rare paths that still hold a transaction in their own task).
    pub(crate) fn start(
        db: DatabaseConnection,
        gate: Arc<Mutex<()>>,
    ) -> Result<Writer, StoreError> {
        let (jobs, queue) = mpsc::unbounded_channel::<Box<dyn Job>>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Writer(format!("cannot start the writer: {e}")))?;
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || runtime.block_on(serve(db, gate, queue)))
            .map_err(|e| StoreError::Writer(format!("cannot start the writer: {e}")))?;
        Ok(Writer { jobs })
    }

    /// Runs `work` in a write transaction of its own on the writer thread.
    pub(crate) async fn run<T, E, F>(&self, deadline: Instant, work: F) -> Result<T, E>
    where
        F: TxnWork<T, E>,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job = Box::new(Typed {
            work,
            deadline,
            answer,
        });
        if self.jobs.send(job).is_err() {
            return Err(E::from(StoreError::Writer("the writer has stopped".into())));
        }
        match answered.await {
            Ok(outcome) => outcome,
            // The work panicked: it was rolled back.
            Err(_) => Err(E::from(StoreError::Writer(
                "the transaction's work panicked".into(),
            ))),
        }
    }
}

async fn serve(
    db: DatabaseConnection,
    gate: Arc<Mutex<()>>,
    mut queue: mpsc::UnboundedReceiver<Box<dyn Job>>,
) {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    while let Some(job) = queue.recv().await {
        if job.abandoned() {
            continue;
        }
        // The turn is shared with `Store::write` (jobs, rare paths): wait for it no longer
        // than the job may wait in all.
        let deadline = tokio::time::Instant::from_std(job.deadline());
        let Ok(_turn) = tokio::time::timeout_at(deadline, gate.lock()).await else {
            job.refuse(StoreError::Busy);
            continue;
        };
        if Instant::now() > job.deadline() {
            job.refuse(StoreError::Busy);
            continue;
        }
        let txn = match db.begin_with_options(options).await {
            Ok(txn) => txn,
            Err(err) => {
                job.refuse(StoreError::from(err));
                continue;
            }
        };
        // A panic in one transaction's work must not stop every later write: it is
        // rolled back (the transaction is dropped) and its caller hears an error.
        if AssertUnwindSafe(job.run(txn)).catch_unwind().await.is_err() {
            tracing::error!("a write transaction panicked; it was rolled back");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::ConnectionTrait;

    use crate::{Store, StoreError, StoreOptions};

    async fn scratch(dir: &tempfile::TempDir, wait: Duration) -> Store {
        let url = format!("sqlite://{}/w.db", dir.path().display());
        let store = Store::connect_with(
            &url,
            StoreOptions {
                write_max_wait: wait,
            },
        )
        .await
        .unwrap();
        let txn = store.write().await.unwrap();
        txn.execute_unprepared("CREATE TABLE t (x INTEGER NOT NULL)")
            .await
            .unwrap();
        txn.commit().await.unwrap();
        store
    }

    async fn insert(store: &Store, x: i64) -> Result<(), StoreError> {
        store
            .transaction(move |txn| {
                Box::pin(async move {
                    txn.execute_unprepared(&format!("INSERT INTO t VALUES ({x})"))
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn rows(store: &Store) -> i64 {
        let row = store
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT COUNT(*) AS n FROM t",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    #[tokio::test]
    async fn every_transaction_of_a_crowd_commits_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = scratch(&dir, Duration::from_secs(30)).await;
        let all = (0..200).map(|x| insert(&store, x));
        for outcome in futures::future::join_all(all).await {
            outcome.unwrap();
        }
        assert_eq!(rows(&store).await, 200);
    }

    #[tokio::test]
    async fn a_failed_or_panicking_work_is_rolled_back_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = scratch(&dir, Duration::from_secs(5)).await;
        let failed: Result<(), StoreError> = store
            .transaction(|txn| {
                Box::pin(async move {
                    txn.execute_unprepared("INSERT INTO t VALUES (1)").await?;
                    Err(StoreError::Corrupt("refused after writing".into()))
                })
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Corrupt(_))));
        let panicked: Result<(), StoreError> = store
            .transaction(|txn| {
                Box::pin(async move {
                    txn.execute_unprepared("INSERT INTO t VALUES (2)").await?;
                    panic!("a bug in the work");
                })
            })
            .await;
        assert!(
            matches!(panicked, Err(StoreError::Writer(_))),
            "{panicked:?}"
        );
        assert_eq!(rows(&store).await, 0, "both rolled back");
        insert(&store, 3).await.unwrap();
        assert_eq!(rows(&store).await, 1, "the writer still writes");
    }

    #[tokio::test]
    async fn a_transaction_that_waited_past_its_bound_is_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = scratch(&dir, Duration::from_millis(100)).await;
        let held = store.write().await.unwrap();
        let waited = tokio::time::Instant::now();
        let refused = insert(&store, 1).await;
        assert!(matches!(refused, Err(StoreError::Busy)), "{refused:?}");
        assert!(waited.elapsed() < Duration::from_secs(2), "a bounded wait");
        assert!(StoreError::Busy.is_unavailable());
        drop(held);
        assert_eq!(rows(&store).await, 0, "nothing written");
        insert(&store, 2).await.unwrap();
        assert_eq!(rows(&store).await, 1);
    }
}
