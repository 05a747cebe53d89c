//! Records shared with a user (SPEC §1). A share gives the user read access to one account,
//! contact, lead or opportunity (and through them: a shared account's contacts, a shared deal's
//! activities). Only those who control the record — its owner, the managers above the owner's
//! team, admins — share and unshare it.

use crate::{Db, DbError, Result, Tx, Viewer, bind_viewer, controls, now, read, write};
use chrono::{DateTime, Utc};

/// The kinds of record that can be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareKind {
    Account,
    Contact,
    Lead,
    Opportunity,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Account => "account",
            ShareKind::Contact => "contact",
            ShareKind::Lead => "lead",
            ShareKind::Opportunity => "opportunity",
        }
    }
}

/// One user a record is shared with, and who shared it when.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Share {
    pub user_id: i64,
    pub user_name: String,
    pub granted_by: i64,
    pub granted_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// `SELECT <whether the viewer controls it>` for a record of `kind` with id `$4` that the viewer
/// can see; no row when they cannot.
fn probe(kind: ShareKind) -> &'static str {
    macro_rules! probe {
        ($table:literal, $kind:ident) => {
            concat!(
                "SELECT ",
                controls!("o"),
                " FROM ",
                $table,
                " o WHERE o.id = $4 AND ",
                crate::sees!($kind)
            )
        };
    }
    match kind {
        ShareKind::Account => probe!("accounts", account),
        ShareKind::Contact => probe!("contacts", contact),
        ShareKind::Lead => probe!("leads", lead),
        ShareKind::Opportunity => probe!("opportunities", opportunity),
    }
}

/// `Ok` if the viewer controls the record, `ReadOnly` if it is only shared with them,
/// `NotFound` if they cannot see it.
fn control(found: Option<bool>) -> Result<()> {
    match found {
        None => Err(DbError::NotFound),
        Some(false) => Err(DbError::ReadOnly),
        Some(true) => Ok(()),
    }
}

async fn check_control(tx: &mut Tx, v: &Viewer, kind: ShareKind, id: i64) -> Result<()> {
    control(
        write!(tx, c => bind_viewer!(sqlx::query_scalar(probe(kind)), v).bind(id).fetch_optional(c).await)?,
    )
}

/// The users a record the viewer can see is shared with, by name.
pub async fn list(db: &Db, v: &Viewer, kind: ShareKind, id: i64) -> Result<Vec<Share>> {
    let found: Option<bool> = read!(db, c => bind_viewer!(sqlx::query_scalar(probe(kind)), v)
        .bind(id).fetch_optional(c).await)?;
    if found.is_none() {
        return Err(DbError::NotFound);
    }
    of_visible(db, v, kind, id).await
}

/// The users a record is shared with, by name, in one query for the page of a record just read:
/// empty (not `NotFound`) when the viewer cannot see it, so nothing shows.
pub async fn of_visible(db: &Db, v: &Viewer, kind: ShareKind, id: i64) -> Result<Vec<Share>> {
    macro_rules! of_visible {
        ($table:literal, $kind:ident) => {
            concat!(
                "SELECT s.user_id, u.name AS user_name, s.granted_by, g.name AS granted_by_name, s.created_at FROM shares s JOIN users u ON u.id = s.user_id JOIN users g ON g.id = s.granted_by WHERE s.record_kind = $5 AND s.record_id = $4 AND EXISTS (SELECT 1 FROM ",
                $table,
                " o WHERE o.id = $4 AND ",
                crate::sees!($kind),
                ") ORDER BY u.name, s.user_id"
            )
        };
    }
    let sql = match kind {
        ShareKind::Account => of_visible!("accounts", account),
        ShareKind::Contact => of_visible!("contacts", contact),
        ShareKind::Lead => of_visible!("leads", lead),
        ShareKind::Opportunity => of_visible!("opportunities", opportunity),
    };
    Ok(read!(db, c => bind_viewer!(sqlx::query_as(sql), v)
        .bind(id).bind(kind.as_str()).fetch_all(c).await)?)
}

/// Shares the record with `user_id`, an active user other than the record's owner. Sharing
/// again is a no-op.
pub async fn add(db: &Db, v: &Viewer, kind: ShareKind, id: i64, user_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    check_control(&mut tx, v, kind, id).await?;
    let active: Option<bool> = write!(&mut tx, c => sqlx::query_scalar("SELECT active FROM users WHERE id = $1")
        .bind(user_id).fetch_optional(c).await)?;
    if active != Some(true) {
        return Err(DbError::Field("user_id", "not_found"));
    }
    let owner_sql = match kind {
        ShareKind::Account => "SELECT owner_id FROM accounts WHERE id = $1",
        ShareKind::Contact => "SELECT owner_id FROM contacts WHERE id = $1",
        ShareKind::Lead => "SELECT owner_id FROM leads WHERE id = $1",
        ShareKind::Opportunity => "SELECT owner_id FROM opportunities WHERE id = $1",
    };
    let owner: i64 =
        write!(&mut tx, c => sqlx::query_scalar(owner_sql).bind(id).fetch_one(c).await)?;
    if owner == user_id {
        return Err(DbError::Field("user_id", "is_owner"));
    }
    write!(&mut tx, c => sqlx::query(
        "INSERT INTO shares (record_kind, record_id, user_id, granted_by, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
    ).bind(kind.as_str()).bind(id).bind(user_id).bind(v.user_id).bind(now()).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Stops sharing the record with `user_id`; not an error if it was not shared with them.
pub async fn remove(db: &Db, v: &Viewer, kind: ShareKind, id: i64, user_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    check_control(&mut tx, v, kind, id).await?;
    write!(&mut tx, c => sqlx::query("DELETE FROM shares WHERE record_kind = $1 AND record_id = $2 AND user_id = $3")
        .bind(kind.as_str()).bind(id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Drops every share of a record, in the transaction that deletes it.
pub(crate) async fn forget(tx: &mut Tx, kind: ShareKind, id: i64) -> Result<()> {
    write!(tx, c => sqlx::query("DELETE FROM shares WHERE record_kind = $1 AND record_id = $2")
        .bind(kind.as_str()).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Everyone a record can be shared with: the active users, by name.
pub async fn candidates(db: &Db) -> Result<Vec<crate::users::Person>> {
    Ok(read!(db, c => sqlx::query_as(
        "SELECT id, name, team_id FROM users WHERE active ORDER BY name, id"
    ).fetch_all(c).await)?)
}
