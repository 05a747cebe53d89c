//! Opportunities (商机), their criteria ticks, stage moves and the append-only event history.
//!
//! Current state lives in `opportunities`; every change of stage, certainty, amount, close date,
//! owner or status is appended to `opportunity_events` in the same transaction.

use crate::bulk::Backend;
use crate::history::{Change, Written, bind_changes, inline, record, recorded};
use crate::processes::StageRow;
use crate::scope::{Scope, among, and, like};
use crate::visibility::{self, Kind, subtree_owners};
use crate::{
    Db, DbError, Page, Paging, Result, Tx, Viewer, bind_viewer, controls, now, read, write,
};
use chrono::{DateTime, NaiveDate, Utc};
use opportune_core::history::{Actor, ActorKind, EventKind};
use opportune_core::process::StageUnmet;
use opportune_core::records::OppStatus;

#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Opportunity {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub name: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub process_id: i64,
    pub stage_id: i64,
    pub stage_name_zh: String,
    pub stage_name_en: String,
    pub probability: i64,
    pub stage_entered_at: DateTime<Utc>,
    pub certainty: i64,
    pub certainty_evidence: i64,
    pub smart_goal: String,
    pub source: String,
    pub competitors: String,
    #[sqlx(try_from = "String")]
    pub status: OppStatus,
    /// Why it was won or lost.
    pub close_reason: String,
    pub tracked: bool,
    pub grade: Option<String>,
    pub first_meeting_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether the viewer controls the deal (else it is shared with them, read only).
    pub editable: bool,
}

/// The editable fields of an opportunity, validated by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct OppInput {
    pub account_id: i64,
    pub name: String,
    pub owner_id: i64,
    pub amount_minor: i64,
    pub expected_close_date: NaiveDate,
    pub certainty: i64,
    pub certainty_evidence: i64,
    pub smart_goal: String,
    pub source: String,
    pub competitors: String,
    pub status: OppStatus,
    pub close_reason: String,
    pub tracked: bool,
    pub grade: Option<String>,
    pub first_meeting_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
}

impl From<&Opportunity> for OppInput {
    fn from(o: &Opportunity) -> Self {
        OppInput {
            account_id: o.account_id,
            name: o.name.clone(),
            owner_id: o.owner_id,
            amount_minor: o.amount_minor,
            expected_close_date: o.expected_close_date,
            certainty: o.certainty,
            certainty_evidence: o.certainty_evidence,
            smart_goal: o.smart_goal.clone(),
            source: o.source.clone(),
            competitors: o.competitors.clone(),
            status: o.status,
            close_reason: o.close_reason.clone(),
            tracked: o.tracked,
            grade: o.grade.clone(),
            first_meeting_date: o.first_meeting_date,
            next_review_date: o.next_review_date,
        }
    }
}

/// The columns of [`Opportunity`] (and `$extra` ones) and the joins they need, before any `WHERE`.
macro_rules! columns {
    () => {
        columns!("")
    };
    ($extra:literal) => {
        concat!("SELECT o.id, o.account_id, a.name AS account_name, o.name, o.owner_id, u.name AS owner_name, o.team_id, o.amount_minor, o.currency, o.expected_close_date, o.process_id, o.stage_id, s.name_zh AS stage_name_zh, s.name_en AS stage_name_en, s.probability, o.stage_entered_at, o.certainty, o.certainty_evidence, o.smart_goal, o.source, o.competitors, o.status, o.close_reason, o.tracked, o.grade, o.first_meeting_date, o.next_review_date, o.closed_at, o.created_at, o.updated_at, o.version, ", controls!("o"), " AS editable", $extra, " FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id JOIN stages s ON s.id = o.stage_id")
    };
}

macro_rules! select {
    ($rest:expr) => {
        concat!(columns!(), " WHERE ", crate::sees!(opportunity), $rest)
    };
}

/// A deal as a card of the board: what the card shows and what moving it needs. A third of the
/// columns of [`Opportunity`]: reading and sending a board of hundreds of cards is most of its
/// cost.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Card {
    pub id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub stage_id: i64,
    pub certainty: i64,
    pub tracked: bool,
    pub version: i64,
    /// Whether the viewer controls the deal (else it is shared with them: shown, not moved).
    pub editable: bool,
}

/// The columns of [`Card`] and the joins they need, before any `WHERE`.
macro_rules! card_columns {
    () => {
        concat!("SELECT o.id, o.name, o.account_id, a.name AS account_name, o.owner_id, u.name AS owner_name, o.amount_minor, o.currency, o.expected_close_date, o.stage_id, o.certainty, o.tracked, o.version, ", controls!("o"), " AS editable FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id")
    };
}

/// The filters of the list and the board. All optional; `close_from..=close_to` is inclusive.
#[derive(Debug, Clone, Default)]
pub struct OppFilter {
    pub q: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub process_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub status: Option<String>,
    pub account_id: Option<i64>,
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
}

/// The `WHERE` clause of the list and the board for viewer `v` and filter `f`, on the fixed
/// parameters `$1..$3` ([`bind_viewer!`]) and `$4..$12` ([`bind_filter!`]), assembled from the
/// literal fragments below only. Just the clauses that apply are written, as plain conjunctions,
/// so the planner can serve them from an index: the single-text form `($n IS NULL OR o.x = $n)`
/// with `($2 = 'admin' OR …)` left SQLite no index to use, and every board and list read the
/// whole table (docs/PERFORMANCE.md). The parameters a text does not mention are still bound:
/// SQLite leaves them out and PostgreSQL is told their types.
fn scope(db: &Db, v: &Viewer, f: &OppFilter, pattern: Option<&str>) -> Scope {
    Scope::new(
        db,
        v.role,
        Kind::Opportunity,
        &[
            (true, "o.deleted_at IS NULL"),
            (
                pattern.is_some(),
                "LOWER(o.name) LIKE LOWER($4) ESCAPE '\\'",
            ),
            (f.owner_id.is_some(), "o.owner_id = $5"),
            (
                f.team_id.is_some(),
                "o.team_id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = $6)",
            ),
            (f.process_id.is_some(), "o.process_id = $7"),
            (f.stage_id.is_some(), "o.stage_id = $8"),
            (f.status.is_some(), "o.status = $9"),
            (f.account_id.is_some(), "o.account_id = $10"),
            (f.close_from.is_some(), "o.expected_close_date >= $11"),
            (f.close_to.is_some(), "o.expected_close_date <= $12"),
        ],
    )
}

macro_rules! bind_filter {
    ($q:expr, $v:expr, $f:expr, $like:expr) => {
        bind_viewer!($q, $v)
            .bind($like)
            .bind($f.owner_id)
            .bind($f.team_id)
            .bind($f.process_id)
            .bind($f.stage_id)
            .bind(&$f.status)
            .bind($f.account_id)
            .bind($f.close_from)
            .bind($f.close_to)
    };
}

/// The orders the list can be sorted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    CloseAsc,
    CloseDesc,
    AmountDesc,
    AmountAsc,
    NameAsc,
    UpdatedDesc,
    CertaintyDesc,
}

impl Sort {
    pub const ALL: [Sort; 7] = [
        Sort::CloseAsc,
        Sort::CloseDesc,
        Sort::AmountDesc,
        Sort::AmountAsc,
        Sort::NameAsc,
        Sort::UpdatedDesc,
        Sort::CertaintyDesc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::CloseAsc => "close",
            Sort::CloseDesc => "-close",
            Sort::AmountDesc => "-amount",
            Sort::AmountAsc => "amount",
            Sort::NameAsc => "name",
            Sort::UpdatedDesc => "-updated",
            Sort::CertaintyDesc => "-certainty",
        }
    }

    pub fn parse(s: &str) -> Result<Sort, &'static str> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or("invalid_choice")
    }

    fn order(self) -> &'static str {
        match self {
            Sort::CloseAsc => " ORDER BY o.expected_close_date, o.id",
            Sort::CloseDesc => " ORDER BY o.expected_close_date DESC, o.id DESC",
            Sort::AmountDesc => " ORDER BY o.amount_minor DESC, o.id DESC",
            Sort::AmountAsc => " ORDER BY o.amount_minor, o.id",
            Sort::NameAsc => " ORDER BY o.name, o.id",
            Sort::UpdatedDesc => " ORDER BY o.updated_at DESC, o.id DESC",
            Sort::CertaintyDesc => " ORDER BY o.certainty DESC, o.id DESC",
        }
    }

    /// The index that holds the deals in this order (ties by id, each read forwards or
    /// backwards as a whole).
    fn index(self) -> &'static str {
        match self {
            Sort::CloseAsc | Sort::CloseDesc => "opportunities_close",
            Sort::AmountDesc | Sort::AmountAsc => "opportunities_amount",
            Sort::NameAsc => "opportunities_name",
            Sort::UpdatedDesc => "opportunities_updated",
            Sort::CertaintyDesc => "opportunities_certainty",
        }
    }
}

pub async fn list(
    db: &Db,
    v: &Viewer,
    f: &OppFilter,
    sort: Sort,
    p: Paging,
) -> Result<Page<Opportunity>> {
    let pattern = like(f.q.as_deref());
    let scope = scope(db, v, f, pattern.as_deref());
    // The total, and the table's size when it is read with it (the count's query).
    let (total, rows) = if let Some(months) = in_months(f) {
        let total = stage_sums_from_totals(db, v, f, &months)
            .await?
            .iter()
            .map(|s| s.count)
            .sum();
        (total, None)
    } else {
        let count = sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*), {} FROM opportunities o WHERE {}",
            crate::scope::rows_of("opportunities"),
            scope.all
        ));
        let (total, rows) = read!(db, c => bind_filter!(sqlx::query_as::<_, (i64, i64)>(count), v, f, &pattern).fetch_one(c).await)?;
        (total, Some(rows))
    };
    // Both statements are assembled from literals only: the scope, the table (read in the
    // sort's order when many deals match) and the chosen ORDER BY. The page is sorted and cut
    // on the bare deals; only its rows are joined to their account, owner and stage.
    let from = crate::scope::source(
        db,
        "opportunities",
        (sort.index(), sort.order()),
        &scope,
        total,
        rows,
        p,
    )
    .await?;
    let sql = sqlx::AssertSqlSafe(crate::scope::page(
        columns!(),
        &from,
        &scope.all,
        sort.order(),
        p.limit,
        p.offset,
    ));
    let items =
        read!(db, c => bind_filter!(sqlx::query_as(sql), v, f, &pattern).fetch_all(c).await)?;
    Ok(Page {
        items,
        total,
        limit: p.limit,
        offset: p.offset,
    })
}

pub async fn get(db: &Db, v: &Viewer, id: i64) -> Result<Opportunity> {
    read!(db, c => bind_viewer!(sqlx::query_as(select!(" AND o.deleted_at IS NULL AND o.id = $4")), v).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

#[derive(sqlx::FromRow)]
struct WithChecks {
    #[sqlx(flatten)]
    opp: Opportunity,
    checks: Option<String>,
    shared: bool,
}

/// A deal read whole: the ids of its ticked criteria in order, and whether it is shared with
/// anyone (its page reads with whom only then: most deals are not, docs/PERFORMANCE.md, fix 31).
#[derive(Debug, Clone)]
pub struct DealRead {
    pub deal: Opportunity,
    pub checks: Vec<i64>,
    pub shared: bool,
}

/// A deal with its ticked criteria and whether it is shared, in one query: a deal read is one
/// round trip after the sign-in (docs/PERFORMANCE.md, fix 15).
pub async fn get_with_checks(db: &Db, v: &Viewer, id: i64) -> Result<DealRead> {
    const SQL: &str = concat!(
        columns!(
            ", (SELECT string_agg(CAST(k.item_id AS TEXT), ',' ORDER BY k.item_id) FROM opportunity_checks k WHERE k.opportunity_id = o.id) AS checks, EXISTS (SELECT 1 FROM shares s WHERE s.record_kind = 'opportunity' AND s.record_id = o.id) AS shared"
        ),
        " WHERE ",
        crate::sees!(opportunity),
        " AND o.deleted_at IS NULL AND o.id = $4"
    );
    let row: WithChecks =
        read!(db, c => bind_viewer!(sqlx::query_as(SQL), v).bind(id).fetch_optional(c).await)?
            .ok_or(DbError::NotFound)?;
    let checks = row
        .checks
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|x| !x.is_empty())
        .map(str::parse)
        .collect::<std::result::Result<Vec<i64>, _>>()
        .map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?;
    Ok(DealRead {
        deal: row.opp,
        checks,
        shared: row.shared,
    })
}

/// One column head of the board.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageSum {
    pub stage_id: i64,
    pub count: i64,
    pub amount_minor: i64,
}

/// Count and amount per stage for the filter. Read from the pre-aggregated `board_totals` when
/// they can answer it (see `in_months`), else from the deals ([`stage_sums_scanned`]).
pub async fn stage_sums(db: &Db, v: &Viewer, f: &OppFilter) -> Result<Vec<StageSum>> {
    match in_months(f) {
        Some(months) => stage_sums_from_totals(db, v, f, &months).await,
        None => stage_sums_scanned(db, v, f).await,
    }
}

/// The filter in the terms of `board_totals` (kept per process, status, owner, stage and close
/// month), when they can answer it: nothing filters on what they do not keep (name, account,
/// stage), and the close dates, if bounded, are whole months. The
/// range then ends at the first day of its last month, as the totals' months are written.
fn in_months(f: &OppFilter) -> Option<OppFilter> {
    use chrono::Datelike;
    let kept = f.q.is_none() && f.account_id.is_none() && f.stage_id.is_none();
    let from_whole = f.close_from.is_none_or(|d| d.day() == 1);
    let to_whole = f
        .close_to
        .is_none_or(|d| d.succ_opt().is_some_and(|n| n.day() == 1));
    (kept && from_whole && to_whole).then(|| OppFilter {
        close_to: f.close_to.and_then(|d| d.with_day(1)),
        ..f.clone()
    })
}

/// The column heads from `board_totals`: the viewer's own and their team subtree's deals by
/// owner (a record's team is its owner's team), plus the deals only shared with them, read from
/// the deals (a handful). On the fixed parameters of [`scope`], bound from `months` ([`in_months`]).
async fn stage_sums_from_totals(
    db: &Db,
    v: &Viewer,
    f: &OppFilter,
    months: &OppFilter,
) -> Result<Vec<StageSum>> {
    use opportune_core::records::Role;
    // A record's team is its owner's team, so the totals find a team's deals by their owners
    // (`visibility::totals_owners`).
    let owners = visibility::totals_owners(db, v.role);
    let team_filter = among(db, "t.owner_id", subtree_owners!("$6"));
    let mut sql = and(
        String::from(
            "SELECT t.stage_id, CAST(SUM(t.deals) AS BIGINT) AS count, CAST(SUM(t.amount_minor) AS BIGINT) AS amount_minor FROM board_totals t WHERE TRUE",
        ),
        &[
            (owners.is_some(), owners.as_deref().unwrap_or_default()),
            (f.process_id.is_some(), "t.process_id = $7"),
            (f.status.is_some(), "t.status = $9"),
            // Deleted deals are kept under 'deleted' (migration 0013).
            (f.status.is_none(), "t.status <> 'deleted'"),
            (f.owner_id.is_some(), "t.owner_id = $5"),
            (f.team_id.is_some(), team_filter.as_str()),
            (f.close_from.is_some(), "t.close_month >= $11"),
            (months.close_to.is_some(), "t.close_month <= $12"),
        ],
    );
    sql.push_str(" GROUP BY t.stage_id HAVING SUM(t.deals) > 0");
    let none: Option<String> = None;
    let mut sums: Vec<StageSum> = read!(db, c => bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), v, months, &none).fetch_all(c).await)?;
    if v.role != Role::Admin {
        let shared = format!(
            "SELECT o.stage_id, COUNT(*) AS count, CAST(COALESCE(SUM(o.amount_minor), 0) AS BIGINT) AS amount_minor FROM opportunities o WHERE {} AND {} GROUP BY o.stage_id",
            visibility::only_shared_deals(db, v.role),
            scope(
                db,
                &Viewer {
                    role: Role::Admin,
                    ..*v
                },
                f,
                None
            )
            .all
        );
        let extra: Vec<StageSum> = read!(db, c => bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(shared.clone())), v, f, &none).fetch_all(c).await)?;
        for x in extra {
            match sums.iter_mut().find(|s| s.stage_id == x.stage_id) {
                Some(s) => {
                    s.count += x.count;
                    s.amount_minor += x.amount_minor;
                }
                None => sums.push(x),
            }
        }
    }
    Ok(sums)
}

/// Count and amount per stage read from the deals themselves, for any filter (one grouped
/// query); the reference `board_totals` is checked against.
pub async fn stage_sums_scanned(db: &Db, v: &Viewer, f: &OppFilter) -> Result<Vec<StageSum>> {
    let pattern = like(f.q.as_deref());
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT o.stage_id, COUNT(*) AS count, CAST(COALESCE(SUM(o.amount_minor), 0) AS BIGINT) AS amount_minor FROM opportunities o WHERE {} GROUP BY o.stage_id",
        scope(db, v, f, pattern.as_deref()).all
    ));
    Ok(read!(db, c => bind_filter!(sqlx::query_as(sql), v, f, &pattern).fetch_all(c).await)?)
}

/// The first `per_column` cards of every stage (soonest close first), skipping `offset` cards in
/// each column. A board of many deals (a manager's or an admin's, not narrowed to one owner) is
/// read with one short query per stage of `stages` (the process's, in order): each reads its stage
/// in close-date order and stops after `offset + per_column` cards, so the team's deals are not all
/// sorted. One person's deals are few: a single query numbers them per stage (on the bare
/// `opportunities` rows, from the owner's index) and joins only the cards shown — per-stage reads
/// would walk the stage's close-date order past everyone else's deals. When a rep's deals
/// (`deals`, the board's count) are many times what the columns show (`cut_columns_first`),
/// their own are first cut to each column's first cards, read from the owner's index in its
/// order (`Scope::rep_rows`), then numbered with those shared with them.
pub async fn board_cards(
    db: &Db,
    v: &Viewer,
    f: &OppFilter,
    stages: &[i64],
    deals: i64,
    per_column: i64,
    offset: i64,
) -> Result<Vec<Card>> {
    if stages.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = like(f.q.as_deref());
    let many = v.role != opportune_core::records::Role::Rep && f.owner_id.is_none();
    if !many || f.stage_id.is_some() {
        let scope = scope(db, v, f, pattern.as_deref());
        let first = offset.saturating_add(per_column);
        let from = cut_columns_first(deals, stages.len(), first)
            .then(|| {
                let columns: Vec<String> = stages
                    .iter()
                    .map(|stage| format!(" AND o.stage_id = {stage}"))
                    .collect();
                scope.rep_rows(
                    "opportunities",
                    &columns,
                    " ORDER BY o.expected_close_date, o.id",
                    first,
                )
            })
            .flatten()
            .unwrap_or_else(|| "opportunities o".to_owned());
        let sql = sqlx::AssertSqlSafe(format!(
            "{} JOIN (SELECT o.id AS card_id, ROW_NUMBER() OVER (PARTITION BY o.stage_id ORDER BY o.expected_close_date, o.id) AS rn FROM {from} WHERE {}) r ON r.card_id = o.id WHERE r.rn > {offset} AND r.rn <= {first} ORDER BY o.stage_id, r.rn",
            card_columns!(),
            scope.all,
        ));
        return Ok(
            read!(db, c => bind_filter!(sqlx::query_as(sql), v, f, &pattern).fetch_all(c).await)?,
        );
    }
    // Each column's query names its stage, and the board's process and status, in its text.
    // Bound, PostgreSQL planned every run of it again: the generic plan of `status = $9` is
    // costed for an average status, dearer than the custom plan for `open` (three deals in
    // four), so it was never kept — 0.42 ms of planning for 0.39 of executing (fix 28).
    let status = f
        .status
        .as_deref()
        .and_then(|s| opportune_core::records::OppStatus::parse(s).ok());
    let named = OppFilter {
        process_id: None,
        status: f.status.clone().filter(|_| status.is_none()),
        ..f.clone()
    };
    let fixed: String = [
        f.process_id.map(|p| format!(" AND o.process_id = {p}")),
        status.map(|s| format!(" AND o.status = '{}'", s.as_str())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let scope = scope(db, v, &named, pattern.as_deref()).all;
    let mut cards = Vec::new();
    for &stage in stages {
        let sql = sqlx::AssertSqlSafe(format!(
            "{} WHERE {scope}{fixed} AND o.stage_id = {stage} ORDER BY o.expected_close_date, o.id{}",
            card_columns!(),
            crate::scope::window(per_column, offset)
        ));
        cards.extend(
            read!(db, c => bind_filter!(sqlx::query_as::<_, Card>(sql), v, &named, &pattern).fetch_all(c).await)?,
        );
    }
    Ok(cards)
}

/// Whether a rep's board reads the first `first` cards of each of its `columns` from the
/// owner's index before numbering them, rather than numbering all their `deals`: worth it when
/// the deals are many times what the columns can show. On PostgreSQL at 1M (a rep's 1,454 open
/// deals, 300 cards at most) it saved a fifth; at 100k (about 500) the per-column reads cost
/// more than they saved (rebuilt board 43–46 → 45–58 ms p95, docs/PERFORMANCE.md, fix 27).
/// With 20 cards a column (fix 30) the columns show 120: at 100k they are cut first too.
fn cut_columns_first(deals: i64, columns: usize, first: i64) -> bool {
    let shown = i64::try_from(columns)
        .unwrap_or(i64::MAX)
        .saturating_mul(first);
    deals > shown.saturating_mul(2)
}

pub async fn checks(db: &Db, opportunity_id: i64) -> Result<Vec<i64>> {
    Ok(
        read!(db, c => sqlx::query_scalar("SELECT item_id FROM opportunity_checks WHERE opportunity_id = $1 ORDER BY item_id")
        .bind(opportunity_id).fetch_all(c).await)?,
    )
}

/// Creates a deal in `stage_id` (the first stage of its process) and records its creation.
pub async fn create(
    db: &Db,
    v: &Viewer,
    x: &OppInput,
    process_id: i64,
    stage_id: i64,
    currency: &str,
) -> Result<Opportunity> {
    let deal = (*v, x.clone(), (process_id, stage_id), currency.to_owned());
    let id = db
        .write(deal, |tx, (v, x, at, currency)| {
            Box::pin(insert(tx, v, x, *at, currency))
        })
        .await?;
    get(db, v, id).await
}

/// Inserts a deal at `stage` of `process` in `tx`, with its "created" event by the viewer; the
/// caller has validated it and checked the account and owner.
pub(crate) async fn insert(
    tx: &mut Tx,
    v: &Viewer,
    x: &OppInput,
    (process_id, stage_id): (i64, i64),
    currency: &str,
) -> Result<i64> {
    // The owner's team is read in the statement: one round trip less while the write lock is
    // held (docs/PERFORMANCE.md, fix 20). No row when the owner does not exist.
    const INSERT: &str = "INSERT INTO opportunities (account_id, name, owner_id, team_id, amount_minor, currency, expected_close_date, process_id, stage_id, stage_entered_at, certainty, certainty_evidence, smart_goal, source, competitors, status, tracked, grade, first_meeting_date, next_review_date, closed_at, close_reason, created_at, updated_at) SELECT $1, $2, u.id, u.team_id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $9, $9 FROM users u WHERE u.id = $3";
    let ts = now();
    let closed_at = x.status.closed_at(None, ts);
    let changes = [Change {
        from: None,
        ..Change::of(EventKind::Created, &"", &stage_id)
    }];
    let sql = sqlx::AssertSqlSafe(recorded(
        Backend::of_tx(tx),
        INSERT,
        Written::Inserted,
        (ActorKind::User, 22, 9),
        23,
        changes.len(),
    ));
    // All rows: on SQLite the events' statement follows the deal's and must run too.
    let ids: Vec<i64> = write!(tx, c => {
        let q = sqlx::query_scalar(sql).bind(x.account_id).bind(&x.name).bind(x.owner_id).bind(x.amount_minor).bind(currency)
            .bind(x.expected_close_date).bind(process_id).bind(stage_id).bind(ts).bind(x.certainty).bind(x.certainty_evidence)
            .bind(&x.smart_goal).bind(&x.source).bind(&x.competitors).bind(x.status.as_str()).bind(x.tracked).bind(&x.grade)
            .bind(x.first_meeting_date).bind(x.next_review_date).bind(closed_at).bind(&x.close_reason).bind(v.user_id);
        bind_changes!(q, true, &changes).fetch_all(c).await
    })?;
    let id = ids.first().copied().ok_or(DbError::NotFound)?;
    Ok(id)
}

/// The instant an update saved at `at` with its events ([`recorded`]) was saved; none if it
/// changed no row (`n`).
fn updated(n: u64, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (n > 0).then_some(at)
}

/// Saves an edit of `before` (the deal as the editor read it: the edit is made against its
/// version, and its fields are the `from` of the events), recording an event for each tracked
/// field that changed. Stale if the deal changed since.
pub async fn update(
    db: &Db,
    v: &Viewer,
    before: &Opportunity,
    x: &OppInput,
) -> Result<Opportunity> {
    if !before.editable {
        return Err(DbError::ReadOnly);
    }
    let edit = (*v, before.clone(), x.clone());
    let saved = db
        .write(edit, |tx, (v, before, x)| Box::pin(save(tx, v, before, x)))
        .await?;
    let Some(at) = saved else {
        return Err(crate::refusal(
            get(db, v, before.id).await.map(|r| r.editable),
            DbError::Stale,
        ));
    };
    // The row is `before` with the edit applied (the version matched), so the answer needs no
    // read, but for the names and the team that follow a new account or owner.
    if x.account_id == before.account_id && x.owner_id == before.owner_id {
        return Ok(edited_deal(before, x, at));
    }
    get(db, v, before.id).await
}

/// When a deal edited at `at` is closed ([`OppStatus::closed_at`]).
fn closed_at(before: &Opportunity, x: &OppInput, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    x.status
        .closed_at(Some((before.status, before.closed_at)), at)
}

/// `before` as an edit of its account-independent, owner-independent fields saved it at `at`.
fn edited_deal(before: &Opportunity, x: &OppInput, at: DateTime<Utc>) -> Opportunity {
    Opportunity {
        name: x.name.clone(),
        amount_minor: x.amount_minor,
        expected_close_date: x.expected_close_date,
        certainty: x.certainty,
        certainty_evidence: x.certainty_evidence,
        smart_goal: x.smart_goal.clone(),
        source: x.source.clone(),
        competitors: x.competitors.clone(),
        status: x.status,
        close_reason: x.close_reason.clone(),
        tracked: x.tracked,
        grade: x.grade.clone(),
        first_meeting_date: x.first_meeting_date,
        next_review_date: x.next_review_date,
        closed_at: closed_at(before, x, at),
        updated_at: at,
        version: before.version + 1,
        ..before.clone()
    }
}

/// The statements of [`update`]: the instant saved, or none, having written nothing, if the
/// deal is no longer at the version read or the viewer may not edit it. (A refusal is not a
/// failure: the other writes of its batch stand.)
async fn save(
    tx: &mut Tx,
    v: &Viewer,
    before: &Opportunity,
    x: &OppInput,
) -> Result<Option<DateTime<Utc>>> {
    let id = before.id;
    let ts = now();
    let closed_at = closed_at(before, x, ts);
    let set = edited(before, x, closed_at);
    let changes = changes(before, x);
    let inline = inline(&changes);
    let update = update_sql(&set);
    let sql = sqlx::AssertSqlSafe(if inline {
        recorded(
            Backend::of_tx(tx),
            &update,
            Written::Updated(set.len() + 5),
            (ActorKind::User, 1, set.len() + 4),
            set.len() + 7,
            changes.len(),
        )
    } else {
        update
    });
    let n = write!(tx, c => {
        let mut q = bind_viewer!(sqlx::query(sql), v);
        for (_, value) in &set {
            q = match *value {
                Set::Int(n) => q.bind(n),
                Set::Text(t) => q.bind(t),
                Set::OptText(t) => q.bind(t),
                Set::Flag(f) => q.bind(f),
                Set::Date(d) => q.bind(d),
                Set::OptDate(d) => q.bind(d),
                Set::OptTime(t) => q.bind(t),
            };
        }
        q = q.bind(ts).bind(id).bind(before.version);
        bind_changes!(q, inline, &changes).execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(updated(n, ts))
}

/// The events an edit of `before` into `x` records: one for each field the history tracks that
/// it changes (a new reason without a new status has its own; with one, it rides on it).
fn changes<'a>(before: &Opportunity, x: &OppInput) -> Vec<Change<'a>> {
    let opt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let tracked = [
        (EventKind::Name, before.name.clone(), x.name.clone()),
        (
            EventKind::Amount,
            before.amount_minor.to_string(),
            x.amount_minor.to_string(),
        ),
        (
            EventKind::CloseDate,
            before.expected_close_date.to_string(),
            x.expected_close_date.to_string(),
        ),
        (
            EventKind::Certainty,
            before.certainty.to_string(),
            x.certainty.to_string(),
        ),
        (
            EventKind::Evidence,
            before.certainty_evidence.to_string(),
            x.certainty_evidence.to_string(),
        ),
        (
            EventKind::Owner,
            before.owner_id.to_string(),
            x.owner_id.to_string(),
        ),
        (
            EventKind::Status,
            before.status.as_str().to_owned(),
            x.status.as_str().to_owned(),
        ),
        (
            EventKind::CloseReason,
            before.close_reason.clone(),
            x.close_reason.clone(),
        ),
        (
            EventKind::Tracked,
            before.tracked.to_string(),
            x.tracked.to_string(),
        ),
        (
            EventKind::Grade,
            before.grade.clone().unwrap_or_default(),
            x.grade.clone().unwrap_or_default(),
        ),
        (
            EventKind::ReviewDate,
            opt(before.next_review_date),
            opt(x.next_review_date),
        ),
    ];
    let status_changed = before.status != x.status;
    tracked
        .into_iter()
        .filter(|(kind, from, to)| {
            from != to && !(*kind == EventKind::CloseReason && status_changed)
        })
        .map(|(kind, from, to)| Change::of(kind, &from, &to))
        .collect()
}

/// A value an edit sets, of one of the types of the deal's columns.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Set<'a> {
    Int(i64),
    Text(&'a str),
    OptText(Option<&'a str>),
    Flag(bool),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    OptTime(Option<DateTime<Utc>>),
}

/// The columns an edit of `before` changes, with their new values, in the order of
/// [`OppInput`]: only these are set. SQLite rewrites the entries of every index on a column an
/// `UPDATE` sets, changed or not, and a deal has twelve indexes (docs/PERFORMANCE.md, fix 24).
fn edited<'a>(
    before: &Opportunity,
    x: &'a OppInput,
    closed_at: Option<DateTime<Utc>>,
) -> Vec<(&'static str, Set<'a>)> {
    let mut set = Vec::new();
    // Each column is named as its field.
    macro_rules! put {
        ($field:ident, $value:expr) => {
            if x.$field != before.$field {
                set.push((stringify!($field), $value));
            }
        };
    }
    put!(account_id, Set::Int(x.account_id));
    put!(name, Set::Text(&x.name));
    put!(owner_id, Set::Int(x.owner_id));
    put!(amount_minor, Set::Int(x.amount_minor));
    put!(expected_close_date, Set::Date(x.expected_close_date));
    put!(certainty, Set::Int(x.certainty));
    put!(certainty_evidence, Set::Int(x.certainty_evidence));
    put!(smart_goal, Set::Text(&x.smart_goal));
    put!(source, Set::Text(&x.source));
    put!(competitors, Set::Text(&x.competitors));
    put!(status, Set::Text(x.status.as_str()));
    put!(close_reason, Set::Text(&x.close_reason));
    put!(tracked, Set::Flag(x.tracked));
    put!(grade, Set::OptText(x.grade.as_deref()));
    put!(first_meeting_date, Set::OptDate(x.first_meeting_date));
    put!(next_review_date, Set::OptDate(x.next_review_date));
    if closed_at != before.closed_at {
        set.push(("closed_at", Set::OptTime(closed_at)));
    }
    set
}

/// The `UPDATE` of an edit that sets `set` (from `$4`), then `updated_at`, the version, and
/// matches the deal's id and the version read, for a viewer who controls it. A new owner's team
/// is read in the statement (fix 20); an owner who does not exist fails the foreign key.
fn update_sql(set: &[(&str, Set)]) -> String {
    let mut columns: Vec<String> = (4..)
        .zip(set)
        .map(|(n, (column, _))| match *column {
            "owner_id" => format!(
                "owner_id = ${n}, team_id = (SELECT u.team_id FROM users u WHERE u.id = ${n})"
            ),
            _ => format!("{column} = ${n}"),
        })
        .collect();
    let n = set.len() + 4;
    columns.push(format!("updated_at = ${n}, version = version + 1"));
    format!(
        "UPDATE opportunities SET {} WHERE id = ${} AND version = ${} AND {}",
        columns.join(", "),
        n + 1,
        n + 2,
        controls!("opportunities")
    )
}

/// Replaces the ticked criteria and work items of a deal, against `version`.
pub async fn set_checks(
    db: &Db,
    v: &Viewer,
    id: i64,
    version: i64,
    item_ids: &[i64],
) -> Result<Opportunity> {
    let ticks = (*v, (id, version), item_ids.to_vec());
    let saved = db
        .write(ticks, |tx, (v, at, items)| {
            Box::pin(tick(tx, v, *at, items))
        })
        .await?;
    if !saved {
        return Err(crate::refusal(
            get(db, v, id).await.map(|r| r.editable),
            DbError::Stale,
        ));
    }
    get(db, v, id).await
}

/// The statements of [`set_checks`]; false, having written nothing, as [`save`].
async fn tick(tx: &mut Tx, v: &Viewer, (id, version): (i64, i64), items: &[i64]) -> Result<bool> {
    let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
        "UPDATE opportunities SET version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6 AND ", controls!("opportunities")
    )), v).bind(now()).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(false);
    }
    let before: Vec<i64> = write!(tx, c => sqlx::query_scalar("SELECT item_id FROM opportunity_checks WHERE opportunity_id = $1 ORDER BY item_id").bind(id).fetch_all(c).await)?;
    write!(tx, c => sqlx::query("DELETE FROM opportunity_checks WHERE opportunity_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    let ts = now();
    let mut after = items.to_vec();
    after.sort_unstable();
    after.dedup();
    if before != after {
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let change = Change::of(EventKind::Checks, &list(&before), &list(&after));
        record(tx, id, Actor::User(v.user_id), ts, [change]).await?;
    }
    for item in items {
        write!(tx, c => sqlx::query(
            "INSERT INTO opportunity_checks (opportunity_id, item_id, checked_by, checked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        ).bind(id).bind(item).bind(v.user_id).bind(ts).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(true)
}

/// Moves a deal to the stage `to` (of its process), provided it is still at its version (the
/// state the decision was made on). The override reason, if any, is kept on the stage event,
/// with the stages it entered past their unmet criteria (`skipped`). Answers with the deal moved, built from `opp` and `to` (the row is `opp` with the stage
/// changed: its version matched).
pub async fn move_stage(
    db: &Db,
    v: &Viewer,
    opp: &Opportunity,
    to: &StageRow,
    reason: Option<&str>,
    skipped: &[StageUnmet],
) -> Result<Opportunity> {
    if !opp.editable {
        return Err(DbError::ReadOnly);
    }
    let step = (
        *v,
        opp.clone(),
        (to.id, reason.map(str::to_owned)),
        skipped.to_vec(),
    );
    let moved = db
        .write(step, |tx, (v, opp, (to, reason), skipped)| {
            Box::pin(step_to(tx, v, opp, (*to, reason.as_deref()), skipped))
        })
        .await?;
    let at = moved.ok_or(DbError::Stale)?;
    Ok(Opportunity {
        stage_id: to.id,
        stage_name_zh: to.name_zh.clone(),
        stage_name_en: to.name_en.clone(),
        probability: to.probability,
        stage_entered_at: at,
        updated_at: at,
        version: opp.version + 1,
        ..opp.clone()
    })
}

/// The detail of a stage event that entered `skipped` stages past their unmet criteria.
fn skipped_detail(skipped: &[StageUnmet]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let stages: Vec<serde_json::Value> = skipped
        .iter()
        .map(|s| serde_json::json!({ "stage_id": s.stage_id, "unmet": s.unmet }))
        .collect();
    Some(serde_json::json!({ "skipped": stages }).to_string())
}

/// The statements of [`move_stage`]: the instant moved, or none, having written nothing, as
/// [`save`].
async fn step_to(
    tx: &mut Tx,
    v: &Viewer,
    opp: &Opportunity,
    (to_stage, reason): (i64, Option<&str>),
    skipped: &[StageUnmet],
) -> Result<Option<DateTime<Utc>>> {
    let ts = now();
    let changes = [Change {
        reason,
        detail: skipped_detail(skipped),
        ..Change::of(EventKind::Stage, &opp.stage_id, &to_stage)
    }];
    let inline = inline(&changes);
    let update = concat!(
        "UPDATE opportunities SET stage_id = $4, stage_entered_at = $5, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7 AND ",
        controls!("opportunities")
    );
    let sql = sqlx::AssertSqlSafe(if inline {
        recorded(
            Backend::of_tx(tx),
            update,
            Written::Updated(6),
            (ActorKind::User, 1, 5),
            8,
            changes.len(),
        )
    } else {
        update.to_owned()
    });
    let n = write!(tx, c => {
        let q = bind_viewer!(sqlx::query(sql), v).bind(to_stage).bind(ts).bind(opp.id).bind(opp.version);
        bind_changes!(q, inline, &changes).execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(updated(n, ts))
}

/// Deletes a deal the viewer controls. It is kept, with its history and its shares, marked
/// deleted: lists, boards and totals leave it out (the totals' triggers, migration 0013), and
/// a `deleted` event says who deleted it. An administrator can [`restore`] it.
pub async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<()> {
    let done = db
        .write((*v, id), |tx, (v, id)| Box::pin(mark_deleted(tx, v, *id)))
        .await?;
    if done {
        return Ok(());
    }
    Err(crate::refusal(
        get(db, v, id).await.map(|r| r.editable),
        DbError::NotFound,
    ))
}

/// The statements of [`delete`]; false, having written nothing, if the viewer does not control
/// the deal or it is deleted already.
async fn mark_deleted(tx: &mut Tx, v: &Viewer, id: i64) -> Result<bool> {
    let ts = now();
    let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
        "UPDATE opportunities SET deleted_at = $4, updated_at = $4, version = version + 1 WHERE id = $5 AND deleted_at IS NULL AND ",
        controls!("opportunities")
    )), v).bind(ts).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(false);
    }
    let change = Change::of(EventKind::Deleted, &false, &true);
    record(tx, id, Actor::User(v.user_id), ts, [change]).await?;
    Ok(true)
}

/// Brings a deleted deal back where it was, by `actor` (an administrator: the caller checks),
/// with a `restored` event. `NotFound` if there is no such deleted deal.
pub async fn restore(db: &Db, actor: Actor, id: i64) -> Result<()> {
    let done = db
        .write((actor, id), |tx, (actor, id)| {
            Box::pin(async move {
                let ts = now();
                let n = write!(tx, c => sqlx::query(
                    "UPDATE opportunities SET deleted_at = NULL, updated_at = $1, version = version + 1 WHERE id = $2 AND deleted_at IS NOT NULL"
                ).bind(ts).bind(*id).execute(c).await.map(|r| r.rows_affected()))?;
                if n == 0 {
                    return Ok(false);
                }
                let change = Change::of(EventKind::Restored, &true, &false);
                record(tx, *id, *actor, ts, [change]).await?;
                Ok(true)
            })
        })
        .await?;
    if done { Ok(()) } else { Err(DbError::NotFound) }
}

/// A deleted deal, with when it was deleted.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Deleted {
    #[sqlx(flatten)]
    pub deal: Opportunity,
    pub deleted_at: DateTime<Utc>,
}

/// The deleted deals, most recently deleted first (what an administrator may restore; the
/// caller checks the viewer is one).
pub async fn deleted(db: &Db, v: &Viewer, p: Paging) -> Result<Page<Deleted>> {
    let items: Vec<Deleted> = read!(db, c => bind_viewer!(sqlx::query_as(concat!(
        columns!(", o.deleted_at"),
        " WHERE o.deleted_at IS NOT NULL ORDER BY o.deleted_at DESC, o.id DESC LIMIT $4 OFFSET $5"
    )), v).bind(p.limit).bind(p.offset).fetch_all(c).await)?;
    let total: i64 = read!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM opportunities WHERE deleted_at IS NOT NULL"
    ).fetch_one(c).await)?;
    Ok(Page {
        items,
        total,
        limit: p.limit,
        offset: p.offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reps_columns_are_cut_first_only_when_their_deals_are_many() {
        assert!(cut_columns_first(1_454, 6, 20), "a rep's board at 1M");
        assert!(cut_columns_first(500, 6, 20), "at 100k, 20 cards a column");
        assert!(!cut_columns_first(500, 6, 50), "at 100k, 50 cards a column");
        assert!(!cut_columns_first(145, 6, 20), "at 10k");
        assert!(!cut_columns_first(0, 6, 50));
        assert!(
            !cut_columns_first(1_454, 6, 150),
            "a later page shows more: the same deals are numbered whole"
        );
        assert!(!cut_columns_first(i64::MAX, usize::MAX, i64::MAX));
    }

    fn deal() -> Opportunity {
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("an instant");
        Opportunity {
            id: 7,
            account_id: 1,
            account_name: "医院".into(),
            name: "超声".into(),
            owner_id: 2,
            owner_name: "王".into(),
            team_id: Some(3),
            amount_minor: 100,
            currency: "CNY".into(),
            expected_close_date: NaiveDate::from_ymd_opt(2027, 1, 31).expect("a date"),
            process_id: 1,
            stage_id: 1,
            stage_name_zh: "初步接触".into(),
            stage_name_en: "First contact".into(),
            probability: 10,
            stage_entered_at: at,
            certainty: 0,
            certainty_evidence: 0,
            smart_goal: String::new(),
            source: String::new(),
            competitors: String::new(),
            status: OppStatus::Open,
            close_reason: String::new(),
            tracked: false,
            grade: None,
            first_meeting_date: None,
            next_review_date: None,
            closed_at: None,
            created_at: at,
            updated_at: at,
            version: 4,
            editable: true,
        }
    }

    #[test]
    fn an_edit_sets_only_what_it_changes() {
        let before = deal();
        let mut x = OppInput::from(&before);
        assert!(edited(&before, &x, None).is_empty(), "nothing changed");
        x.amount_minor = 250;
        assert_eq!(edited(&before, &x, None), [("amount_minor", Set::Int(250))]);
        assert!(
            update_sql(&edited(&before, &x, None)).starts_with(
                "UPDATE opportunities SET amount_minor = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7 AND "
            )
        );
        x.owner_id = 9;
        x.grade = Some("A".into());
        let set = edited(&before, &x, None);
        assert_eq!(
            set,
            [
                ("owner_id", Set::Int(9)),
                ("amount_minor", Set::Int(250)),
                ("grade", Set::OptText(Some("A")))
            ]
        );
        assert!(update_sql(&set).contains(
            "owner_id = $4, team_id = (SELECT u.team_id FROM users u WHERE u.id = $4), amount_minor = $5, grade = $6, updated_at = $7"
        ));
    }
}
