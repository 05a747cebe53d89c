//! Raw input of the user and team administration, as text, validated into storage inputs, and
//! the create/edit operations that the API and the pages share. Like the record forms, a form
//! holds every field as typed, so a page can show it back with its errors.

use crate::App;
use crate::Error;
use crate::forms::{NAME_MAX, optional_id};
use crate::passwords::hash;
use crate::records::checked;
use opportune_core::fields::{FieldErrors, new_password, optional_email, required_text};
use opportune_core::history::Actor;
use opportune_core::records::{Locale, Role};
use opportune_db::DbError;
use opportune_db::users::{self, NewUser, TeamNode, UserChange, UserRecord};
use serde::Deserialize;

/// Checks that the team chosen in `field` exists.
async fn check_team(
    state: &App,
    field: &'static str,
    team_id: Option<i64>,
    errors: &mut FieldErrors,
) -> Result<(), DbError> {
    if let Some(id) = team_id {
        match users::team(&state.db, id).await {
            Ok(_) => {}
            Err(DbError::NotFound) => errors.add(field, "not_found"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The user fields as typed. `active` is a checkbox, so absent means off; a blank password
/// keeps the current one when editing. No `Debug`: the password must never reach a log.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub team_id: String,
    pub locale: String,
    pub active: Option<String>,
    pub password: String,
    pub version: String,
}

/// A user's fields once read; only handed out when no problem was found.
struct UserInput {
    email: String,
    name: String,
    role: Role,
    team_id: Option<i64>,
    locale: Option<Locale>,
    active: bool,
    password: Option<String>,
}

/// Creates the checked user, in the team called `team` if one is named (created if need be).
async fn insert(state: &App, input: UserInput, team: Option<&str>) -> Result<UserRecord, Error> {
    let password_hash = hash(input.password.unwrap_or_default()).await?;
    let mut tx = state.db.begin().await?;
    let team_id = match team {
        Some(name) => Some(users::ensure_team(&mut tx, name).await?),
        None => input.team_id,
    };
    let id = users::create(
        &mut tx,
        &NewUser {
            email: &input.email,
            name: &input.name,
            password_hash: &password_hash,
            role: input.role,
            team_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(users::user(&state.db, id).await?)
}

impl UserForm {
    /// The form filled with a stored user, for editing (the password blank).
    pub fn from_record(u: &UserRecord) -> UserForm {
        UserForm {
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.as_str().to_owned(),
            team_id: u.team_id.map(|t| t.to_string()).unwrap_or_default(),
            locale: u.locale.clone().unwrap_or_default(),
            active: u.active.then(|| "on".to_owned()),
            password: String::new(),
            version: u.version.to_string(),
        }
    }

    /// Reads every field, collecting all problems at once. `editing` is the user being edited and
    /// the administrator editing them (`None` for a new user, who is active and needs a
    /// password); an administrator may neither deactivate themself nor give up their own
    /// administrator role.
    fn read(&self, editing: Option<(&UserRecord, i64)>) -> (UserInput, FieldErrors) {
        let current = editing.map(|(c, _)| c);
        let mut e = FieldErrors::new();
        let email = e
            .take(
                "email",
                optional_email(&self.email)
                    .and_then(|m| if m.is_empty() { Err("required") } else { Ok(m) }),
            )
            .unwrap_or_default();
        let name = e
            .take("name", required_text(&self.name, NAME_MAX))
            .unwrap_or_default();
        let role = e.take(
            "role",
            if self.role.trim().is_empty() {
                Err("required")
            } else {
                Role::parse(&self.role)
            },
        );
        let team_id = e.take("team_id", optional_id(&self.team_id)).flatten();
        let locale = if self.locale.trim().is_empty() {
            None
        } else {
            e.take("locale", Locale::parse(&self.locale))
        };
        let active =
            current.is_none() || matches!(self.active.as_deref(), Some("on" | "true" | "1"));
        let password = if current.is_some() && self.password.is_empty() {
            None
        } else {
            e.take("password", new_password(&self.password).map(str::to_owned))
        };
        if editing.is_some_and(|(c, me)| c.id == me) {
            if !active {
                e.add("active", "self_lockout");
            }
            if role.is_some_and(|r| r != Role::Admin) {
                e.add("role", "self_lockout");
            }
        }
        let input = UserInput {
            email,
            name,
            role: role.unwrap_or(Role::Rep),
            team_id,
            locale,
            active,
            password,
        };
        (input, e)
    }

    /// Validates, checks the team and creates the user (active, in the organization's
    /// language until they or an administrator choose one): for an administrator's page or API
    /// call, and for the command line.
    pub async fn create(&self, state: &App) -> Result<UserRecord, Error> {
        let (input, mut errors) = self.read(None);
        if errors.get("team_id").is_none() {
            check_team(state, "team_id", input.team_id, &mut errors).await?;
        }
        insert(state, checked(input, errors)?, None).await
    }

    /// Validates and creates the user in the team called `team` (its `team_id` is not read),
    /// creating that team at the top of the tree if there is none yet, in one transaction: a
    /// refused user leaves no team behind. For the command line.
    pub async fn create_in_team(&self, state: &App, team: &str) -> Result<UserRecord, Error> {
        let (input, mut errors) = self.read(None);
        let team = errors
            .take("team", required_text(team, NAME_MAX))
            .unwrap_or_default();
        insert(state, checked(input, errors)?, Some(&team)).await
    }

    /// Validates and saves an edit made against `version`; a stale version is refused with the
    /// current user.
    pub async fn update(
        &self,
        state: &App,
        me: i64,
        current: &UserRecord,
        version: i64,
    ) -> Result<UserRecord, Error> {
        let (input, mut errors) = self.read(Some((current, me)));
        if errors.get("team_id").is_none() && input.team_id != current.team_id {
            check_team(state, "team_id", input.team_id, &mut errors).await?;
        }
        let input = checked(input, errors)?;
        let password_hash = match input.password {
            Some(p) => Some(hash(p).await?),
            None => None,
        };
        let change = UserChange {
            email: &input.email,
            name: &input.name,
            role: input.role,
            team_id: input.team_id,
            active: input.active,
            locale: input.locale,
            password_hash: password_hash.as_deref(),
        };
        match users::update_user(&state.db, Actor::User(me), (current.id, version), &change).await {
            Err(DbError::Stale) => Err(Error::stale(users::user(&state.db, current.id).await?)),
            other => Ok(other?),
        }
    }
}

/// The team fields as typed; a blank parent is the top of the tree.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TeamForm {
    pub name: String,
    pub parent_id: String,
    pub version: String,
}

impl TeamForm {
    /// The form filled with a stored team, for editing.
    pub fn from_record(t: &TeamNode) -> TeamForm {
        TeamForm {
            name: t.name.clone(),
            parent_id: t.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            version: t.version.to_string(),
        }
    }

    fn read(&self) -> ((String, Option<i64>), FieldErrors) {
        let mut e = FieldErrors::new();
        let name = e
            .take("name", required_text(&self.name, NAME_MAX))
            .unwrap_or_default();
        let parent_id = e.take("parent_id", optional_id(&self.parent_id)).flatten();
        ((name, parent_id), e)
    }

    /// Validates, checks the parent and creates the team under it.
    pub async fn create(&self, state: &App) -> Result<TeamNode, Error> {
        let ((name, parent_id), mut errors) = self.read();
        if errors.get("parent_id").is_none() {
            check_team(state, "parent_id", parent_id, &mut errors).await?;
        }
        let (name, parent_id) = checked((name, parent_id), errors)?;
        let mut tx = state.db.begin().await?;
        let id = users::create_team(&mut tx, &name, parent_id).await?;
        tx.commit().await?;
        Ok(users::team(&state.db, id).await?)
    }

    /// Validates and saves a rename or move made against `version`: a parent inside the team's
    /// own subtree is refused, a stale version answered with the current team.
    pub async fn update(
        &self,
        state: &App,
        current: &TeamNode,
        version: i64,
    ) -> Result<TeamNode, Error> {
        let ((name, parent_id), mut errors) = self.read();
        if errors.get("parent_id").is_none() && parent_id != current.parent_id {
            check_team(state, "parent_id", parent_id, &mut errors).await?;
        }
        let (name, parent_id) = checked((name, parent_id), errors)?;
        match users::update_team(&state.db, current.id, version, &name, parent_id).await {
            Err(DbError::Stale) => Err(Error::stale(users::team(&state.db, current.id).await?)),
            other => Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(id: i64) -> UserRecord {
        UserRecord {
            id,
            email: "admin@example.com".into(),
            name: "Admin".into(),
            role: Role::Admin,
            team_id: None,
            team_name: None,
            active: true,
            locale: None,
            version: 1,
        }
    }

    #[test]
    fn a_new_user_needs_every_field_and_a_password() {
        let f = UserForm {
            email: "not-an-address".into(),
            role: "boss".into(),
            team_id: "x".into(),
            password: "short".into(),
            ..UserForm::default()
        };
        let (_, e) = f.read(None);
        assert_eq!(e.get("email"), Some("invalid_email"));
        assert_eq!(e.get("name"), Some("required"));
        assert_eq!(e.get("role"), Some("invalid_choice"));
        assert_eq!(e.get("team_id"), Some("invalid_number"));
        assert_eq!(e.get("password"), Some("too_short"));
        let good = UserForm {
            email: " Li.Na@Example.com ".into(),
            name: "李娜".into(),
            role: "rep".into(),
            password: "long enough".into(),
            ..UserForm::default()
        };
        let (input, e) = good.read(None);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(input.email, "li.na@example.com");
        assert!(input.active, "new users are active");
        assert_eq!(input.password.as_deref(), Some("long enough"));
    }

    #[test]
    fn an_edit_keeps_a_blank_password_and_refuses_self_lockout() {
        let me = admin(7);
        let mut f = UserForm::from_record(&me);
        let (input, e) = f.read(Some((&me, 7)));
        assert!(e.is_empty() && input.password.is_none() && input.active);
        f.active = None;
        f.role = "manager".into();
        let (_, e) = f.read(Some((&me, 7)));
        assert_eq!(e.get("active"), Some("self_lockout"));
        assert_eq!(e.get("role"), Some("self_lockout"));
        let (input, e) = f.read(Some((&me, 8)));
        assert!(e.is_empty(), "another administrator may: {e:?}");
        assert!(!input.active);
    }
}
