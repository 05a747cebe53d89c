//! Users, teams (a tree kept with a closure table), sessions and API tokens.

use crate::{Db, DbError, Result, Tx, now, read, write};
use chrono::{DateTime, Utc};
use opportune_core::records::{Locale, Role};
use opportune_core::visibility::Viewer;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub team_id: Option<i64>,
    pub locale: Option<String>,
    pub active: bool,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Rep)
    }

    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.id,
            role: self.role(),
            team_id: self.team_id,
        }
    }

    pub fn locale(&self) -> Option<Locale> {
        self.locale.as_deref().and_then(|l| Locale::parse(l).ok())
    }
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// A user as others see them: for owner pickers and filters.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub team_id: Option<i64>,
}

pub async fn count_users(db: &Db) -> Result<i64> {
    Ok(read!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?)
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<UserRow>> {
    const SQL: &str = "SELECT id, email, name, password_hash, role, team_id, locale, active FROM users WHERE email = $1";
    Ok(read!(db, c => sqlx::query_as(SQL).bind(email.to_lowercase()).fetch_optional(c).await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<UserRow> {
    read!(db, c => sqlx::query_as(
        "SELECT id, email, name, password_hash, role, team_id, locale, active FROM users WHERE id = $1"
    ).bind(id).fetch_optional(c).await)?
    .ok_or(DbError::NotFound)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub team_id: Option<i64>,
}

pub async fn create(tx: &mut Tx, u: &NewUser<'_>) -> Result<i64> {
    write!(tx, c => sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, team_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(u.email.to_lowercase()).bind(u.name).bind(u.password_hash).bind(u.role.as_str()).bind(u.team_id).bind(now())
    .fetch_one(c).await)
    .map_err(|e| DbError::unique(e, "email"))
}

pub async fn set_locale(db: &Db, user_id: i64, locale: Locale) -> Result<()> {
    let mut tx = db.begin().await?;
    write!(&mut tx, c => sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale.as_str()).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// People the viewer may see (themselves, their team subtree, or everyone for an admin).
pub async fn visible_people(db: &Db, v: &Viewer) -> Result<Vec<Person>> {
    const SQL: &str = concat!(
        "SELECT o.id, o.name, o.team_id FROM users o WHERE o.active AND (",
        "$2 = 'admin' OR o.id = $1 OR ($2 = 'manager' AND o.team_id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = $3))",
        ") ORDER BY o.name"
    );
    Ok(read!(db, c => crate::bind_viewer!(sqlx::query_as(SQL), v).fetch_all(c).await)?)
}

/// Whether `team_id` lies in `ancestor`'s subtree (a team is in its own subtree).
pub async fn team_in_subtree(db: &Db, ancestor: i64, team_id: i64) -> Result<bool> {
    let n: i64 = read!(db, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM team_closure WHERE ancestor_id = $1 AND descendant_id = $2"
    ).bind(ancestor).bind(team_id).fetch_one(c).await)?;
    Ok(n > 0)
}

pub async fn teams(db: &Db) -> Result<Vec<TeamRow>> {
    Ok(
        read!(db, c => sqlx::query_as("SELECT id, name, parent_id FROM teams ORDER BY name").fetch_all(c).await)?,
    )
}

/// Teams the viewer may filter on: everything for an admin, the subtree for a manager, the
/// rep's own team.
pub async fn visible_teams(db: &Db, v: &Viewer) -> Result<Vec<TeamRow>> {
    if v.role == Role::Admin {
        return teams(db).await;
    }
    Ok(read!(db, c => sqlx::query_as(
        "SELECT t.id, t.name, t.parent_id FROM teams t JOIN team_closure tc ON tc.descendant_id = t.id WHERE tc.ancestor_id = $1 ORDER BY t.name"
    ).bind(v.team_id).fetch_all(c).await)?)
}

pub async fn find_team(tx: &mut Tx, name: &str) -> Result<Option<i64>> {
    Ok(
        write!(tx, c => sqlx::query_scalar("SELECT id FROM teams WHERE name = $1").bind(name).fetch_optional(c).await)?,
    )
}

/// Creates a team under `parent_id` and records its ancestry.
pub async fn create_team(tx: &mut Tx, name: &str, parent_id: Option<i64>) -> Result<i64> {
    let id: i64 = write!(tx, c => sqlx::query_scalar(
        "INSERT INTO teams (name, parent_id, created_at) VALUES ($1, $2, $3) RETURNING id"
    ).bind(name).bind(parent_id).bind(now()).fetch_one(c).await)
    .map_err(|e| DbError::unique(e, "team"))?;
    write!(tx, c => sqlx::query(
        "INSERT INTO team_closure (ancestor_id, descendant_id) SELECT ancestor_id, $1 FROM team_closure WHERE descendant_id = $2 UNION SELECT $1, $1"
    ).bind(id).bind(parent_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(id)
}

/// The team named `name`, created at the top of the tree if it does not exist.
pub async fn ensure_team(tx: &mut Tx, name: &str) -> Result<i64> {
    match find_team(tx, name).await? {
        Some(id) => Ok(id),
        None => create_team(tx, name, None).await,
    }
}

pub async fn create_session(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    write!(&mut tx, c => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
    ).bind(token_hash).bind(user_id).bind(now()).bind(expires_at).execute(c).await.map(|r| r.rows_affected()))?;
    write!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now()).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

pub async fn session_user(db: &Db, token_hash: &str) -> Result<Option<UserRow>> {
    Ok(read!(db, c => sqlx::query_as(
        "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
    ).bind(token_hash).bind(now()).fetch_optional(c).await)?)
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    write!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn create_token(db: &Db, user_id: i64, name: &str, token_hash: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = write!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
    ).bind(user_id).bind(token_hash).bind(name).bind(now()).fetch_one(c).await)?;
    tx.commit().await?;
    Ok(id)
}

pub async fn tokens(db: &Db, user_id: i64) -> Result<Vec<TokenRow>> {
    Ok(read!(db, c => sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    ).bind(user_id).fetch_all(c).await)?)
}

pub async fn revoke_token(db: &Db, user_id: i64, token_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = write!(&mut tx, c => sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2").bind(token_id).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn token_user(db: &Db, token_hash: &str) -> Result<Option<UserRow>> {
    Ok(read!(db, c => sqlx::query_as(
        "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.active"
    ).bind(token_hash).fetch_optional(c).await)?)
}
