//! A deal's history (`opportunity_events`): append-only, written in the same transaction as the
//! change it records. Each event copies the deal's state after the change from the row just
//! written (and the stage's probability at that moment), so the state can never drift from what
//! was stored; it says what changed (`kind`, `from_value`, `to_value`), who or what changed it
//! (`actor_kind`, `actor_id`), when and why (`reason`, `detail`).

use crate::bulk::Backend;
use crate::{Db, Result, Tx, read, write};
use chrono::{DateTime, NaiveDate, Utc};
use opportune_core::history::{
    Actor, ActorKind, DealState, EventKind, Recorded, ReplayError, replay,
};
use opportune_core::records::OppStatus;

/// An event of a deal's history, with the deal's state after it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub opportunity_id: i64,
    #[sqlx(try_from = "String")]
    pub actor_kind: ActorKind,
    /// The user who made the change (or ran the import); none for the system.
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub kind: EventKind,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    /// What an `owner` or `team` event's values (ids) name, as it is called now: the person or
    /// the team; none for other kinds, no team, or one that is gone. Read with the event.
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    /// Why: the override reason of a stage move made without its criteria.
    pub reason: Option<String>,
    /// What else the change carries, as JSON: for a move past unmet criteria, the stages
    /// entered without them (`{"skipped": [{"stage_id", "unmet": [item ids]}]}`).
    pub detail: Option<String>,
    pub stage_id: i64,
    /// The stage's probability when the event was recorded.
    pub probability: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    #[sqlx(try_from = "String")]
    pub status: OppStatus,
    pub close_reason: String,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    pub certainty: i64,
    pub certainty_evidence: i64,
    pub tracked: bool,
    pub grade: Option<String>,
    pub next_review_date: Option<NaiveDate>,
    pub deleted: bool,
}

/// The deal's state columns, in [`DealState`]'s order (probability after the stage).
macro_rules! state_columns {
    () => {
        "stage_id, probability, amount_minor, currency, expected_close_date, status, close_reason, owner_id, team_id, certainty, certainty_evidence, tracked, grade, next_review_date, deleted"
    };
}

/// The deal's columns the state copies (all but the probability, which is the stage's, and
/// whether it is deleted, which its `deleted_at` says).
macro_rules! deal_columns {
    () => {
        "stage_id, amount_minor, currency, expected_close_date, status, close_reason, owner_id, team_id, certainty, certainty_evidence, tracked, grade, next_review_date"
    };
}

/// The state columns as a deal row `$d` and its stage `$s` give them.
macro_rules! state_of {
    ($d:literal, $s:literal) => {
        concat!(
            $d,
            ".stage_id, ",
            $s,
            ".probability, ",
            $d,
            ".amount_minor, ",
            $d,
            ".currency, ",
            $d,
            ".expected_close_date, ",
            $d,
            ".status, ",
            $d,
            ".close_reason, ",
            $d,
            ".owner_id, ",
            $d,
            ".team_id, ",
            $d,
            ".certainty, ",
            $d,
            ".certainty_evidence, ",
            $d,
            ".tracked, ",
            $d,
            ".grade, ",
            $d,
            ".next_review_date, ",
            $d,
            ".deleted_at IS NOT NULL"
        )
    };
}

/// An event of the deals `$where` selects (from `opportunities o`), each with the deal's state
/// as it now stands: `$1` actor kind, `$2` actor id, `$3` instant, `$4`–`$8` kind, from, to,
/// reason and detail.
macro_rules! insert_events {
    ($where:literal) => {
        concat!(
            "INSERT INTO opportunity_events (opportunity_id, actor_kind, actor_id, at, kind, from_value, to_value, reason, detail, ",
            state_columns!(),
            ") SELECT o.id, $1, $2, $3, $4, $5, $6, $7, $8, ",
            state_of!("o", "s"),
            " FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE ",
            $where
        )
    };
}

/// A change a write of a deal records in its history.
#[derive(Debug, Clone)]
pub(crate) struct Change<'a> {
    pub kind: EventKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<&'a str>,
    pub detail: Option<String>,
}

impl<'a> Change<'a> {
    /// A field's change from one value to another.
    pub fn of(kind: EventKind, from: &impl ToString, to: &impl ToString) -> Change<'a> {
        Change {
            kind,
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            reason: None,
            detail: None,
        }
    }
}

/// Writes the `changes` of deal `id` by `actor` at `at`, each a statement of its own, with the
/// deal's state as the transaction now holds it.
pub(crate) async fn record(
    tx: &mut Tx,
    id: i64,
    actor: Actor,
    at: DateTime<Utc>,
    changes: impl IntoIterator<Item = Change<'_>>,
) -> Result<()> {
    for e in changes {
        write!(tx, c => sqlx::query(insert_events!("o.id = $9"))
            .bind(actor.kind().as_str()).bind(actor.user_id()).bind(at).bind(e.kind.as_str())
            .bind(&e.from).bind(&e.to).bind(e.reason).bind(&e.detail).bind(id)
            .execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Writes `change` for every deal owned by `owner` (a user moved to another team takes their
/// deals along), by `actor` at `at`, in one statement.
pub(crate) async fn record_owned(
    tx: &mut Tx,
    owner: i64,
    actor: Actor,
    at: DateTime<Utc>,
    change: &Change<'_>,
) -> Result<()> {
    write!(tx, c => sqlx::query(insert_events!("o.owner_id = $9"))
        .bind(actor.kind().as_str()).bind(actor.user_id()).bind(at).bind(change.kind.as_str())
        .bind(&change.from).bind(&change.to).bind(change.reason).bind(&change.detail).bind(owner)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether a write's events go into its statement ([`recorded`]): when there are any.
pub(crate) fn inline(changes: &[Change]) -> bool {
    !changes.is_empty()
}

/// Which deal a write wrote, for the events [`recorded`] adds to it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Written {
    /// The row an `INSERT` added.
    Inserted,
    /// The row an `UPDATE` changed, its id bound as this parameter.
    Updated(usize),
}

/// The `INSERT` or `UPDATE` of one deal (`write`, without `RETURNING`) with the `changes` it
/// records, in one round trip to the database: the batch writer pays one per statement, not one
/// more per event (docs/PERFORMANCE.md, fixes 33 and 35). Each event gets the row written as the
/// state. `$actor` is their author's id (of kind `kind`, a closed vocabulary written as a
/// literal), `$at` their instant; each change's kind, from, to, reason and detail are bound in
/// turn from `$first` on. On PostgreSQL one statement, the events written from the write's
/// `RETURNING`; it answers the id of each deal written, so its count is the write's. On SQLite
/// the write and then the events' `INSERT … SELECT` from the row written (`changes()`: none if
/// the write changed no row), the deal in the outer loop (SQLite keeps a `CROSS JOIN`'s order),
/// so that `last_insert_rowid()` finds it once, before any event is inserted; an `INSERT` answers
/// the deal's id, and an `UPDATE`'s count is 0 if it changed nothing.
pub(crate) fn recorded(
    backend: Backend,
    write: &str,
    written: Written,
    (kind, actor, at): (ActorKind, usize, usize),
    first: usize,
    changes: usize,
) -> String {
    let rows: Vec<String> = (0..changes)
        .map(|i| {
            let p = first + 5 * i;
            format!("(${p}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4)
        })
        .collect();
    match backend {
        Backend::Postgres => format!(
            concat!(
                "WITH d AS ({write} RETURNING id, ",
                deal_columns!(),
                ", deleted_at), e AS (INSERT INTO opportunity_events (opportunity_id, actor_kind, actor_id, at, kind, from_value, to_value, reason, detail, ",
                state_columns!(),
                ") SELECT d.id, '{kind}', ${actor}, ${at}, x.kind, x.from_value, x.to_value, x.reason, x.detail, ",
                state_of!("d", "s"),
                " FROM d JOIN stages s ON s.id = d.stage_id CROSS JOIN (VALUES {rows}) x(kind, from_value, to_value, reason, detail)) SELECT id FROM d"
            ),
            write = write,
            kind = kind.as_str(),
            actor = actor,
            at = at,
            rows = rows.join(", ")
        ),
        Backend::Sqlite => {
            let (returning, deal) = match written {
                Written::Inserted => (" RETURNING id", "last_insert_rowid()".to_owned()),
                Written::Updated(id) => ("", format!("${id}")),
            };
            format!(
                concat!(
                    "{write}{returning}; INSERT INTO opportunity_events (opportunity_id, actor_kind, actor_id, at, kind, from_value, to_value, reason, detail, ",
                    state_columns!(),
                    ") SELECT o.id, '{kind}', ${actor}, ${at}, x.column1, x.column2, x.column3, x.column4, x.column5, ",
                    state_of!("o", "s"),
                    " FROM opportunities o CROSS JOIN stages s CROSS JOIN (VALUES {rows}) x WHERE o.id = {deal} AND s.id = o.stage_id AND changes() > 0"
                ),
                write = write,
                returning = returning,
                kind = kind.as_str(),
                actor = actor,
                at = at,
                rows = rows.join(", "),
                deal = deal
            )
        }
    }
}

/// Binds the kind, from, to, reason and detail of each of `changes` to `q`, a statement from
/// [`recorded`], if the changes are written `inline`.
macro_rules! bind_changes {
    ($q:expr, $inline:expr, $changes:expr) => {{
        let mut q = $q;
        if $inline {
            for e in $changes {
                q = q
                    .bind(e.kind.as_str())
                    .bind(&e.from)
                    .bind(&e.to)
                    .bind(e.reason)
                    .bind(&e.detail);
            }
        }
        q
    }};
}
pub(crate) use bind_changes;

/// The name of the person or team an `owner` or `team` event's `$value` column names (an id, or
/// empty for no team), by primary key; the `CASE` casts only those kinds' values.
macro_rules! value_name {
    ($value:literal) => {
        concat!(
            "CASE e.kind WHEN 'owner' THEN (SELECT n.name FROM users n WHERE n.id = CAST(NULLIF(e.",
            $value,
            ", '') AS BIGINT)) WHEN 'team' THEN (SELECT n.name FROM teams n WHERE n.id = CAST(NULLIF(e.",
            $value,
            ", '') AS BIGINT)) END"
        )
    };
}

/// The history query of one deal (`$1`), newest first, then `$rest` (a `LIMIT`, or nothing).
macro_rules! history_sql {
    ($rest:literal) => {
        concat!(
            "SELECT e.id, e.opportunity_id, e.actor_kind, e.actor_id, u.name AS actor_name, e.at, e.kind, e.from_value, e.to_value, ",
            value_name!("from_value"),
            " AS from_name, ",
            value_name!("to_value"),
            " AS to_name, e.reason, e.detail, e.stage_id, e.probability, e.amount_minor, e.currency, e.expected_close_date, e.status, e.close_reason, e.owner_id, e.team_id, e.certainty, e.certainty_evidence, e.tracked, e.grade, e.next_review_date, e.deleted",
            " FROM opportunity_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.opportunity_id = $1 ORDER BY e.at DESC, e.id DESC",
            $rest
        )
    };
}

/// The deal's history, newest first. The caller has checked the deal is visible.
pub async fn of_deal(db: &Db, opportunity_id: i64) -> Result<Vec<Event>> {
    Ok(read!(db, c => sqlx::query_as(history_sql!("")).bind(opportunity_id).fetch_all(c).await)?)
}

/// The newest `n` events of the deal's history, newest first (the deal page; a deal changed every
/// day for a year has hundreds). The caller has checked the deal is visible.
pub async fn recent(db: &Db, opportunity_id: i64, n: i64) -> Result<Vec<Event>> {
    let sql = sqlx::AssertSqlSafe(format!(history_sql!("{}"), crate::scope::limit(n)));
    Ok(read!(db, c => sqlx::query_as(sql).bind(opportunity_id).fetch_all(c).await)?)
}

impl Event {
    /// The deal as this event left it.
    pub fn state(&self) -> DealState {
        DealState {
            stage_id: self.stage_id,
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
            expected_close_date: self.expected_close_date,
            status: self.status,
            close_reason: self.close_reason.clone(),
            owner_id: self.owner_id,
            team_id: self.team_id,
            certainty: self.certainty,
            certainty_evidence: self.certainty_evidence,
            tracked: self.tracked,
            grade: self.grade.clone(),
            next_review_date: self.next_review_date,
            deleted: self.deleted,
        }
    }
}

/// A deal's state as a row gives it: the deal's own (its `deleted_at` read as `deleted`) or an
/// event's.
#[derive(sqlx::FromRow)]
struct StateRow {
    stage_id: i64,
    amount_minor: i64,
    currency: String,
    expected_close_date: NaiveDate,
    #[sqlx(try_from = "String")]
    status: OppStatus,
    close_reason: String,
    owner_id: i64,
    team_id: Option<i64>,
    certainty: i64,
    certainty_evidence: i64,
    tracked: bool,
    grade: Option<String>,
    next_review_date: Option<NaiveDate>,
    deleted: bool,
}

impl From<StateRow> for DealState {
    fn from(c: StateRow) -> DealState {
        DealState {
            stage_id: c.stage_id,
            amount_minor: c.amount_minor,
            currency: c.currency,
            expected_close_date: c.expected_close_date,
            status: c.status,
            close_reason: c.close_reason,
            owner_id: c.owner_id,
            team_id: c.team_id,
            certainty: c.certainty,
            certainty_evidence: c.certainty_evidence,
            tracked: c.tracked,
            grade: c.grade,
            next_review_date: c.next_review_date,
            deleted: c.deleted,
        }
    }
}

/// A deal as it stands, for the replay.
#[derive(sqlx::FromRow)]
struct Current {
    id: i64,
    name: String,
    #[sqlx(flatten)]
    state: StateRow,
}

/// An event as the replay reads it: what it says changed, and the state after it.
#[derive(sqlx::FromRow)]
struct ReplayedRow {
    #[sqlx(flatten)]
    event: Replayed,
    #[sqlx(flatten)]
    state: StateRow,
}

#[derive(sqlx::FromRow)]
struct Replayed {
    opportunity_id: i64,
    at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    kind: EventKind,
    from_value: Option<String>,
    to_value: Option<String>,
}

/// What [`check_replay`] found.
#[derive(Debug, Default)]
pub struct ReplayReport {
    pub deals: u64,
    pub events: u64,
    /// The deals whose history does not replay to them, with why (at most the first 100).
    pub failures: Vec<(i64, ReplayError)>,
    pub failed: u64,
}

/// How many deals [`check_replay`] reads at a time.
const REPLAY_BATCH: i64 = 2_000;

/// Replays every deal's history and checks it against the deal as it stands
/// ([`opportune_core::history::replay`]), a batch of deals at a time.
pub async fn check_replay(db: &Db) -> Result<ReplayReport> {
    let mut report = ReplayReport::default();
    let mut after = 0_i64;
    loop {
        let deals: Vec<Current> = read!(db, c => sqlx::query_as(concat!(
            "SELECT id, name, ", deal_columns!(), ", deleted_at IS NOT NULL AS deleted FROM opportunities WHERE id > $1 ORDER BY id LIMIT $2"
        )).bind(after).bind(REPLAY_BATCH).fetch_all(c).await)?;
        let Some(last) = deals.last().map(|d| d.id) else {
            return Ok(report);
        };
        let events: Vec<ReplayedRow> = read!(db, c => sqlx::query_as(concat!(
            "SELECT opportunity_id, at, kind, from_value, to_value, ", deal_columns!(), ", deleted FROM opportunity_events WHERE opportunity_id > $1 AND opportunity_id <= $2 ORDER BY opportunity_id, at, id"
        )).bind(after).bind(last).fetch_all(c).await)?;
        report.events += events.len() as u64;
        let states: Vec<(Replayed, DealState)> = events
            .into_iter()
            .map(|e| {
                let state = e.state.into();
                (e.event, state)
            })
            .collect();
        let mut rest = states.as_slice();
        for deal in deals {
            let id = deal.id;
            let n = rest.iter().take_while(|e| e.0.opportunity_id == id).count();
            let (mine, others) = rest.split_at(n);
            rest = others;
            let recorded: Vec<Recorded> = mine
                .iter()
                .map(|(e, state)| Recorded {
                    at: e.at,
                    kind: e.kind,
                    from: e.from_value.as_deref(),
                    to: e.to_value.as_deref(),
                    state,
                })
                .collect();
            report.deals += 1;
            if let Err(e) = replay(&recorded, &deal.state.into(), &deal.name) {
                report.failed += 1;
                if report.failures.len() < 100 {
                    report.failures.push((id, e));
                }
            }
        }
        after = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writes_events_are_numbered_after_its_own_parameters() {
        let sql = recorded(
            Backend::Postgres,
            "UPDATE opportunities SET amount_minor = $4 WHERE id = $6",
            Written::Updated(6),
            (ActorKind::User, 1, 5),
            8,
            2,
        );
        assert!(
            sql.starts_with(concat!(
                "WITH d AS (UPDATE opportunities SET amount_minor = $4 WHERE id = $6 RETURNING id, ",
                deal_columns!(),
                ", deleted_at)"
            )),
            "{sql}"
        );
        assert!(
            sql.contains("SELECT d.id, 'user', $1, $5, x.kind")
                && sql.contains("d.stage_id, s.probability, d.amount_minor")
                && sql.contains("(VALUES ($8, $9, $10, $11, $12), ($13, $14, $15, $16, $17))")
                && sql.ends_with("SELECT id FROM d"),
            "{sql}"
        );
        let by_import = recorded(
            Backend::Postgres,
            "INSERT INTO opportunities (name) VALUES ($1)",
            Written::Inserted,
            (ActorKind::Import, 2, 3),
            4,
            1,
        );
        assert!(
            by_import.contains("SELECT d.id, 'import', $2, $3, x.kind"),
            "{by_import}"
        );
    }

    /// On SQLite a write and its events are two statements of one query: the events go to the
    /// deal the write inserted (read before the first event changes `last_insert_rowid()`), in
    /// their order, and none follow a write that changed nothing.
    #[tokio::test]
    async fn on_sqlite_the_events_follow_their_write() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::connect(None, dir.path()).await.expect("SQLite opens");
        crate::prepare(&db).await.expect("SQLite prepares");
        let Db::Sqlite { write: pool, .. } = &db else {
            panic!("SQLite")
        };
        let at = crate::now();
        for sql in [
            "INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (7, 'r@x.cn', 'R', 'h', 'rep', $1)",
            "INSERT INTO accounts (id, name, owner_id, created_at, updated_at) VALUES (7, 'A', 7, $1, $1)",
        ] {
            sqlx::query(sql).bind(at).execute(pool).await.expect(sql);
        }
        let stage: i64 =
            sqlx::query_scalar("SELECT id FROM stages ORDER BY process_id, position LIMIT 1")
                .fetch_one(pool)
                .await
                .expect("a stage");
        let insert = "INSERT INTO opportunities (account_id, name, owner_id, expected_close_date, process_id, stage_id, stage_entered_at, created_at, updated_at) SELECT 7, 'D', 7, '2027-01-01', s.process_id, s.id, $3, $3, $3 FROM stages s WHERE s.id = $4";
        let sql = recorded(
            Backend::Sqlite,
            insert,
            Written::Inserted,
            (ActorKind::User, 2, 3),
            5,
            2,
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(0_i64)
            .bind(7_i64)
            .bind(at)
            .bind(stage);
        for kind in ["created", "certainty"] {
            q = q
                .bind(kind)
                .bind(None::<String>)
                .bind(kind)
                .bind(None::<String>)
                .bind(None::<String>);
        }
        let ids = q.fetch_all(pool).await.expect("the deal and its events");
        let kinds: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT opportunity_id, kind, to_value FROM opportunity_events ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .expect("the events");
        assert_eq!(
            kinds,
            [
                (ids[0], "created".to_owned(), "created".to_owned()),
                (ids[0], "certainty".to_owned(), "certainty".to_owned())
            ]
        );

        let update = "UPDATE opportunities SET amount_minor = $4 WHERE id = $5 AND version = $6";
        let sql = recorded(
            Backend::Sqlite,
            update,
            Written::Updated(5),
            (ActorKind::User, 2, 3),
            7,
            1,
        );
        for (version, changed) in [(99_i64, 0_u64), (1, 2)] {
            let n = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(0_i64)
                .bind(7_i64)
                .bind(at)
                .bind(500_i64)
                .bind(ids[0])
                .bind(version)
                .bind("amount")
                .bind("0")
                .bind("500")
                .bind(None::<String>)
                .bind(None::<String>)
                .execute(pool)
                .await
                .expect("the update")
                .rows_affected();
            assert_eq!(n, changed, "the deal and its event, or nothing");
        }
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM opportunity_events WHERE kind = 'amount' AND amount_minor = 500",
        )
        .fetch_one(pool)
        .await
        .expect("the count");
        assert_eq!(events, 1, "a stale update records nothing");
        db.close().await;
    }
}
