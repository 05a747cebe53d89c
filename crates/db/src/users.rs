//! Users, teams (a tree kept with a closure table), sessions and API tokens.

use crate::history::Change;
use crate::versions::{RecordKind, Versions, ViewVersion};
use crate::{Db, DbError, Page, Paging, Result, Tx, now, read, write};
use chrono::{DateTime, Utc};
use opportune_core::history::{Actor, EventKind};
use opportune_core::records::{Locale, Role};
use opportune_core::visibility::Viewer;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub team_id: Option<i64>,
    pub locale: Option<String>,
    pub active: bool,
}

impl UserRow {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.id,
            role: self.role,
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
    write!(&mut tx, c => sqlx::query("UPDATE users SET locale = $1, version = version + 1 WHERE id = $2").bind(locale.as_str()).bind(user_id).execute(c).await.map(|r| r.rows_affected()))?;
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
    lock_tree(tx).await?;
    let id: i64 = write!(tx, c => sqlx::query_scalar(
        "INSERT INTO teams (name, parent_id, created_at) VALUES ($1, $2, $3) RETURNING id"
    ).bind(name).bind(parent_id).bind(now()).fetch_one(c).await)
    .map_err(|e| DbError::unique(e, "name"))?;
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

/// Serializes changes to the team tree, so two moves cannot together make a cycle or leave the
/// closure half-rewritten. SQLite runs one writer at a time already; on PostgreSQL this lock
/// lets readers through and makes other tree writers wait for the commit.
async fn lock_tree(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("LOCK TABLE team_closure IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// A team with its place in the tree and how many users (active or not) belong to it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct TeamNode {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    /// 0 at the top of the tree, from the closure.
    pub depth: i64,
    pub members: i64,
    pub version: i64,
}

macro_rules! team_select {
    ($rest:literal) => {
        concat!(
            "SELECT t.id, t.name, t.parent_id, (SELECT COUNT(*) FROM team_closure c WHERE c.descendant_id = t.id) - 1 AS depth, ",
            "(SELECT COUNT(*) FROM users u WHERE u.team_id = t.id) AS members, t.version FROM teams t",
            $rest
        )
    };
}

pub async fn team(db: &Db, id: i64) -> Result<TeamNode> {
    read!(db, c => sqlx::query_as(team_select!(" WHERE t.id = $1")).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Every team, each followed by its subtree (parents before children, siblings by name).
pub async fn team_tree(db: &Db) -> Result<Vec<TeamNode>> {
    let rows =
        read!(db, c => sqlx::query_as(team_select!(" ORDER BY t.name, t.id")).fetch_all(c).await)?;
    Ok(preorder(rows))
}

/// Orders teams depth-first from the top of the tree, keeping the given order among siblings.
fn preorder(rows: Vec<TeamNode>) -> Vec<TeamNode> {
    let ids: HashSet<i64> = rows.iter().map(|t| t.id).collect();
    let mut children: HashMap<Option<i64>, Vec<TeamNode>> = HashMap::new();
    for t in rows {
        children
            .entry(t.parent_id.filter(|p| ids.contains(p)))
            .or_default()
            .push(t);
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut stack: Vec<TeamNode> = children.remove(&None).unwrap_or_default();
    stack.reverse();
    while let Some(t) = stack.pop() {
        if let Some(kids) = children.remove(&Some(t.id)) {
            stack.extend(kids.into_iter().rev());
        }
        out.push(t);
    }
    out
}

/// Renames team `id` and puts it under `parent_id` (`None`: the top of the tree), as read at
/// `version`. Moving rewrites the closure for the whole moved subtree, so managers above the
/// new place see its records and those above the old place no longer do; a parent inside the
/// subtree (the team itself included) is refused with `Cycle`.
pub async fn update_team(
    db: &Db,
    id: i64,
    version: i64,
    name: &str,
    parent_id: Option<i64>,
) -> Result<TeamNode> {
    let mut tx = db.begin().await?;
    lock_tree(&mut tx).await?;
    let old_parent: Option<Option<i64>> = write!(&mut tx, c => sqlx::query_scalar(
        "SELECT parent_id FROM teams WHERE id = $1"
    ).bind(id).fetch_optional(c).await)?;
    let old_parent = old_parent.ok_or(DbError::NotFound)?;
    let n = write!(&mut tx, c => sqlx::query(
        "UPDATE teams SET name = $1, parent_id = $2, version = version + 1 WHERE id = $3 AND version = $4"
    ).bind(name).bind(parent_id).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))
    .map_err(|e| DbError::unique(e, "name"))?;
    if n == 0 {
        return Err(DbError::Stale);
    }
    if parent_id != old_parent {
        if let Some(p) = parent_id {
            let inside: i64 = write!(&mut tx, c => sqlx::query_scalar(
                "SELECT COUNT(*) FROM team_closure WHERE ancestor_id = $1 AND descendant_id = $2"
            ).bind(id).bind(p).fetch_one(c).await)?;
            if inside > 0 {
                return Err(DbError::Cycle);
            }
        }
        // Cut the subtree from its old ancestors, then hang it under the new parent's.
        write!(&mut tx, c => sqlx::query(concat!(
            "DELETE FROM team_closure WHERE descendant_id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = $1) ",
            "AND ancestor_id NOT IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = $1)"
        )).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        write!(&mut tx, c => sqlx::query(concat!(
            "INSERT INTO team_closure (ancestor_id, descendant_id) SELECT a.ancestor_id, d.descendant_id ",
            "FROM team_closure a CROSS JOIN team_closure d WHERE a.descendant_id = $1 AND d.ancestor_id = $2"
        )).bind(parent_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    team(db, id).await
}

/// Deletes team `id`; `InUse` while it has sub-teams, members or records.
pub async fn delete_team(db: &Db, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    lock_tree(&mut tx).await?;
    let children: i64 = write!(&mut tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM teams WHERE parent_id = $1"
    ).bind(id).fetch_one(c).await)?;
    if children > 0 {
        return Err(DbError::InUse);
    }
    write!(&mut tx, c => sqlx::query("DELETE FROM team_closure WHERE descendant_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    let n = write!(&mut tx, c => sqlx::query("DELETE FROM teams WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))
        .map_err(DbError::in_use)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    tx.commit().await
}

/// A user as the administration shows them: never the password hash.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub active: bool,
    pub locale: Option<String>,
    pub version: i64,
}

macro_rules! user_select {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.role, u.team_id, t.name AS team_name, u.active, u.locale, u.version FROM users u LEFT JOIN teams t ON t.id = u.team_id",
            $rest
        )
    };
}

macro_rules! user_filter {
    () => {
        " WHERE ($1 IS NULL OR LOWER(u.name) LIKE LOWER($1) ESCAPE '\\' OR u.email LIKE LOWER($1) ESCAPE '\\') AND ($2 IS NULL OR u.role = $2) AND ($3 IS NULL OR u.team_id = $3) AND ($4 IS NULL OR u.active = $4)"
    };
}

/// Which users to list; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the name or the e-mail address.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub team_id: Option<i64>,
    pub active: Option<bool>,
}

pub async fn list_users(db: &Db, f: &UserFilter, p: Paging) -> Result<Page<UserRecord>> {
    let q = crate::scope::like(f.q.as_deref());
    let role = f.role.map(Role::as_str);
    let sql = sqlx::AssertSqlSafe(format!(
        concat!(user_select!(""), user_filter!(), " ORDER BY u.name, u.id{}"),
        crate::scope::window(p.limit, p.offset)
    ));
    let items = read!(db, c => sqlx::query_as(sql)
        .bind(&q).bind(role).bind(f.team_id).bind(f.active).fetch_all(c).await)?;
    let total = read!(db, c => sqlx::query_scalar(concat!("SELECT COUNT(*) FROM users u", user_filter!()))
        .bind(&q).bind(role).bind(f.team_id).bind(f.active).fetch_one(c).await)?;
    Ok(Page {
        items,
        total,
        limit: p.limit,
        offset: p.offset,
    })
}

pub async fn user(db: &Db, id: i64) -> Result<UserRecord> {
    read!(db, c => sqlx::query_as(user_select!(" WHERE u.id = $1")).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// What the administration may change on a user, validated by the caller.
pub struct UserChange<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub team_id: Option<i64>,
    pub active: bool,
    pub locale: Option<Locale>,
    /// The new password's hash; `None` keeps the password.
    pub password_hash: Option<&'a str>,
}

/// Tables whose records carry their owner's team.
const OWNED: [&str; 5] = [
    "UPDATE accounts SET team_id = $1 WHERE owner_id = $2",
    "UPDATE contacts SET team_id = $1 WHERE owner_id = $2",
    "UPDATE leads SET team_id = $1 WHERE owner_id = $2",
    "UPDATE opportunities SET team_id = $1 WHERE owner_id = $2",
    "UPDATE activities SET team_id = $1 WHERE owner_id = $2",
];

/// Saves an edit of user `id` read at `version`; `Stale` if it changed since. A user moved to
/// another team takes their records along (a record's team is its owner's team), and a user
/// deactivated loses their sessions. `actor` made the change: the deals' histories record their
/// new team as theirs.
pub async fn update_user(
    db: &Db,
    actor: Actor,
    (id, version): (i64, i64),
    u: &UserChange<'_>,
) -> Result<UserRecord> {
    let mut tx = db.begin().await?;
    let before: Option<(Option<i64>, bool)> = write!(&mut tx, c => sqlx::query_as(
        "SELECT team_id, active FROM users WHERE id = $1"
    ).bind(id).fetch_optional(c).await)?;
    let (old_team, was_active) = before.ok_or(DbError::NotFound)?;
    let n = write!(&mut tx, c => sqlx::query(
        "UPDATE users SET email = $1, name = $2, role = $3, team_id = $4, active = $5, locale = $6, password_hash = COALESCE($7, password_hash), version = version + 1 WHERE id = $8 AND version = $9"
    ).bind(u.email.to_lowercase()).bind(u.name).bind(u.role.as_str()).bind(u.team_id).bind(u.active)
    .bind(u.locale.map(Locale::as_str)).bind(u.password_hash).bind(id).bind(version)
    .execute(c).await.map(|r| r.rows_affected()))
    .map_err(|e| DbError::unique(e, "email"))?;
    if n == 0 {
        return Err(DbError::Stale);
    }
    if u.team_id != old_team {
        for sql in OWNED {
            write!(&mut tx, c => sqlx::query(sql).bind(u.team_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        }
        let team = |t: Option<i64>| t.map(|t| t.to_string()).unwrap_or_default();
        let change = Change::of(EventKind::Team, &team(old_team), &team(u.team_id));
        crate::history::record_owned(&mut tx, id, actor, now(), &change).await?;
    }
    if was_active && !u.active {
        write!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    user(db, id).await
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

/// A signed-in caller: who they are and, when asked for (a kept view), where what the view
/// shows stands — read in the one query every request makes, so a kept board or list costs one
/// round trip (docs/PERFORMANCE.md, fix 10), and the other requests do not pay for it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Caller {
    #[sqlx(flatten)]
    pub user: UserRow,
    all: Option<i64>,
    part: Option<i64>,
}

impl Caller {
    /// The `'all'` view version, if it was read with the caller.
    pub fn all(&self) -> Option<i64> {
        self.all
    }

    /// Where the view asked for stands (the deals the caller sees, or a kind of record), if it
    /// was read with them.
    pub fn view(&self) -> Option<ViewVersion> {
        Some(ViewVersion {
            all: self.all?,
            part: self.part?,
        })
    }
}

/// The `'all'` view version as a column, for [`caller_select!`].
macro_rules! all_version {
    () => {
        "(SELECT version FROM view_versions WHERE scope = 'all' AND id = 0) AS \"all\", "
    };
}

/// The `'all'` version and that of the records whose keys in `view_versions` the condition
/// `$scopes` selects, as the columns of a [`ViewVersion`], for [`caller_select!`].
macro_rules! records_version {
    ($scopes:literal) => {
        concat!(
            all_version!(),
            "CAST(COALESCE((SELECT SUM(version) FROM view_versions WHERE ",
            $scopes,
            " AND id = 0), 0) AS BIGINT) AS part"
        )
    };
}

/// `SELECT` a [`Caller`] from `$from`, where `u` is the user: `plain`, with the `all` view
/// version, with the version of the `deals` they see or of a kind of `records`; or `as` a
/// [`Versions`] variable asks.
macro_rules! caller_select {
    (as $versions:ident, $from:expr) => {
        match $versions {
            Versions::None => caller_select!(plain, $from),
            Versions::All => caller_select!(all, $from),
            Versions::Deals => caller_select!(deals, $from),
            Versions::Records(RecordKind::Account) => {
                caller_select!(records "scope = 'account'", $from)
            }
            // The contacts' page offers the accounts to filter by.
            Versions::Records(RecordKind::Contact) => {
                caller_select!(records "scope IN ('contact', 'account')", $from)
            }
            Versions::Records(RecordKind::Lead) => caller_select!(records "scope = 'lead'", $from),
            Versions::Records(RecordKind::Activity) => {
                caller_select!(records "scope = 'activity'", $from)
            }
        }
    };
    (plain, $from:expr) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active, ",
            "CAST(NULL AS BIGINT) AS \"all\", CAST(NULL AS BIGINT) AS part FROM ",
            $from
        )
    };
    (all, $from:expr) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active, ",
            all_version!(),
            "CAST(NULL AS BIGINT) AS part FROM ",
            $from
        )
    };
    (deals, $from:expr) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active, ",
            $crate::deals_version!("u.id", "u.role", "u.team_id"),
            " FROM ",
            $from
        )
    };
    (records $scopes:literal, $from:expr) => {
        concat!(
            "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, u.locale, u.active, ",
            records_version!($scopes),
            " FROM ",
            $from
        )
    };
}

/// The caller with this session, if it is live, with the view `versions` asked for.
pub async fn session_user(db: &Db, token_hash: &str, versions: Versions) -> Result<Option<Caller>> {
    macro_rules! from {
        () => {
            "sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
        };
    }
    let sql = caller_select!(as versions, from!());
    Ok(read!(db, c => sqlx::query_as(sql).bind(token_hash).bind(now()).fetch_optional(c).await)?)
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

/// The caller with this API token, with the view `versions` asked for.
pub async fn token_user(db: &Db, token_hash: &str, versions: Versions) -> Result<Option<Caller>> {
    macro_rules! from {
        () => {
            "api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.active"
        };
    }
    let sql = caller_select!(as versions, from!());
    Ok(read!(db, c => sqlx::query_as(sql).bind(token_hash).fetch_optional(c).await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, name: &str, parent_id: Option<i64>) -> TeamNode {
        TeamNode {
            id,
            name: name.to_owned(),
            parent_id,
            depth: 0,
            members: 0,
            version: 1,
        }
    }

    #[test]
    fn the_tree_lists_each_team_before_its_subtree() {
        let by_name = vec![
            node(3, "East", Some(1)),
            node(1, "HQ", None),
            node(5, "Pudong", Some(4)),
            node(6, "Remote", None),
            node(4, "Shanghai", Some(3)),
            node(2, "West", Some(1)),
        ];
        let names: Vec<String> = preorder(by_name).into_iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            ["HQ", "East", "Shanghai", "Pudong", "West", "Remote"]
        );
    }
}
