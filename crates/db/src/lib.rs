//! Opportune's persistence: one `Db` handle over SQLite or PostgreSQL, migrations per backend,
//! and the repositories. The same SQL text runs on both backends wherever the dialects allow
//! (`$n` placeholders work on both); the `read!` and `write!` macros paste one body into an arm
//! per backend so each arm is type-checked against its own driver. Who may see and who controls
//! a record is written in [`visibility`] only.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub mod accounts;
pub mod activities;
pub mod bulk;
pub mod contacts;
pub mod history;
pub mod leads;
pub mod opportunities;
pub mod org;
pub mod processes;
pub(crate) mod scope;
pub mod shares;
pub mod users;
pub mod versions;
pub(crate) mod visibility;
mod writer;

pub use writer::{Job, Writer};

pub use opportune_core::visibility::Viewer;

/// Runs `$body` against the read side of the database with `$c` bound to the pool.
#[macro_export]
macro_rules! read {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { read: $c, .. } => $body,
            $crate::Db::Postgres { pool: $c, .. } => $body,
        }
    };
}

/// Runs `$body` inside a transaction with `$c` bound to `&mut` its connection.
#[macro_export]
macro_rules! write {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("stale version")]
    Stale,
    #[error("already exists: {0}")]
    Duplicate(&'static str),
    #[error("in use by other records")]
    InUse,
    #[error("shared read-only with the viewer")]
    ReadOnly,
    #[error("{0}: {1}")]
    Field(&'static str, &'static str),
    #[error("a team cannot be placed under itself or its own sub-team")]
    Cycle,
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    /// Maps a unique-constraint violation to `Duplicate(field)`.
    pub fn unique(e: sqlx::Error, field: &'static str) -> DbError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => DbError::Duplicate(field),
            _ => DbError::Sqlx(e),
        }
    }
}

impl DbError {
    /// Maps a foreign-key violation (the record is still referenced) to `InUse`.
    pub fn in_use(e: sqlx::Error) -> DbError {
        match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => DbError::InUse,
            _ => DbError::Sqlx(e),
        }
    }
}

/// Why a write matched no row, given what reading the record again found (whether the viewer
/// controls it): shared read-only with them, else `otherwise` (changed since the version read,
/// or gone), or the read's own error (not visible).
pub(crate) fn refusal(found: Result<bool>, otherwise: DbError) -> DbError {
    match found {
        Ok(false) => DbError::ReadOnly,
        Ok(true) => otherwise,
        Err(e) => e,
    }
}

/// Deletes the record `id` with `sql` (`DELETE FROM … WHERE id = $4 AND` [`controls!`]), and
/// its shares when its kind can be shared, through [`Db::write`]: false, having deleted nothing,
/// when the viewer controls no such record. A record other records still refer to is `InUse`.
pub(crate) async fn delete_controlled(
    db: &Db,
    v: &Viewer,
    id: i64,
    sql: &'static str,
    shared: Option<shares::ShareKind>,
) -> Result<bool> {
    db.write((*v, id, sql, shared), |tx, (v, id, sql, shared)| {
        Box::pin(async move {
            let n = write!(tx, c => bind_viewer!(sqlx::query(*sql), v).bind(*id).execute(c).await.map(|r| r.rows_affected()))
                .map_err(DbError::in_use)?;
            if n == 0 {
                return Ok(false);
            }
            if let Some(kind) = shared {
                shares::forget(tx, *kind, *id).await?;
            }
            Ok(true)
        })
    })
    .await
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        writer: Writer,
    },
    Postgres {
        pool: PgPool,
        writer: Writer,
    },
}

pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens `url` when it is given (`sqlite://…` or `postgres://…`), else the SQLite file
    /// `opportune.db` in `data_dir`, creating the directory and file if missing.
    pub async fn connect(url: Option<&str>, data_dir: &Path) -> Result<Db> {
        match url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                let opts = PgConnectOptions::from_str(u)?;
                // A connection is pinged (a round trip) before it is lent only when it sat idle
                // for a minute, not before every query: that doubled the round trips of every
                // request (docs/PERFORMANCE.md, fix 14).
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > Duration::from_mins(1) {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(opts)
                    .await?;
                Ok(Db::postgres(pool))
            }
            Some(u) => Self::open_sqlite(SqliteConnectOptions::from_str(u)?).await,
            None => {
                std::fs::create_dir_all(data_dir).map_err(|e| DbError::Sqlx(sqlx::Error::Io(e)))?;
                Self::open_sqlite(
                    SqliteConnectOptions::new().filename(data_dir.join("opportune.db")),
                )
                .await
            }
        }
    }

    async fn open_sqlite(opts: SqliteConnectOptions) -> Result<Db> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Memory: 8 MiB of page cache per connection (9 connections), and sorts too big
            // for memory spill to temporary files. (SQLite is built without its memory
            // statistics, .cargo/config.toml, so it keeps no heap limit of its own.)
            .pragma("cache_size", "-8192");
        // Fresh planner statistics, as SQLite advises for pools: the writer's connection
        // ANALYZEs (rows sampled per index bounded by analysis_limit) the tables never analyzed
        // or grown or shrunk a lot since, when it opens (at start, and when the pool renews it).
        // ANALYZE writes, so only the writer does it: a reader doing it would wait for the write
        // lock. Without statistics the OR in the visibility clause (own or shared) scans the
        // board index instead of a multi-index OR (docs/PERFORMANCE.md).
        // Nothing to test before lending an embedded connection: the driver's default pinged its
        // worker thread before every query (docs/PERFORMANCE.md, fix 14).
        // The writer checkpoints the WAL itself only past 10,000 pages: the queued writes'
        // task has a reader do it long before (writer.rs, `Checkpoints`).
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(
                opts.clone()
                    .pragma("analysis_limit", "1000")
                    .pragma("optimize", "0x10002")
                    .pragma("wal_autocheckpoint", "10000"),
            )
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(opts.read_only(false))
            .await?;
        Ok(Db::sqlite(read, write))
    }

    /// A SQLite handle over these pools, with its task that runs batched writes on `write`.
    pub(crate) fn sqlite(read: SqlitePool, write: SqlitePool) -> Db {
        Db::Sqlite {
            writer: Writer::sqlite(read.clone(), write.clone()),
            read,
            write,
        }
    }

    /// A PostgreSQL handle over `pool`, with its task that runs batched writes.
    pub(crate) fn postgres(pool: PgPool) -> Db {
        Db::Postgres {
            writer: Writer::postgres(pool.clone()),
            pool,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres { .. } => "postgres",
        }
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await?,
            Db::Postgres { pool, .. } => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Starts a write transaction of its own, for the writes that are not one record's create,
    /// edit or delete (those go through [`Db::write`]): imports, lead conversions, sharing,
    /// administration. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`) on the
    /// single writer connection, so concurrent writers queue instead of failing.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => writer::begin(write).await?,
            Db::Postgres { pool, .. } => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Runs the statements of `job` on `data` in a write transaction and commits them. The
    /// writes waiting together share one transaction and one commit (`writer`), so `job` may
    /// run more than once (again alone if another write of its batch failed).
    pub async fn write<D, T>(&self, data: D, job: Job<D, T>) -> Result<T>
    where
        D: Send + Sync + 'static,
        T: Send + 'static,
    {
        match self {
            Db::Sqlite { writer, .. } | Db::Postgres { writer, .. } => {
                writer.write(data, job).await
            }
        }
    }

    pub async fn ping(&self) -> Result<()> {
        read!(self, c => sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres { pool, .. } => pool.close().await,
        }
    }
}

/// The current instant, truncated to microseconds so both backends store it identically.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// A page of a list, as the API returns it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Paging arguments, clamped to sane bounds.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub offset: i64,
}

impl Paging {
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Paging {
        Paging {
            limit: limit.unwrap_or(50).clamp(1, 500),
            offset: offset.unwrap_or(0).max(0),
        }
    }
}

/// Brings a database up to date for serving: migrations, the settings row, the built-in
/// processes. Safe to run on every start.
pub async fn prepare(db: &Db) -> Result<()> {
    db.migrate().await?;
    let mut tx = db.begin().await?;
    org::ensure(&mut tx).await?;
    processes::install_built_ins(&mut tx).await?;
    tx.commit().await
}
