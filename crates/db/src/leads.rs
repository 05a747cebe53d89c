//! Leads (线索): people or companies with no substantive contact yet.

use crate::accounts::AccountInput;
use crate::accounts::owner_team;
use crate::contacts::ContactInput;
use crate::opportunities::OppInput;
use crate::scope::{Scope, count_visible, like, record_page};
use crate::shares::ShareKind;
use crate::visibility::Kind;
use crate::{Db, DbError, Page, Paging, Result, Viewer, bind_viewer, controls, now, read, write};
use chrono::{DateTime, Utc};
use opportune_core::records::LeadStatus;

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    #[sqlx(try_from = "String")]
    pub status: LeadStatus,
    pub notes: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether the viewer controls the lead (else it is shared with them, read only).
    pub editable: bool,
    /// When the lead was converted, and the records it became (each cleared if deleted since).
    pub converted_at: Option<DateTime<Utc>>,
    pub converted_account_id: Option<i64>,
    pub converted_contact_id: Option<i64>,
    pub converted_opportunity_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct LeadInput {
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    pub status: LeadStatus,
    pub notes: String,
    pub owner_id: i64,
}

impl From<&Lead> for LeadInput {
    fn from(l: &Lead) -> Self {
        LeadInput {
            name: l.name.clone(),
            company: l.company.clone(),
            title: l.title.clone(),
            phone: l.phone.clone(),
            email: l.email.clone(),
            source: l.source.clone(),
            status: l.status,
            notes: l.notes.clone(),
            owner_id: l.owner_id,
        }
    }
}

/// The columns of [`Lead`] and the joins they need, before any `WHERE`.
macro_rules! columns {
    () => {
        concat!(
            "SELECT o.id, o.name, o.company, o.title, o.phone, o.email, o.source, o.status, o.notes, o.owner_id, u.name AS owner_name, o.team_id, o.created_at, o.updated_at, o.version, ",
            controls!("o"),
            " AS editable, o.converted_at, o.converted_account_id, o.converted_contact_id, o.converted_opportunity_id FROM leads o JOIN users u ON u.id = o.owner_id"
        )
    };
}

macro_rules! select {
    ($rest:expr) => {
        concat!(columns!(), " WHERE ", crate::sees!(lead), $rest)
    };
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub q: Option<String>,
    pub status: Option<LeadStatus>,
}

pub async fn list(db: &Db, v: &Viewer, f: &LeadFilter, p: Paging) -> Result<Page<Lead>> {
    let pattern = like(f.q.as_deref());
    let scope = Scope::new(
        db,
        v.role,
        Kind::Lead,
        &[
            (
                pattern.is_some(),
                "(LOWER(o.name) LIKE LOWER($4) ESCAPE '\\' OR LOWER(o.company) LIKE LOWER($4) ESCAPE '\\')",
            ),
            (f.status.is_some(), "o.status = $5"),
        ],
    );
    let counted = if pattern.is_none() {
        Some(count_visible(db, v, Kind::Lead, f.status.map(LeadStatus::as_str)).await?)
    } else {
        None
    };
    record_page!(db, v, p,
        table: "leads", index: "leads_created", order: " ORDER BY o.created_at DESC, o.id DESC",
        columns: columns!(), scope: &scope, counted: counted,
        |q| q.bind(&pattern).bind(f.status.map(LeadStatus::as_str)))
}

pub async fn get(db: &Db, v: &Viewer, id: i64) -> Result<Lead> {
    read!(db, c => bind_viewer!(sqlx::query_as(select!(" AND o.id = $4")), v).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn create(db: &Db, v: &Viewer, x: &LeadInput) -> Result<Lead> {
    let id = db
        .write(x.clone(), |tx, x| {
            Box::pin(async move {
                let team = owner_team(tx, x.owner_id).await?;
                let id: i64 = write!(tx, c => sqlx::query_scalar(
                    "INSERT INTO leads (name, company, title, phone, email, source, status, notes, owner_id, team_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id"
                ).bind(&x.name).bind(&x.company).bind(&x.title).bind(&x.phone).bind(&x.email).bind(&x.source).bind(x.status.as_str()).bind(&x.notes)
                .bind(x.owner_id).bind(team).bind(now()).fetch_one(c).await)?;
                Ok(id)
            })
        })
        .await?;
    get(db, v, id).await
}

pub async fn update(db: &Db, v: &Viewer, id: i64, version: i64, x: &LeadInput) -> Result<Lead> {
    let edit = (*v, (id, version), x.clone());
    let saved = db
        .write(edit, |tx, (v, (id, version), x)| {
            Box::pin(async move {
                let (id, version) = (*id, *version);
                let team = owner_team(tx, x.owner_id).await?;
                let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
                    "UPDATE leads SET name = $4, company = $5, title = $6, phone = $7, email = $8, source = $9, status = $10, notes = $11, owner_id = $12, team_id = $13, updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16 AND ",
                    controls!("leads")
                )), v).bind(&x.name).bind(&x.company).bind(&x.title).bind(&x.phone).bind(&x.email).bind(&x.source).bind(x.status.as_str()).bind(&x.notes)
                .bind(x.owner_id).bind(team).bind(now()).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
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
    let sql = concat!("DELETE FROM leads WHERE id = $4 AND ", controls!("leads"));
    if crate::delete_controlled(db, v, id, sql, Some(ShareKind::Lead)).await? {
        return Ok(());
    }
    Err(crate::refusal(
        get(db, v, id).await.map(|r| r.editable),
        DbError::NotFound,
    ))
}

/// The account a lead converts into: one the viewer can see, or a new one.
#[derive(Debug, Clone)]
pub enum ConvertAccount {
    Existing(i64),
    New(AccountInput),
}

/// What a lead becomes, validated by the caller: the account, a contact at it (`account_id` is
/// set to the account's), and optionally a deal (`account_id` likewise) at `stage` of `process`.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub account: ConvertAccount,
    pub contact: Option<ContactInput>,
    pub deal: Option<(OppInput, (i64, i64), String)>,
}

/// The ids of the records a lead became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    pub account_id: i64,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

/// Converts the lead read at `version` in one transaction: creates the records, marks the lead
/// qualified and links it to them. A lead converts once (`Field("status", "converted")`).
pub async fn convert(
    db: &Db,
    v: &Viewer,
    id: i64,
    version: i64,
    x: Conversion,
) -> Result<Converted> {
    let lead = get(db, v, id).await?;
    if !lead.editable {
        return Err(DbError::ReadOnly);
    }
    if lead.converted_at.is_some() {
        return Err(DbError::Field("status", "converted"));
    }
    let mut tx = db.begin().await?;
    let account_id = match &x.account {
        ConvertAccount::Existing(a) => *a,
        ConvertAccount::New(a) => crate::accounts::insert(&mut tx, a).await?,
    };
    let contact_id = match x.contact {
        Some(mut c) => {
            c.account_id = account_id;
            Some(crate::contacts::insert(&mut tx, &c).await?)
        }
        None => None,
    };
    let opportunity_id = match x.deal {
        Some((mut o, at, currency)) => {
            o.account_id = account_id;
            Some(crate::opportunities::insert(&mut tx, v, &o, at, &currency).await?)
        }
        None => None,
    };
    let ts = now();
    let n = write!(&mut tx, c => bind_viewer!(sqlx::query(concat!(
        "UPDATE leads SET status = 'qualified', converted_at = $4, converted_account_id = $5, converted_contact_id = $6, converted_opportunity_id = $7, updated_at = $4, version = version + 1 WHERE id = $8 AND version = $9 AND converted_at IS NULL AND ",
        controls!("leads")
    )), v).bind(ts).bind(account_id).bind(contact_id).bind(opportunity_id).bind(id).bind(version)
    .execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(match get(db, v, id).await {
            Ok(l) if l.converted_at.is_some() => DbError::Field("status", "converted"),
            found => crate::refusal(found.map(|l| l.editable), DbError::Stale),
        });
    }
    tx.commit().await?;
    Ok(Converted {
        account_id,
        contact_id,
        opportunity_id,
    })
}
