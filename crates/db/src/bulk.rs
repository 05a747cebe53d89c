//! Bulk loading: multi-row `INSERT`s with ids assigned by the caller, cut into statements that
//! respect each backend's limit on bind parameters, and the sequence fix-up PostgreSQL needs
//! after explicit ids.
//!
//! Rows are collected in a [`Batch`], which hands back a ready [`Statement`] whenever it holds
//! as many rows as one statement may carry. Statements are built without a connection (values
//! are encoded while building), so a loader can build the next statement on another thread while
//! the database runs the current one.

use crate::{Db, DbError, Result, Tx, write};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, QueryBuilder, Sqlite};
use std::borrow::Cow;

/// The backend a statement is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `db`.
    pub fn of(db: &Db) -> Backend {
        match db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The backend of the transaction `tx`.
    pub fn of_tx(tx: &Tx) -> Backend {
        match tx {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// How many bind parameters one statement may carry.
    pub fn max_params(self) -> usize {
        match self {
            Backend::Sqlite => 32_766,
            Backend::Postgres => 65_535,
        }
    }
}

/// A table as the bulk loader writes it: its name and the columns every row gives, in order.
#[derive(Debug)]
pub struct Table {
    /// The table's name in the schema.
    pub name: &'static str,
    /// The columns each row gives values for, in order.
    pub columns: &'static [&'static str],
    /// Whether `id` is an identity column whose sequence must follow explicit ids.
    pub has_id: bool,
}

impl Table {
    /// How many rows of this table fit in one statement on `backend`.
    pub fn rows_per_statement(&self, backend: Backend) -> usize {
        (backend.max_params() / self.columns.len()).max(1)
    }
}

/// `accounts`, every column but `version`.
pub static ACCOUNTS: Table = Table {
    name: "accounts",
    columns: &[
        "id",
        "name",
        "industry",
        "size",
        "region",
        "address",
        "grade",
        "status",
        "needs_notes",
        "owner_id",
        "team_id",
        "created_at",
        "updated_at",
    ],
    has_id: true,
};

/// `contacts`, every column but `version`.
pub static CONTACTS: Table = Table {
    name: "contacts",
    columns: &[
        "id",
        "account_id",
        "name",
        "title",
        "department",
        "phone",
        "email",
        "hometown",
        "birthday",
        "interests",
        "tenure",
        "authority",
        "personality",
        "working_style",
        "family_notes",
        "business_needs",
        "personal_needs",
        "owner_id",
        "team_id",
        "created_at",
        "updated_at",
    ],
    has_id: true,
};

/// `leads`, every column but `version`.
pub static LEADS: Table = Table {
    name: "leads",
    columns: &[
        "id",
        "name",
        "company",
        "title",
        "phone",
        "email",
        "source",
        "status",
        "notes",
        "owner_id",
        "team_id",
        "created_at",
        "updated_at",
    ],
    has_id: true,
};

/// `opportunities`, every column but `version`.
pub static OPPORTUNITIES: Table = Table {
    name: "opportunities",
    columns: &[
        "id",
        "account_id",
        "name",
        "owner_id",
        "team_id",
        "amount_minor",
        "currency",
        "expected_close_date",
        "process_id",
        "stage_id",
        "stage_entered_at",
        "certainty",
        "certainty_evidence",
        "smart_goal",
        "source",
        "competitors",
        "status",
        "close_reason",
        "tracked",
        "grade",
        "first_meeting_date",
        "next_review_date",
        "closed_at",
        "created_at",
        "updated_at",
    ],
    has_id: true,
};

/// `opportunity_events`, every column.
pub static OPPORTUNITY_EVENTS: Table = Table {
    name: "opportunity_events",
    columns: &[
        "id",
        "opportunity_id",
        "actor_kind",
        "actor_id",
        "at",
        "kind",
        "from_value",
        "to_value",
        "reason",
        "detail",
        "stage_id",
        "probability",
        "amount_minor",
        "currency",
        "expected_close_date",
        "status",
        "close_reason",
        "owner_id",
        "team_id",
        "certainty",
        "certainty_evidence",
        "tracked",
        "grade",
        "next_review_date",
    ],
    has_id: true,
};

/// `activities`, every column but `version`.
pub static ACTIVITIES: Table = Table {
    name: "activities",
    columns: &[
        "id",
        "opportunity_id",
        "account_id",
        "contact_id",
        "kind",
        "occurred_on",
        "participants",
        "notes",
        "outcome",
        "next_step",
        "next_step_date",
        "owner_id",
        "team_id",
        "created_at",
        "updated_at",
    ],
    has_id: true,
};

/// `opportunity_checks`, every column.
pub static OPPORTUNITY_CHECKS: Table = Table {
    name: "opportunity_checks",
    columns: &["opportunity_id", "item_id", "checked_by", "checked_at"],
    has_id: false,
};

/// One column value of a bulk row. Dates and instants stay typed so each driver encodes them
/// the way its schema expects (ISO text on SQLite, `DATE`/`TIMESTAMPTZ` on PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Bool(bool),
    Text(Option<Cow<'static, str>>),
    Date(Option<NaiveDate>),
    Instant(Option<DateTime<Utc>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<&'static str> for Value {
    fn from(v: &'static str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}

impl From<Cow<'static, str>> for Value {
    fn from(v: Cow<'static, str>) -> Self {
        Value::Text(Some(v))
    }
}

impl From<Option<&'static str>> for Value {
    fn from(v: Option<&'static str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v.map(Cow::Owned))
    }
}

impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(Some(v))
    }
}

impl From<Option<NaiveDate>> for Value {
    fn from(v: Option<NaiveDate>) -> Self {
        Value::Date(v)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Instant(Some(v))
    }
}

impl From<Option<DateTime<Utc>>> for Value {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Value::Instant(v)
    }
}

/// Binds one value to a SQLite statement.
fn bind_sqlite(sep: &mut Separated<'_, Sqlite, &'static str>, value: Value) {
    match value {
        Value::Int(v) => sep.push_bind(v),
        Value::Bool(v) => sep.push_bind(v),
        Value::Text(Some(Cow::Borrowed(v))) => sep.push_bind(v),
        Value::Text(Some(Cow::Owned(v))) => sep.push_bind(v),
        Value::Text(None) => sep.push_bind(None::<&str>),
        Value::Date(v) => sep.push_bind(v),
        Value::Instant(v) => sep.push_bind(v),
    };
}

/// Writes `value` as a field of PostgreSQL's CSV format: nothing for NULL, text always quoted
/// (so an empty text is not NULL) with its quotes doubled, the rest as PostgreSQL reads them.
fn csv_field(out: &mut String, value: Value) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = match value {
        Value::Int(Some(v)) => std::write!(out, "{v}"),
        Value::Bool(v) => std::write!(out, "{}", if v { 't' } else { 'f' }),
        Value::Text(Some(v)) => {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
            Ok(())
        }
        Value::Date(Some(v)) => std::write!(out, "{v}"),
        Value::Instant(Some(v)) => std::write!(out, "{}", v.to_rfc3339()),
        Value::Int(None) | Value::Text(None) | Value::Date(None) | Value::Instant(None) => Ok(()),
    };
}

enum Query {
    Sqlite(QueryBuilder<Sqlite>),
    /// `COPY … FROM STDIN` and its rows in CSV: PostgreSQL parses and plans a multi-row `INSERT`
    /// of 2,700 rows of bound values far slower than it reads the same rows copied
    /// (docs/PERFORMANCE.md, fix 35).
    Postgres {
        copy: String,
        rows: String,
    },
}

/// One multi-row `INSERT` (SQLite) or `COPY` (PostgreSQL), encoded and ready to run in a
/// transaction of its backend.
pub struct Statement {
    table: &'static str,
    rows: usize,
    query: Query,
}

impl Statement {
    /// Builds `INSERT INTO table (columns) VALUES (…), (…)` (SQLite) or `COPY table (columns)
    /// FROM STDIN` with the rows (PostgreSQL) from `values`, given row after row
    /// (`table.columns.len()` values each), at most [`Table::rows_per_statement`] rows.
    fn build(backend: Backend, table: &Table, values: Vec<Value>) -> Statement {
        let width = table.columns.len();
        debug_assert_eq!(values.len() % width, 0, "a partial row for {}", table.name);
        let rows = values.len() / width;
        let columns = table.columns.join(", ");
        let query = match backend {
            Backend::Sqlite => {
                let mut values = values.into_iter();
                let mut qb =
                    QueryBuilder::<Sqlite>::new(format!("INSERT INTO {} ({columns}) ", table.name));
                qb.push_values(0..rows, |mut sep, _| {
                    for v in values.by_ref().take(width) {
                        bind_sqlite(&mut sep, v);
                    }
                });
                Query::Sqlite(qb)
            }
            Backend::Postgres => {
                let mut text = String::with_capacity(values.len() * 12);
                for (i, v) in values.into_iter().enumerate() {
                    if i % width > 0 {
                        text.push(',');
                    }
                    csv_field(&mut text, v);
                    if i % width == width - 1 {
                        text.push('\n');
                    }
                }
                Query::Postgres {
                    copy: format!(
                        "COPY {} ({columns}) FROM STDIN WITH (FORMAT csv)",
                        table.name
                    ),
                    rows: text,
                }
            }
        };
        Statement {
            table: table.name,
            rows,
            query,
        }
    }

    /// The table the rows go to.
    pub fn table(&self) -> &'static str {
        self.table
    }

    /// How many rows the statement inserts.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Runs the statement in `tx`, which must be of the backend it was built for.
    pub async fn execute(mut self, tx: &mut Tx) -> Result<u64> {
        Ok(match (tx, &mut self.query) {
            (Tx::Sqlite(t), Query::Sqlite(qb)) => {
                qb.build().execute(&mut **t).await?.rows_affected()
            }
            (Tx::Postgres(t), Query::Postgres { copy, rows }) => {
                let mut copy_in = t.copy_in_raw(copy).await?;
                copy_in.send(std::mem::take(rows).into_bytes()).await?;
                copy_in.finish().await?
            }
            _ => {
                return Err(DbError::Sqlx(sqlx::Error::Configuration(
                    "a bulk statement was built for the other backend".into(),
                )));
            }
        })
    }
}

/// Rows of one table collected until they fill a statement.
pub struct Batch {
    table: &'static Table,
    backend: Backend,
    capacity: usize,
    values: Vec<Value>,
}

impl Batch {
    /// An empty batch of rows of `table`, for statements on `backend`.
    pub fn new(backend: Backend, table: &'static Table) -> Batch {
        let capacity = table.rows_per_statement(backend);
        Batch {
            table,
            backend,
            capacity,
            values: Vec::with_capacity(capacity * table.columns.len()),
        }
    }

    /// Adds a row (one value per column, in the table's order); returns the statement once
    /// the batch is full.
    pub fn push<const N: usize>(&mut self, row: [Value; N]) -> Option<Statement> {
        debug_assert_eq!(
            N,
            self.table.columns.len(),
            "row width of {}",
            self.table.name
        );
        self.values.extend(row);
        (self.values.len() >= self.capacity * N).then(|| self.take())
    }

    /// The statement for the rows still held, if any.
    pub fn finish(&mut self) -> Option<Statement> {
        (!self.values.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> Statement {
        let values = std::mem::replace(
            &mut self.values,
            Vec::with_capacity(self.capacity * self.table.columns.len()),
        );
        Statement::build(self.backend, self.table, values)
    }
}

/// The first free id of `table`: one above the highest in use.
pub async fn next_id(tx: &mut Tx, table: &Table) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {}", table.name);
    Ok(write!(tx, c => sqlx::query_scalar(AssertSqlSafe(sql.as_str())).fetch_one(c).await)?)
}

/// A schema object of a table found in the catalog: its name and its definition.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct Found {
    name: String,
    definition: String,
}

/// What [`suspend`] dropped, as the statements that put it back.
#[derive(Debug, Default)]
pub struct Suspended {
    indexes: Vec<String>,
    foreign_keys: Vec<String>,
    /// Tables whose row triggers were disabled (PostgreSQL).
    triggers: Vec<&'static str>,
    /// The triggers dropped, as the statements that create them again (SQLite).
    trigger_definitions: Vec<String>,
}

impl Suspended {
    /// How many indexes were dropped.
    pub fn indexes(&self) -> usize {
        self.indexes.len()
    }

    /// How many foreign keys were dropped (PostgreSQL only).
    pub fn foreign_keys(&self) -> usize {
        self.foreign_keys.len()
    }

    /// How many tables had their triggers disabled (PostgreSQL), or how many triggers were
    /// dropped (SQLite).
    pub fn triggers(&self) -> usize {
        self.triggers.len() + self.trigger_definitions.len()
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn execute(tx: &mut Tx, sql: &str) -> Result<()> {
    write!(tx, c => sqlx::query(AssertSqlSafe(sql)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Drops what makes a large load slow, to put back with [`restore`] in the same transaction
/// (so a failed load leaves the schema as it was): the plain secondary indexes of `tables` (not
/// those behind primary keys or unique constraints, nor unique indexes), so rows are appended
/// and each index is built once from sorted keys; and on PostgreSQL their foreign keys, checked
/// row by row by triggers otherwise and validated in one pass when added back. Their row
/// triggers (the upkeep of `board_totals` and `record_counts`) are disabled on PostgreSQL and
/// dropped on SQLite (which cannot disable them), replaced by one recomputation in
/// [`restore`]. SQLite checks foreign keys cheaply in place and keeps them.
pub async fn suspend(tx: &mut Tx, tables: &[&Table]) -> Result<Suspended> {
    const SQLITE_INDEXES: &str = "SELECT l.name, m.sql AS definition FROM pragma_index_list($1) l JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name WHERE l.origin = 'c' AND NOT l.\"unique\" ORDER BY l.name";
    const POSTGRES_INDEXES: &str = "SELECT c.relname::TEXT AS name, pg_get_indexdef(c.oid) AS definition FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = to_regclass($1) AND NOT x.indisprimary AND NOT x.indisunique ORDER BY c.relname";
    const POSTGRES_KEYS: &str = "SELECT conname::TEXT AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'f' ORDER BY conname";
    const POSTGRES_TRIGGERS: &str = "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal)";
    const SQLITE_TRIGGERS: &str = "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1 ORDER BY name";
    let mut out = Suspended::default();
    for table in tables {
        let (indexes, keys): (Vec<Found>, Vec<Found>) = match &mut *tx {
            Tx::Sqlite(t) => {
                let indexes = sqlx::query_as(SQLITE_INDEXES)
                    .bind(table.name)
                    .fetch_all(&mut **t)
                    .await?;
                (indexes, Vec::new())
            }
            Tx::Postgres(t) => {
                let indexes = sqlx::query_as(POSTGRES_INDEXES)
                    .bind(table.name)
                    .fetch_all(&mut **t)
                    .await?;
                let keys = sqlx::query_as(POSTGRES_KEYS)
                    .bind(table.name)
                    .fetch_all(&mut **t)
                    .await?;
                (indexes, keys)
            }
        };
        for index in indexes {
            execute(tx, &format!("DROP INDEX {}", quoted(&index.name))).await?;
            out.indexes.push(index.definition);
        }
        if let Tx::Sqlite(t) = &mut *tx {
            let triggers: Vec<Found> = sqlx::query_as(SQLITE_TRIGGERS)
                .bind(table.name)
                .fetch_all(&mut **t)
                .await?;
            for trigger in triggers {
                execute(tx, &format!("DROP TRIGGER {}", quoted(&trigger.name))).await?;
                out.trigger_definitions.push(trigger.definition);
            }
        }
        if let Tx::Postgres(t) = &mut *tx {
            let triggered: bool = sqlx::query_scalar(POSTGRES_TRIGGERS)
                .bind(table.name)
                .fetch_one(&mut **t)
                .await?;
            if triggered {
                execute(
                    tx,
                    &format!("ALTER TABLE {} DISABLE TRIGGER USER", table.name),
                )
                .await?;
                out.triggers.push(table.name);
            }
        }
        for key in keys {
            let name = quoted(&key.name);
            execute(
                tx,
                &format!("ALTER TABLE {} DROP CONSTRAINT {name}", table.name),
            )
            .await?;
            out.foreign_keys.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {name} {}",
                table.name, key.definition
            ));
        }
    }
    Ok(out)
}

/// Puts back what [`suspend`] dropped: the indexes first, then the foreign keys (validated),
/// then the triggers, recomputing what they keep (`board_totals`, `record_counts`) from all the
/// records, and moving every view's version on (`view_versions`).
pub async fn restore(tx: &mut Tx, suspended: &Suspended) -> Result<()> {
    for sql in suspended
        .indexes
        .iter()
        .chain(&suspended.foreign_keys)
        .chain(&suspended.trigger_definitions)
    {
        execute(tx, sql).await?;
    }
    for table in &suspended.triggers {
        execute(tx, &format!("ALTER TABLE {table} ENABLE TRIGGER USER")).await?;
    }
    if suspended.triggers() > 0 {
        let close_month = match tx {
            Tx::Sqlite(_) => "substr(expected_close_date, 1, 8) || '01'",
            Tx::Postgres(_) => "date_trunc('month', expected_close_date)::date",
        };
        for sql in [
            "DELETE FROM board_totals".to_owned(),
            format!(
                "INSERT INTO board_totals (process_id, status, owner_id, stage_id, close_month, deals, amount_minor) SELECT process_id, {status}, owner_id, stage_id, {close_month}, COUNT(*), SUM(amount_minor) FROM opportunities GROUP BY process_id, {status}, owner_id, stage_id, {close_month}",
                // Deleted deals are kept under 'deleted', as the triggers keep them (0013).
                status = "CASE WHEN deleted_at IS NULL THEN status ELSE 'deleted' END"
            ),
            "DELETE FROM record_counts".to_owned(),
            "INSERT INTO record_counts (kind, owner_id, status, records) SELECT 'account', owner_id, '', COUNT(*) FROM accounts GROUP BY owner_id UNION ALL SELECT 'contact', owner_id, '', COUNT(*) FROM contacts GROUP BY owner_id UNION ALL SELECT 'lead', owner_id, status, COUNT(*) FROM leads GROUP BY owner_id, status UNION ALL SELECT 'activity', owner_id, '', COUNT(*) FROM activities GROUP BY owner_id".to_owned(),
            "UPDATE view_versions SET version = version + 1 WHERE scope = 'all' AND id = 0".to_owned(),
        ] {
            execute(tx, &sql).await?;
        }
    }
    Ok(())
}

/// After rows with explicit ids, moves each table's id sequence past the highest id so later
/// inserts do not collide (PostgreSQL only; SQLite picks the next rowid itself).
pub async fn sync_sequences(tx: &mut Tx, tables: &[&Table]) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        for table in tables.iter().filter(|t| t.has_id) {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), MAX(id)) FROM {0} HAVING MAX(id) IS NOT NULL",
                table.name
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut **t).await?;
        }
    }
    Ok(())
}

/// A handle on the same database for one bulk load: its own single connection (for reading and
/// writing), with `cache_kib` KiB of memory for the load (SQLite's page cache; PostgreSQL's
/// `maintenance_work_mem`, so that [`restore`] sorts each index in memory rather than in runs
/// on disk: the default 64 MB held a tenth of the history's keys at 1M deals), that does not log statements
/// (building an index over millions of rows takes seconds by design, and is no slow query to
/// warn about). Close it when the load is done; `db` stays open.
pub async fn loader(db: &Db, cache_kib: u32) -> Result<Db> {
    Ok(match db {
        Db::Sqlite { write, .. } => {
            let options = (*write.connect_options())
                .clone()
                .pragma("cache_size", format!("-{cache_kib}"))
                .disable_statement_logging();
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            Db::sqlite(write.clone(), write)
        }
        Db::Postgres { pool, .. } => {
            let options = (*pool.connect_options())
                .clone()
                .options([("maintenance_work_mem", format!("{cache_kib}kB"))])
                .disable_statement_logging();
            Db::postgres(
                PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?,
            )
        }
    })
}

/// As [`loader`], for a load that has the database to itself: `db` is closed first (every handle
/// on it, clones included). On SQLite the load then writes its pages once, into the database
/// file (a rollback journal keeps only the pages it changes of those already there: a fresh
/// load's are new), where the WAL wrote each page twice, appended to the WAL and copied back
/// by the checkpoint (docs/PERFORMANCE.md, fix 35). [`finish`] puts the WAL back; a load cut
/// short is rolled back from the journal, and the next [`Db::connect`] puts the WAL back too.
/// SQLite refuses the change while any other connection, of this process or another (a
/// running server), has the database open: the load is then refused, nothing written.
pub async fn sole_loader(db: Db, cache_kib: u32) -> Result<Db> {
    let load = match &db {
        Db::Sqlite { write, .. } => {
            let options = (*write.connect_options()).clone();
            db.close().await;
            let load = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    options
                        .journal_mode(SqliteJournalMode::Delete)
                        .busy_timeout(std::time::Duration::ZERO)
                        .pragma("cache_size", format!("-{cache_kib}"))
                        .disable_statement_logging(),
                )
                .await?;
            Db::sqlite(load.clone(), load)
        }
        Db::Postgres { .. } => {
            let load = loader(&db, cache_kib).await?;
            db.close().await;
            load
        }
    };
    Ok(load)
}

/// Closes a handle of [`loader`] or [`sole_loader`], the database in WAL mode again.
pub async fn finish(load: Db) -> Result<()> {
    if let Db::Sqlite { write, .. } = &load {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(write)
            .await?;
    }
    load.close().await;
    Ok(())
}
