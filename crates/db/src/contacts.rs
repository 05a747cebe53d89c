//! Contacts (联系人): people at accounts, with the personal profile used for relationship work.

use crate::accounts::owner_team;
use crate::scope::{Scope, count_visible, like, record_page};
use crate::shares::ShareKind;
use crate::visibility::Kind;
use crate::{
    Db, DbError, Page, Paging, Result, Tx, Viewer, bind_viewer, controls, now, read, write,
};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub phone: String,
    pub email: String,
    pub hometown: String,
    pub birthday: Option<NaiveDate>,
    pub interests: String,
    pub tenure: String,
    pub authority: String,
    pub personality: String,
    pub working_style: String,
    pub family_notes: String,
    pub business_needs: String,
    pub personal_needs: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether the viewer controls the contact (else it is shared with them, read only).
    pub editable: bool,
}

/// The editable fields of a contact, validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub account_id: i64,
    pub name: String,
    pub title: String,
    pub department: String,
    pub phone: String,
    pub email: String,
    pub hometown: String,
    pub birthday: Option<NaiveDate>,
    pub interests: String,
    pub tenure: String,
    pub authority: String,
    pub personality: String,
    pub working_style: String,
    pub family_notes: String,
    pub business_needs: String,
    pub personal_needs: String,
    pub owner_id: i64,
}

impl From<&Contact> for ContactInput {
    fn from(c: &Contact) -> Self {
        ContactInput {
            account_id: c.account_id,
            name: c.name.clone(),
            title: c.title.clone(),
            department: c.department.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            hometown: c.hometown.clone(),
            birthday: c.birthday,
            interests: c.interests.clone(),
            tenure: c.tenure.clone(),
            authority: c.authority.clone(),
            personality: c.personality.clone(),
            working_style: c.working_style.clone(),
            family_notes: c.family_notes.clone(),
            business_needs: c.business_needs.clone(),
            personal_needs: c.personal_needs.clone(),
            owner_id: c.owner_id,
        }
    }
}

/// The columns of [`Contact`] and the joins they need, before any `WHERE`.
macro_rules! columns {
    () => {
        concat!(
            "SELECT o.id, o.account_id, a.name AS account_name, o.name, o.title, o.department, o.phone, o.email, o.hometown, o.birthday, o.interests, o.tenure, o.authority, o.personality, o.working_style, o.family_notes, o.business_needs, o.personal_needs, o.owner_id, u.name AS owner_name, o.team_id, o.created_at, o.updated_at, o.version, ",
            controls!("o"),
            " AS editable FROM contacts o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id"
        )
    };
}

macro_rules! select {
    ($rest:expr) => {
        concat!(columns!(), " WHERE ", crate::sees!(contact), $rest)
    };
}

#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub q: Option<String>,
    pub account_id: Option<i64>,
}

pub async fn list(db: &Db, v: &Viewer, f: &ContactFilter, p: Paging) -> Result<Page<Contact>> {
    let pattern = like(f.q.as_deref());
    let scope = Scope::new(
        db,
        v.role,
        Kind::Contact,
        &[
            (
                pattern.is_some(),
                "LOWER(o.name) LIKE LOWER($4) ESCAPE '\\'",
            ),
            (f.account_id.is_some(), "o.account_id = $5"),
        ],
    );
    let counted = if pattern.is_none() && f.account_id.is_none() {
        Some(count_visible(db, v, Kind::Contact, None).await?)
    } else {
        None
    };
    record_page!(db, v, p,
        table: "contacts", index: "contacts_name", order: " ORDER BY o.name, o.id",
        columns: columns!(), scope: &scope, counted: counted,
        |q| q.bind(&pattern).bind(f.account_id))
}

pub async fn get(db: &Db, v: &Viewer, id: i64) -> Result<Contact> {
    read!(db, c => bind_viewer!(sqlx::query_as(select!(" AND o.id = $4")), v).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

pub async fn create(db: &Db, v: &Viewer, x: &ContactInput) -> Result<Contact> {
    let id = db.write(x.clone(), |tx, x| Box::pin(insert(tx, x))).await?;
    get(db, v, id).await
}

/// Inserts a contact in `tx`; the caller has validated it and checked the account and owner.
pub(crate) async fn insert(tx: &mut Tx, x: &ContactInput) -> Result<i64> {
    let team = owner_team(tx, x.owner_id).await?;
    let id: i64 = write!(tx, c => sqlx::query_scalar(
        "INSERT INTO contacts (account_id, name, title, department, phone, email, hometown, birthday, interests, tenure, authority, personality, working_style, family_notes, business_needs, personal_needs, owner_id, team_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id"
    ).bind(x.account_id).bind(&x.name).bind(&x.title).bind(&x.department).bind(&x.phone).bind(&x.email).bind(&x.hometown).bind(x.birthday)
    .bind(&x.interests).bind(&x.tenure).bind(&x.authority).bind(&x.personality).bind(&x.working_style).bind(&x.family_notes)
    .bind(&x.business_needs).bind(&x.personal_needs).bind(x.owner_id).bind(team).bind(now()).fetch_one(c).await)?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    v: &Viewer,
    id: i64,
    version: i64,
    x: &ContactInput,
) -> Result<Contact> {
    let edit = (*v, (id, version), x.clone());
    let saved = db
        .write(edit, |tx, (v, (id, version), x)| {
            Box::pin(async move {
                let (id, version) = (*id, *version);
                let team = owner_team(tx, x.owner_id).await?;
                let n = write!(tx, c => bind_viewer!(sqlx::query(concat!(
                    "UPDATE contacts SET account_id = $4, name = $5, title = $6, department = $7, phone = $8, email = $9, hometown = $10, birthday = $11, interests = $12, tenure = $13, authority = $14, personality = $15, working_style = $16, family_notes = $17, business_needs = $18, personal_needs = $19, owner_id = $20, team_id = $21, updated_at = $22, version = version + 1 WHERE id = $23 AND version = $24 AND ",
                    controls!("contacts")
                )), v).bind(x.account_id).bind(&x.name).bind(&x.title).bind(&x.department).bind(&x.phone).bind(&x.email).bind(&x.hometown).bind(x.birthday)
                .bind(&x.interests).bind(&x.tenure).bind(&x.authority).bind(&x.personality).bind(&x.working_style).bind(&x.family_notes)
                .bind(&x.business_needs).bind(&x.personal_needs).bind(x.owner_id).bind(team).bind(now()).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
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
        "DELETE FROM contacts WHERE id = $4 AND ",
        controls!("contacts")
    );
    if crate::delete_controlled(db, v, id, sql, Some(ShareKind::Contact)).await? {
        return Ok(());
    }
    Err(crate::refusal(
        get(db, v, id).await.map(|r| r.editable),
        DbError::NotFound,
    ))
}
