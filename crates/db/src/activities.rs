//! Activities (拜访/活动): calls, visits, meetings … each ending, ideally, in an agreed next step.

use crate::accounts::owner_team;
use crate::scope::{Scope, count_visible, record_page};
use crate::visibility::Kind;
use crate::{Db, DbError, Page, Paging, Result, Viewer, bind_viewer, controls, now, read, write};
use chrono::{DateTime, NaiveDate, Utc};
use opportune_core::records::ActivityKind;

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub opportunity_id: Option<i64>,
    pub account_id: i64,
    pub account_name: String,
    pub contact_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub kind: ActivityKind,
    pub occurred_on: NaiveDate,
    pub participants: String,
    pub notes: String,
    pub outcome: String,
    pub next_step: String,
    pub next_step_date: Option<NaiveDate>,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether the viewer controls the activity (else it is shared with them, read only).
    pub editable: bool,
}

#[derive(Debug, Clone)]
pub struct ActivityInput {
    pub opportunity_id: Option<i64>,
    pub account_id: i64,
    pub contact_id: Option<i64>,
    pub kind: ActivityKind,
    pub occurred_on: NaiveDate,
    pub participants: String,
    pub notes: String,
    pub outcome: String,
    pub next_step: String,
    pub next_step_date: Option<NaiveDate>,
    pub owner_id: i64,
}

impl From<&Activity> for ActivityInput {
    fn from(a: &Activity) -> Self {
        ActivityInput {
            opportunity_id: a.opportunity_id,
            account_id: a.account_id,
            contact_id: a.contact_id,
            kind: a.kind,
            occurred_on: a.occurred_on,
            participants: a.participants.clone(),
            notes: a.notes.clone(),
            outcome: a.outcome.clone(),
            next_step: a.next_step.clone(),
            next_step_date: a.next_step_date,
            owner_id: a.owner_id,
        }
    }
}

/// The columns of [`Activity`] and the joins they need, before any `WHERE`.
macro_rules! columns {
    () => {
        concat!("SELECT o.id, o.opportunity_id, o.account_id, a.name AS account_name, o.contact_id, o.kind, o.occurred_on, o.participants, o.notes, o.outcome, o.next_step, o.next_step_date, o.owner_id, u.name AS owner_name, o.team_id, o.created_at, o.updated_at, o.version, ", controls!("o"), " AS editable FROM activities o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id")
    };
}

macro_rules! select {
    ($rest:expr) => {
        concat!(columns!(), " WHERE ", crate::sees!(activity), $rest)
    };
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub opportunity_id: Option<i64>,
    pub account_id: Option<i64>,
    pub kind: Option<ActivityKind>,
}

/// The `WHERE` clause of the list for this viewer and filter, from literal fragments only: just
/// the clauses that apply, so a deal's or an account's activities are read through their index
/// rather than by scanning every activity (see `opportunities::scope`).
fn scope(db: &Db, v: &Viewer, f: &ActivityFilter) -> Scope {
    Scope::new(
        db,
        v.role,
        Kind::Activity,
        &[
            (f.opportunity_id.is_some(), "o.opportunity_id = $4"),
            (f.account_id.is_some(), "o.account_id = $5"),
            (f.kind.is_some(), "o.kind = $6"),
        ],
    )
}

/// Newest first.
const ORDER: &str = " ORDER BY o.occurred_on DESC, o.id DESC";

pub async fn list(db: &Db, v: &Viewer, f: &ActivityFilter, p: Paging) -> Result<Page<Activity>> {
    let scope = scope(db, v, f);
    let counted = if f.opportunity_id.is_none() && f.account_id.is_none() && f.kind.is_none() {
        Some(count_visible(db, v, Kind::Activity, None).await?)
    } else {
        None
    };
    record_page!(db, v, p,
        table: "activities", index: "activities_occurred", order: ORDER,
        columns: columns!(), scope: &scope, counted: counted,
        |q| q.bind(f.opportunity_id).bind(f.account_id).bind(f.kind.map(ActivityKind::as_str)))
}

/// The newest `limit` activities of a deal or an account (`f`) that the viewer sees: one query,
/// without the count a list page reads, for the record's own page.
pub async fn recent(db: &Db, v: &Viewer, f: &ActivityFilter, limit: i64) -> Result<Vec<Activity>> {
    let sql = sqlx::AssertSqlSafe(crate::scope::page(
        columns!(),
        "activities o",
        &scope(db, v, f).all,
        ORDER,
        limit,
        0,
    ));
    Ok(read!(db, c => bind_viewer!(sqlx::query_as(sql), v)
        .bind(f.opportunity_id).bind(f.account_id).bind(f.kind.map(ActivityKind::as_str)).fetch_all(c).await)?)
}

pub async fn get(db: &Db, v: &Viewer, id: i64) -> Result<Activity> {
    read!(db, c => bind_viewer!(sqlx::query_as(select!(" AND o.id = $4")), v).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn create(db: &Db, v: &Viewer, x: &ActivityInput) -> Result<Activity> {
    let id = db
        .write(x.clone(), |tx, x| {
            Box::pin(async move {
                let team = owner_team(tx, x.owner_id).await?;
                let id: i64 = write!(tx, c => sqlx::query_scalar(
                    "INSERT INTO activities (opportunity_id, account_id, contact_id, kind, occurred_on, participants, notes, outcome, next_step, next_step_date, owner_id, team_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id"
                ).bind(x.opportunity_id).bind(x.account_id).bind(x.contact_id).bind(x.kind.as_str()).bind(x.occurred_on).bind(&x.participants).bind(&x.notes)
                .bind(&x.outcome).bind(&x.next_step).bind(x.next_step_date).bind(x.owner_id).bind(team).bind(now()).fetch_one(c).await)?;
                Ok(id)
            })
        })
        .await?;
    get(db, v, id).await
}

pub async fn update(
    db: &Db,
    v: &Viewer,
    id: i64,
    version: i64,
    x: &ActivityInput,
) -> Result<Activity> {
    let edit = (*v, (id, version), x.clone());
    let saved = db
        .write(edit, |tx, (v, (id, version), x)| {
            Box::pin(async move {
                let (id, version) = (*id, *version);
                let team = owner_team(tx, x.owner_id).await?;
                let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
                    "UPDATE activities SET opportunity_id = $4, account_id = $5, contact_id = $6, kind = $7, occurred_on = $8, participants = $9, notes = $10, outcome = $11, next_step = $12, next_step_date = $13, owner_id = $14, team_id = $15, updated_at = $16, version = version + 1 WHERE id = $17 AND version = $18 AND ",
                    controls!("activities")
                )), v).bind(x.opportunity_id).bind(x.account_id).bind(x.contact_id).bind(x.kind.as_str()).bind(x.occurred_on).bind(&x.participants).bind(&x.notes)
                .bind(&x.outcome).bind(&x.next_step).bind(x.next_step_date).bind(x.owner_id).bind(team).bind(now()).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
                Ok(n > 0)
            })
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

pub async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<()> {
    let sql = concat!(
        "DELETE FROM activities WHERE id = $4 AND ",
        controls!("activities")
    );
    if crate::delete_controlled(db, v, id, sql, None).await? {
        return Ok(());
    }
    Err(crate::refusal(
        get(db, v, id).await.map(|r| r.editable),
        DbError::NotFound,
    ))
}
