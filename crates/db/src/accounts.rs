//! Accounts (客户): hospitals, enterprises, developers, individuals.

use crate::scope::{Scope, count_visible, like, record_page};
use crate::shares::ShareKind;
use crate::visibility::Kind;
use crate::{
    Db, DbError, Page, Paging, Result, Tx, Viewer, bind_viewer, controls, now, read, write,
};
use chrono::{DateTime, Utc};
use opportune_core::records::AccountStatus;

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub address: String,
    pub grade: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    pub needs_notes: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether the viewer controls the account (else it is shared with them, read only).
    pub editable: bool,
}

/// The editable fields of an account, validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub address: String,
    pub grade: Option<String>,
    pub status: AccountStatus,
    pub needs_notes: String,
    pub owner_id: i64,
}

impl From<&Account> for AccountInput {
    fn from(a: &Account) -> Self {
        AccountInput {
            name: a.name.clone(),
            industry: a.industry.clone(),
            size: a.size.clone(),
            region: a.region.clone(),
            address: a.address.clone(),
            grade: a.grade.clone(),
            status: a.status,
            needs_notes: a.needs_notes.clone(),
            owner_id: a.owner_id,
        }
    }
}

/// The columns of [`Account`] and the joins they need, before any `WHERE`.
macro_rules! columns {
    () => {
        concat!(
            "SELECT o.id, o.name, o.industry, o.size, o.region, o.address, o.grade, o.status, o.needs_notes, o.owner_id, u.name AS owner_name, o.team_id, o.created_at, o.updated_at, o.version, ",
            controls!("o"),
            " AS editable FROM accounts o JOIN users u ON u.id = o.owner_id"
        )
    };
}

macro_rules! select {
    ($rest:expr) => {
        concat!(columns!(), " WHERE ", crate::sees!(account), $rest)
    };
}

#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub q: Option<String>,
    pub owner_id: Option<i64>,
}

pub async fn list(db: &Db, v: &Viewer, f: &AccountFilter, p: Paging) -> Result<Page<Account>> {
    let pattern = like(f.q.as_deref());
    let scope = Scope::new(
        db,
        v.role,
        Kind::Account,
        &[
            (
                pattern.is_some(),
                "LOWER(o.name) LIKE LOWER($4) ESCAPE '\\'",
            ),
            (f.owner_id.is_some(), "o.owner_id = $5"),
        ],
    );
    let counted = if pattern.is_none() && f.owner_id.is_none() {
        Some(count_visible(db, v, Kind::Account, None).await?)
    } else {
        None
    };
    record_page!(db, v, p,
        table: "accounts", index: "accounts_name", order: " ORDER BY o.name, o.id",
        columns: columns!(), scope: &scope, counted: counted,
        |q| q.bind(&pattern).bind(f.owner_id))
}

pub async fn get(db: &Db, v: &Viewer, id: i64) -> Result<Account> {
    read!(db, c => bind_viewer!(sqlx::query_as(select!(" AND o.id = $4")), v).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// The team a record of `owner_id` belongs to: the owner's team.
pub(crate) async fn owner_team(tx: &mut Tx, owner_id: i64) -> Result<Option<i64>> {
    write!(tx, c => sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1").bind(owner_id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn create(db: &Db, v: &Viewer, a: &AccountInput) -> Result<Account> {
    let id = db.write(a.clone(), |tx, a| Box::pin(insert(tx, a))).await?;
    get(db, v, id).await
}

/// Inserts an account in `tx`; the caller has validated it and checked the owner.
pub(crate) async fn insert(tx: &mut Tx, a: &AccountInput) -> Result<i64> {
    let team = owner_team(tx, a.owner_id).await?;
    let ts = now();
    let id: i64 = write!(tx, c => sqlx::query_scalar(
        "INSERT INTO accounts (name, industry, size, region, address, grade, status, needs_notes, owner_id, team_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id"
    ).bind(&a.name).bind(&a.industry).bind(&a.size).bind(&a.region).bind(&a.address).bind(&a.grade).bind(a.status.as_str())
    .bind(&a.needs_notes).bind(a.owner_id).bind(team).bind(ts).fetch_one(c).await)?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    v: &Viewer,
    id: i64,
    version: i64,
    a: &AccountInput,
) -> Result<Account> {
    let edit = (*v, (id, version), a.clone());
    let saved = db
        .write(edit, |tx, (v, (id, version), a)| {
            Box::pin(async move {
                let (id, version) = (*id, *version);
                let team = owner_team(tx, a.owner_id).await?;
                let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
                    "UPDATE accounts SET name = $4, industry = $5, size = $6, region = $7, address = $8, grade = $9, status = $10, needs_notes = $11, owner_id = $12, team_id = $13, updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16 AND ",
                    controls!("accounts")
                )), v).bind(&a.name).bind(&a.industry).bind(&a.size).bind(&a.region).bind(&a.address).bind(&a.grade).bind(a.status.as_str())
                .bind(&a.needs_notes).bind(a.owner_id).bind(team).bind(now()).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
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
        "DELETE FROM accounts WHERE id = $4 AND ",
        controls!("accounts")
    );
    if crate::delete_controlled(db, v, id, sql, Some(ShareKind::Account)).await? {
        return Ok(());
    }
    Err(crate::refusal(
        get(db, v, id).await.map(|r| r.editable),
        DbError::NotFound,
    ))
}
