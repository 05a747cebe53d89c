//! The parts of a list query written per request: who may see which records, for the viewer's
//! role only (the texts of [`crate::visibility`]) with the filters that apply, and how to read
//! one page of a sorted list.
//!
//! One SQL text for every viewer (`$2 = 'admin' OR o.owner_id = $1 OR …`) leaves SQLite no index
//! to use, and every list read the whole table (docs/PERFORMANCE.md, fix 1). The texts here are
//! assembled from literal fragments only.

use crate::visibility::{self, Kind};
use crate::{Db, Paging, Result, Viewer, read};
use opportune_core::records::Role;

/// `column IN (ids)`, written so both planners can turn an `OR` of them into a union of index
/// reads: `IN (subquery)` for SQLite's multi-index OR, `= ANY(ARRAY(subquery))` (computed once,
/// then an index condition) for PostgreSQL's BitmapOr, which cannot use a plain `IN (subquery)`
/// inside an `OR`.
pub(crate) fn among(db: &Db, column: &str, ids: &str) -> String {
    match db {
        Db::Sqlite { .. } => format!("{column} IN ({ids})"),
        Db::Postgres { .. } => format!("{column} = ANY(ARRAY({ids}))"),
    }
}

/// The `WHERE` of a list: who may see its records ([`visibility::for_role`]) and the filters that apply
/// ([`and`]). For a rep also in two parts that do not overlap, their own records and those only
/// shared with them, so that their own can be read from the owner's index in the list's order
/// and only as many as the page needs ([`Scope::rep_rows`]): collecting and sorting all of a
/// rep's 1,100 accounts or 1,450 open deals to show 50 was most of a rep's list and board on
/// PostgreSQL (docs/PERFORMANCE.md, fix 27).
pub(crate) struct Scope {
    /// The visibility and the filters.
    pub(crate) all: String,
    /// A rep's (own, only shared) records with the filters.
    rep: Option<(String, String)>,
}

impl Scope {
    pub(crate) fn new(db: &Db, role: Role, kind: Kind, filters: &[(bool, &str)]) -> Scope {
        let rep = (role == Role::Rep).then(|| {
            (
                and(visibility::rep_own().to_owned(), filters),
                and(visibility::rep_only_shared(db, kind), filters),
            )
        });
        Scope {
            all: and(visibility::for_role(db, role, Some(kind)), filters),
            rep,
        }
    }

    /// For a rep, the rows of `table` a page needs, as a `FROM` item aliased `o`: the first
    /// `first` of their own in `order` from each of `parts` (conditions read alone: a board's
    /// columns; `[""]` for a list), and all those only shared with them (a handful). Whoever
    /// reads it still applies [`Scope::all`] and the order. Only the ids of their own are
    /// sorted, so that an owner's index can hold all a part reads; the rows are read for the
    /// ids chosen (sorting a rep's 1,000 deals of the quarter whole by amount on SQLite was
    /// slower than before). `None` for anyone else.
    pub(crate) fn rep_rows(
        &self,
        table: &str,
        parts: &[String],
        order: &str,
        first: i64,
    ) -> Option<String> {
        let (own, shared) = self.rep.as_ref()?;
        let limit = limit(first);
        let ids = parts
            .iter()
            .enumerate()
            .map(|(n, part)| {
                format!("SELECT * FROM (SELECT o.id FROM {table} o WHERE {own}{part}{order}{limit}) own{n}")
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        Some(format!(
            "(SELECT o.* FROM {table} o WHERE o.id IN ({ids}) UNION ALL SELECT o.* FROM {table} o WHERE {shared}) o"
        ))
    }
}

/// How many records a list matches, and how many rows its table holds (the largest id stands
/// for the size: one index probe, not a count), read together: what [`source`] weighs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counted {
    pub matches: i64,
    pub rows: i64,
}

/// The size of `table` as [`Counted::rows`] reads it, as a scalar subquery.
pub(crate) fn rows_of(table: &str) -> String {
    format!("(SELECT COALESCE(MAX(id), 0) FROM {table})")
}

/// How many records of `kind` (not deals) the viewer sees, with only a lead `status` to narrow
/// them, and the size of their table, in one query: summed from `record_counts` (kept by
/// triggers, per owner) for their own and their team subtree's records — a record's team is its
/// owner's — plus the records only shared with them, counted from the records (a handful)
/// ([`visibility::counted_owners`], [`visibility::only_shared`]). Counting a manager's 800,000
/// activities one by one took over a second.
pub(crate) async fn count_visible(
    db: &Db,
    v: &Viewer,
    kind: Kind,
    status: Option<&str>,
) -> Result<Counted> {
    debug_assert_ne!(kind, Kind::Opportunity, "deals are counted in board_totals");
    let (table, name) = kind.counted();
    let status_clause = status.map_or("", |_| " AND t.status = $5");
    let owners = visibility::counted_owners(v.role);
    let only_shared = if v.role == Role::Admin {
        String::new()
    } else {
        let status_clause = status.map_or("", |_| " AND o.status = $5");
        format!(
            " + (SELECT COUNT(*) FROM {table} o WHERE {}{status_clause})",
            visibility::only_shared(db, v.role, kind)
        )
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COALESCE((SELECT SUM(t.records) FROM record_counts t WHERE t.kind = $4{owners}{status_clause}), 0) AS BIGINT){only_shared}, {}",
        rows_of(table)
    ));
    let (matches, rows) = read!(db, c => crate::bind_viewer!(sqlx::query_as::<_, (i64, i64)>(sql), v).bind(name).bind(status).fetch_one(c).await)?;
    Ok(Counted { matches, rows })
}

/// `base` and the clauses that apply, as plain conjunctions: a filter that is not set is not
/// written, so it cannot keep the planner from an index.
pub(crate) fn and(mut base: String, clauses: &[(bool, &str)]) -> String {
    for (applies, clause) in clauses {
        if *applies {
            base.push_str(" AND ");
            base.push_str(clause);
        }
    }
    base
}

/// The `LIKE` pattern of a search, when there is one: the text anywhere, its `%`, `_` and `\`
/// meaning themselves (every `LIKE` of a search says `ESCAPE '\'`), so `50%` finds "50%" and
/// `%` alone does not find everything.
pub(crate) fn like(q: Option<&str>) -> Option<String> {
    q.map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        let literal = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{literal}%")
    })
}

/// One page of a list: the ids of `from` ([`source`]) that `scope` admits, sorted by `order`
/// and cut by `limit` and `offset` ([`window`]) on the bare rows, then only those rows joined by
/// `columns` (a `SELECT … FROM <table> o JOIN …`) and put in order again. Joining every match
/// before sorting made a manager's list read the whole team.
pub(crate) fn page(
    columns: &str,
    from: &str,
    scope: &str,
    order: &str,
    limit: i64,
    offset: i64,
) -> String {
    format!(
        "{columns} JOIN (SELECT o.id AS page_id FROM {from} WHERE {scope}{order}{}) p ON p.page_id = o.id{order}",
        window(limit, offset)
    )
}

/// ` LIMIT n OFFSET m`, both written into the statement ([`limit`]). PostgreSQL plans a bound
/// OFFSET as if it skipped a tenth of the rows, so the generic plan of a page's statement looks
/// dearer than a custom one and every run was planned again: 0.26–0.36 ms of planning for
/// 0.19 ms of executing a manager's contact page (docs/PERFORMANCE.md, fix 22). Written out, the
/// statement's generic plan is kept (0.006 ms). Each offset is a statement of its own; the first
/// page, by far the most read, is one.
pub(crate) fn window(limit: i64, offset: i64) -> String {
    format!("{} OFFSET {offset}", self::limit(limit))
}

/// ` LIMIT n`, the number written into the statement rather than bound to it. SQLite plans with
/// a bound LIMIT's value and so marks the statement to be prepared again whenever a value is
/// bound there, i.e. on every run (a fifth of the deal page's CPU, docs/PERFORMANCE.md, fix 16);
/// and the planner needs the value: told to ignore bound values, it planned a manager's lists
/// as if every row were wanted. A page holds at most 500 rows ([`crate::Paging`]), so there are
/// few such statements to keep.
pub(crate) fn limit(n: i64) -> String {
    format!(" LIMIT {n}")
}

/// One page of a record list (accounts, contacts, leads, activities) as a [`crate::Page`]: the
/// total is `$counted` when the filter leaves it to the per-owner counts ([`count_visible`]),
/// else the matches of `$scope` in `$table` are counted (with the table's size, one query); then
/// the page is read in `$order`
/// ([`source`] through `$index`, [`page`]). `|$q| $bind` binds the filter's parameters (from
/// `$4`) on a query (the page size and offset are written out, [`window`]). (A macro: each
/// backend's query has its own type.)
macro_rules! record_page {
    (
        $db:expr, $v:expr, $p:expr,
        table: $table:literal, index: $index:literal, order: $order:expr,
        columns: $columns:expr, scope: $scope:expr, counted: $counted:expr,
        |$q:ident| $bind:expr
    ) => {{
        let (db, v, p, scope): (&$crate::Db, &$crate::Viewer, $crate::Paging, &$crate::scope::Scope) =
            ($db, $v, $p, $scope);
        let counted: $crate::scope::Counted = match $counted {
            Some(counted) => counted,
            None => {
                let count = sqlx::AssertSqlSafe(format!(
                    concat!("SELECT COUNT(*), {} FROM ", $table, " o WHERE {}"),
                    $crate::scope::rows_of($table),
                    scope.all
                ));
                let (matches, rows) = $crate::read!(db, c => {
                    let $q = $crate::bind_viewer!(sqlx::query_as::<_, (i64, i64)>(count), v);
                    $bind.fetch_one(c).await
                })?;
                $crate::scope::Counted { matches, rows }
            }
        };
        let total = counted.matches;
        let from = $crate::scope::source(db, $table, ($index, $order), scope, total, Some(counted.rows), p).await?;
        let sql = sqlx::AssertSqlSafe($crate::scope::page(
            $columns, &from, &scope.all, $order, p.limit, p.offset,
        ));
        let items = $crate::read!(db, c => {
            let $q = $crate::bind_viewer!(sqlx::query_as(sql), v);
            $bind.fetch_all(c).await
        })?;
        Ok($crate::Page {
            items,
            total,
            limit: p.limit,
            offset: p.offset,
        })
    }};
}
pub(crate) use record_page;

/// Whether one page of a sorted list is found sooner by reading the index of the sort order
/// and testing each row, than by collecting every match and sorting them. Reading in order
/// visits about `(offset + limit) · rows / matches` rows (the matches spread over the order);
/// collecting visits all `matches`. A manager's 60,000 deals of the quarter among 1,000,000 are
/// read in order (~800 rows for the first page); a rep's 1,500 are collected.
pub(crate) fn read_in_order(matches: i64, rows: i64, p: Paging) -> bool {
    matches > 0 && (p.offset + p.limit).saturating_mul(rows) < matches.saturating_mul(matches)
}

/// The table of a list (`FROM` it, aliased `o`), read through `index` in its `order` when
/// [`read_in_order`] says so for the list's `matches` and the table's `rows` (read here when not
/// given), else its matches collected first: for a rep, the first of their own in `order` and
/// those shared with them ([`Scope::rep_rows`]); for a manager, all of them. SQLite is told to
/// walk the order (`INDEXED BY`): its planner does not weigh a `LIMIT` against the visibility's
/// multi-index OR. PostgreSQL's planner chooses the order itself when many rows match, but also
/// walked the name index for a rep's 1,100 accounts among 200,000 (its estimate of the OR of
/// the visibility is far too high): there a manager's matches are collected in a subquery it
/// may not flatten (`OFFSET 0`), so it can only find them by the scope's indexes, and the page
/// is sorted from them.
pub(crate) async fn source(
    db: &Db,
    table: &'static str,
    (index, order): (&'static str, &str),
    scope: &Scope,
    matches: i64,
    rows: Option<i64>,
    p: Paging,
) -> Result<String> {
    // The table has at least `matches` rows: when even that does not favour the order, skip
    // reading its size.
    let in_order = read_in_order(matches, matches, p) && {
        let rows = if let Some(rows) = rows {
            rows
        } else {
            let sql = sqlx::AssertSqlSafe(format!("SELECT {}", rows_of(table)));
            read!(db, c => sqlx::query_scalar(sql).fetch_one(c).await)?
        };
        read_in_order(matches, rows, p)
    };
    if in_order {
        return Ok(match db {
            Db::Sqlite { .. } => format!("{table} o INDEXED BY {index}"),
            Db::Postgres { .. } => format!("{table} o"),
        });
    }
    let first = p.offset.saturating_add(p.limit);
    Ok(
        match (scope.rep_rows(table, &[String::new()], order, first), db) {
            (Some(rows), _) => rows,
            (None, Db::Postgres { .. }) => {
                format!("(SELECT * FROM {table} o WHERE {} OFFSET 0) o", scope.all)
            }
            (None, Db::Sqlite { .. }) => format!("{table} o"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_literal_text_anywhere() {
        assert_eq!(like(Some(" 医院 ")).as_deref(), Some("%医院%"));
        assert_eq!(like(Some("50%_a\\b")).as_deref(), Some("%50\\%\\_a\\\\b%"));
        assert_eq!(like(Some("  ")), None);
        assert_eq!(like(None), None);
    }

    #[test]
    fn a_big_share_of_the_table_is_read_in_order_a_small_one_collected() {
        let first = Paging::new(None, None);
        assert!(read_in_order(60_000, 1_000_000, first));
        assert!(!read_in_order(1_500, 1_000_000, first));
        assert!(!read_in_order(0, 1_000_000, first));
        // Deep pages walk further, so the same matches are collected there.
        assert!(!read_in_order(
            60_000,
            1_000_000,
            Paging::new(Some(50), Some(100_000))
        ));
        // Everything matches: always in order.
        assert!(read_in_order(2_000, 2_000, first));
    }
}
