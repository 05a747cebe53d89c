//! Writes in batches (docs/PERFORMANCE.md, fixes 23 and 25).
//!
//! SQLite has one write lock, held here by one writer connection, and every statement is a round
//! trip to that connection's thread. A write run the usual way holds the lock for its `BEGIN`,
//! its statements and its `COMMIT`, and hands the connection to the next writer through the
//! pool: at 32 concurrent writers most of the time under the lock was those hand-offs, not
//! SQLite's work. On PostgreSQL every commit waits for its WAL flush, and writes to the deals of
//! one owner queue on the rows the totals and versions triggers update, each holding them
//! through its own commit. So the writes of [`crate::Db::write`] queue here, and one task per
//! server runs the writes waiting together in one transaction and commits them once. Nobody is
//! answered before the commit. If any write of a batch fails (its own error, a panic, or the
//! commit), the batch is rolled back and its writes run again one by one, each in its own
//! transaction, so that each gets its own result and no write depends on one that failed: a
//! write is a function of its input and what the database holds, and runs again unchanged.
//! The price: a write that waits (on PostgreSQL, for a row another server's transaction holds)
//! holds up the writes queued behind it on this server, as SQLite's write lock always did.
//!
//! On SQLite the same task starts the WAL's checkpoints, on a reader's connection so that the
//! next batches need not wait for them (`Checkpoints`).

use crate::{DbError, Result, Tx};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::{PgPool, SqlitePool};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The statements of one write, run in the transaction they are given, on their input. They
/// must not commit, nor wait for another write (the task that runs them would wait for
/// itself); they may run more than once (see the module).
pub type Job<D, T> = for<'t> fn(&'t mut Tx, &'t D) -> BoxFuture<'t, Result<T>>;

/// At most this many writes share a transaction: the first of them waits for all of them.
const MOST_PER_BATCH: usize = 64;

/// The queue of writes and the task that runs them, on transactions from the pool that
/// [`crate::Db::begin`] also lends to the other writes.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Queued>>,
}

/// Where the task's transactions come from.
enum Source {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Writer {
    /// Starts the task that runs the writes on SQLite's `write` pool and the checkpoints on
    /// `read`.
    pub(crate) fn sqlite(read: SqlitePool, write: SqlitePool) -> Writer {
        let checkpoints = Checkpoints {
            read,
            running: Arc::default(),
        };
        Writer::start(Source::Sqlite(write), Some(checkpoints))
    }

    /// Starts the task that runs the writes on PostgreSQL's `pool`.
    pub(crate) fn postgres(pool: PgPool) -> Writer {
        Writer::start(Source::Postgres(pool), None)
    }

    fn start(source: Source, checkpoints: Option<Checkpoints>) -> Writer {
        let (queue, waiting) = mpsc::channel(4 * MOST_PER_BATCH);
        tokio::spawn(drain(source, waiting, checkpoints));
        Writer { queue }
    }

    /// Runs `job` on `data` in the next batch and answers once it is committed.
    pub(crate) async fn write<D, T>(&self, data: D, job: Job<D, T>) -> Result<T>
    where
        D: Send + Sync + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let entry = Entry {
            data,
            job,
            result: None,
            reply,
        };
        self.queue
            .send(Box::new(entry))
            .await
            .map_err(|_| DbError::Sqlx(sqlx::Error::WorkerCrashed))?;
        // No answer: the write panicked (the writer task carries on with the others).
        answer
            .await
            .unwrap_or(Err(DbError::Sqlx(sqlx::Error::WorkerCrashed)))
    }
}

/// A queued write, its input and result type erased.
trait Queued: Send {
    /// Runs the write in `tx`, keeping its result; false if it failed or panicked.
    fn run<'t>(&'t mut self, tx: &'t mut Tx) -> BoxFuture<'t, bool>;
    /// Replaces the result with an error of the transaction it ran in.
    fn fail(&mut self, e: DbError);
    /// Answers the caller with the result (none if the write panicked).
    fn finish(self: Box<Self>);
}

struct Entry<D, T> {
    data: D,
    job: Job<D, T>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<D: Send + Sync, T: Send> Queued for Entry<D, T> {
    fn run<'t>(&'t mut self, tx: &'t mut Tx) -> BoxFuture<'t, bool> {
        Box::pin(async move {
            self.result = AssertUnwindSafe((self.job)(tx, &self.data))
                .catch_unwind()
                .await
                .ok();
            matches!(self.result, Some(Ok(_)))
        })
    }

    fn fail(&mut self, e: DbError) {
        self.result = Some(Err(e));
    }

    fn finish(self: Box<Self>) {
        if let Some(result) = self.result {
            // The caller may have gone (its request was cancelled); the write stands.
            let _ = self.reply.send(result);
        }
    }
}

async fn drain(
    source: Source,
    mut waiting: mpsc::Receiver<Box<dyn Queued>>,
    checkpoints: Option<Checkpoints>,
) {
    let mut batch = Vec::with_capacity(MOST_PER_BATCH);
    while waiting.recv_many(&mut batch, MOST_PER_BATCH).await > 0 {
        if batch.len() == 1 || !together(&source, &mut batch).await {
            for write in &mut batch {
                alone(&source, write.as_mut()).await;
            }
        }
        batch.drain(..).for_each(Queued::finish);
        if let Some(c) = &checkpoints {
            c.after_writes();
        }
    }
}

/// The WAL's checkpoints (copying the pages the writes appended to it into the database file,
/// so that it can start again from its beginning). SQLite runs one on the committing connection
/// once the WAL holds 1,000 pages: the writer, and every write queued behind it, then waited
/// for the copy and its `fsync` — a few milliseconds every few dozen writes, most of the
/// writes' p95 at 32 writers. Here a reader's connection runs them (`PASSIVE`: alongside the
/// writes and reads), one at a time, the next after the first batch committed once the last
/// has finished: the WAL stays short, and so does each copy (at 1M, one started at most every
/// 50 or 250 ms left the writes a p99 of 18-36 ms, one always running 8-9 ms). The writer's own
/// is left for what bypasses the queue (`Db::begin`), at a larger size (`crate::Db::connect`).
struct Checkpoints {
    read: SqlitePool,
    running: Arc<AtomicBool>,
}

impl Checkpoints {
    fn after_writes(&self) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let (read, running) = (self.read.clone(), self.running.clone());
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&read)
                .await
            {
                tracing::warn!(error = %e, "checkpoint of the WAL failed");
            }
            running.store(false, Ordering::Release);
        });
    }
}

/// Runs the writes of `batch` in one transaction and commits it; false if any failed (then
/// nothing of the batch is written: dropping `tx` rolls it back).
async fn together(source: &Source, batch: &mut [Box<dyn Queued>]) -> bool {
    let Ok(mut tx) = source.begin().await else {
        return false;
    };
    for write in batch {
        if !write.run(&mut tx).await {
            return false;
        }
    }
    tx.commit().await.is_ok()
}

/// Runs one write in a transaction of its own, committed if it succeeded.
async fn alone(source: &Source, write: &mut dyn Queued) {
    let done = async {
        let mut tx = source.begin().await?;
        if write.run(&mut tx).await {
            tx.commit().await?;
        }
        Ok(())
    };
    if let Err(e) = done.await {
        write.fail(e);
    }
}

impl Source {
    async fn begin(&self) -> Result<Tx> {
        match self {
            Source::Sqlite(pool) => begin(pool).await,
            Source::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }
}

/// A write transaction on SQLite's writer connection, which takes the write lock at once
/// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing.
pub(crate) async fn begin(pool: &SqlitePool) -> Result<Tx> {
    Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?))
}
