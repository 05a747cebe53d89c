//! User administration pages: the list with search and filters, and the create/edit form.
//! Administrators only; everyone else gets 403.

use super::accounts::{form_status, pager};
use super::teams::team_choices;
use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render};
use crate::AppState;
use crate::auth::PageUser;
use crate::i18n::Tr;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::admin::UserForm;
use opportune_core::FieldErrors;
use opportune_core::records::{Locale, Role};
use opportune_db::Paging;
use opportune_db::users::{self, UserFilter, UserRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", post(update))
        .route("/admin/users/{id}/edit", get(edit_form))
}

/// The 403 of the user and team administration for anyone but an administrator.
pub(super) fn forbidden(me: &PageUser) -> Result<(), PageError> {
    super::admin_only(me, "users-admin-only")
}

fn role_label(tr: Tr, role: Role) -> String {
    tr.t(&format!("role-{role}"))
}

fn locale_label(tr: Tr, locale: Option<&str>) -> String {
    match locale.and_then(|l| Locale::parse(l).ok()) {
        Some(Locale::ZhCn) => tr.t("lang-zh"),
        Some(Locale::En) => tr.t("lang-en"),
        None => tr.t("users-locale-default"),
    }
}

/// The list's filters and paging; `q` matches part of the name or e-mail address.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    role: String,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    team_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    active: Option<bool>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    offset: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub team: String,
    pub language: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    total: i64,
    q: String,
    role: String,
    team_id: Option<i64>,
    active: Option<bool>,
    roles: Vec<(&'static str, String)>,
    teams: Vec<(i64, String)>,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn role_is(&self, r: &str) -> bool {
        self.role.trim() == r
    }
    fn team_is(&self, id: &i64) -> bool {
        self.team_id == Some(*id)
    }
    fn active_is(&self, a: bool) -> bool {
        self.active == Some(a)
    }
}

fn roles(tr: Tr) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), role_label(tr, *r)))
        .collect()
}

async fn list(
    State(state): State<AppState>,
    me: PageUser,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    forbidden(&me)?;
    let tr = me.tr;
    let filter = UserFilter {
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        role: Role::parse(&q.role).ok(),
        team_id: q.team_id,
        active: q.active,
    };
    let paging = Paging::new(q.limit, q.offset);
    let page = users::list_users(&state.db, &filter, paging).await?;
    let tree = users::team_tree(&state.db).await?;
    let rows = page
        .items
        .into_iter()
        .map(|u| Row {
            role: role_label(tr, u.role),
            language: locale_label(tr, u.locale.as_deref()),
            team: u.team_name.unwrap_or_default(),
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
        })
        .collect();
    let (prev, next) = pager(&uri, paging, page.total);
    let p = ListPage {
        s: Shell::new(tr, Some(&me.user), "nav-users", uri.to_string()),
        rows,
        total: page.total,
        q: q.q,
        role: q.role,
        team_id: q.team_id,
        active: q.active,
        roles: roles(tr),
        teams: team_choices(&tree),
        prev,
        next,
    };
    Ok(render(&p, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "admin_user_form.html")]
struct FormPage {
    s: Shell,
    id: Option<i64>,
    f: UserForm,
    errors: Errors,
    stale: bool,
    roles: Vec<(&'static str, String)>,
    teams: Vec<(i64, String)>,
    locales: Vec<(&'static str, String)>,
}

impl FormPage {
    fn is_str(&self, a: &str, b: &str) -> bool {
        a.trim() == b
    }
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
    fn active(&self) -> bool {
        self.f.active.is_some()
    }
}

/// The user form, new (`id` is `None`) or editing user `id`. The password is never shown back.
async fn form_page(
    state: &AppState,
    me: &PageUser,
    id: Option<i64>,
    f: UserForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let tree = users::team_tree(&state.db).await?;
    let path = id.map_or_else(
        || "/admin/users/new".to_owned(),
        |i| format!("/admin/users/{i}/edit"),
    );
    let page = FormPage {
        s: Shell::new(tr, Some(&me.user), "nav-users", path),
        id,
        f: UserForm {
            password: String::new(),
            ..f
        },
        errors: Errors::new(errors, tr),
        stale,
        roles: roles(tr),
        teams: team_choices(&tree),
        locales: Locale::ALL
            .iter()
            .map(|l| (l.as_str(), locale_label(tr, Some(l.as_str()))))
            .collect(),
    };
    Ok(render(&page, form_status(errors, stale)))
}

async fn new_form(State(state): State<AppState>, me: PageUser) -> PageResult {
    forbidden(&me)?;
    let f = UserForm {
        role: Role::Rep.as_str().to_owned(),
        ..UserForm::default()
    };
    form_page(&state, &me, None, f, &FieldErrors::new(), false).await
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<UserForm>,
) -> PageResult {
    forbidden(&me)?;
    match f.create(&state).await {
        Err(Error::Invalid(e)) => form_page(&state, &me, None, f, &e, false).await,
        created => {
            created?;
            Ok(Redirect::to("/admin/users").into_response())
        }
    }
}

async fn load(state: &AppState, me: &PageUser, id: i64) -> Result<UserRecord, PageError> {
    super::found(me, users::user(&state.db, id)).await
}

async fn edit_form(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    forbidden(&me)?;
    let f = UserForm::from_record(&load(&state, &me, id).await?);
    form_page(&state, &me, Some(id), f, &FieldErrors::new(), false).await
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<UserForm>,
) -> PageResult {
    forbidden(&me)?;
    let current = load(&state, &me, id).await?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    match f.update(&state, me.user.id, &current, version).await {
        Err(Error::Invalid(e)) => form_page(&state, &me, Some(id), f, &e, false).await,
        Err(Error::Stale(_)) => {
            let now = UserForm::from_record(&load(&state, &me, id).await?);
            form_page(&state, &me, Some(id), now, &FieldErrors::new(), true).await
        }
        saved => {
            saved.or_page(&me)?;
            Ok(Redirect::to("/admin/users").into_response())
        }
    }
}
