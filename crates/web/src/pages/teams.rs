//! The team tree page: every team indented under its parent with its member count, a form to
//! create a team, and per team a rename/move form and a delete button. Administrators only.

use super::{Errors, HtmlForm, OrPage, PageId, PageResult, Shell, render};
use crate::AppState;
use crate::auth::PageUser;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::admin::TeamForm;
use opportune_core::FieldErrors;
use opportune_db::DbError;
use opportune_db::users::{self, TeamNode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/teams", get(index).post(create))
        .route("/admin/teams/{id}", post(update))
        .route("/admin/teams/{id}/delete", post(delete))
}

/// The teams of a tree as select options, indented by depth.
pub(super) fn team_choices(tree: &[TeamNode]) -> Vec<(i64, String)> {
    tree.iter().map(|t| (t.id, indented(t))).collect()
}

fn indented(t: &TeamNode) -> String {
    format!(
        "{}{}",
        "\u{a0}\u{a0}\u{a0}".repeat(usize::try_from(t.depth).unwrap_or(0)),
        t.name
    )
}

/// The teams `tree[i]` may be moved under: all but itself and its subtree, which follows it
/// in the depth-first order with a greater depth.
fn parents_for(tree: &[TeamNode], i: usize) -> Vec<(i64, String)> {
    let depth = tree[i].depth;
    let end = tree[i + 1..]
        .iter()
        .position(|t| t.depth <= depth)
        .map_or(tree.len(), |n| i + 1 + n);
    tree[..i]
        .iter()
        .chain(&tree[end..])
        .map(|t| (t.id, indented(t)))
        .collect()
}

/// A team as its row shows it, with its edit form.
pub struct Row {
    pub t: TeamNode,
    pub f: TeamForm,
    pub errors: Errors,
    pub open: bool,
    pub parents: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    s: Shell,
    rows: Vec<Row>,
    all: Vec<(i64, String)>,
    new: TeamForm,
    new_errors: Errors,
    has_errors: bool,
    stale: bool,
    in_use: Option<String>,
}

impl TeamsPage {
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
}

/// What the page shows besides the tree: a form sent back with its problems, a stale edit, a
/// refused delete.
#[derive(Default)]
struct Outcome {
    new: Option<(TeamForm, FieldErrors)>,
    edited: Option<(i64, TeamForm, FieldErrors)>,
    stale: Option<i64>,
    in_use: Option<i64>,
}

async fn page(state: &AppState, me: &PageUser, o: Outcome) -> PageResult {
    let tr = me.tr;
    let tree = users::team_tree(&state.db).await?;
    let all = team_choices(&tree);
    let in_use = o
        .in_use
        .and_then(|id| tree.iter().find(|t| t.id == id))
        .map(|t| t.name.clone());
    let mut rows: Vec<Row> = tree
        .iter()
        .enumerate()
        .map(|(i, t)| Row {
            f: TeamForm::from_record(t),
            errors: Errors::default(),
            open: o.stale == Some(t.id),
            parents: parents_for(&tree, i),
            t: t.clone(),
        })
        .collect();
    let mut status = if o.stale.is_some() || in_use.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    if let Some((id, f, errors)) = o.edited
        && let Some(row) = rows.iter_mut().find(|r| r.t.id == id)
    {
        row.f = f;
        row.errors = Errors::new(&errors, tr);
        row.open = true;
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let (new, new_errors) = match o.new {
        Some((f, errors)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            (f, Errors::new(&errors, tr))
        }
        None => (TeamForm::default(), Errors::default()),
    };
    let has_errors = new_errors.any() || rows.iter().any(|r| r.errors.any());
    let p = TeamsPage {
        s: Shell::new(tr, Some(&me.user), "nav-teams", "/admin/teams"),
        rows,
        all,
        new,
        new_errors,
        has_errors,
        stale: o.stale.is_some(),
        in_use,
    };
    Ok(render(&p, status))
}

async fn index(State(state): State<AppState>, me: PageUser) -> PageResult {
    super::users::forbidden(&me)?;
    page(&state, &me, Outcome::default()).await
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<TeamForm>,
) -> PageResult {
    super::users::forbidden(&me)?;
    match f.create(&state).await {
        Err(Error::Invalid(e)) => {
            let o = Outcome {
                new: Some((f, e)),
                ..Outcome::default()
            };
            page(&state, &me, o).await
        }
        created => {
            created?;
            Ok(Redirect::to("/admin/teams").into_response())
        }
    }
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<TeamForm>,
) -> PageResult {
    super::users::forbidden(&me)?;
    let current = users::team(&state.db, id).await.or_page(&me)?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let o = match f.update(&state, &current, version).await {
        Err(Error::Invalid(e)) => Outcome {
            edited: Some((id, f, e)),
            ..Outcome::default()
        },
        Err(Error::Stale(_)) => Outcome {
            stale: Some(id),
            ..Outcome::default()
        },
        saved => {
            saved.or_page(&me)?;
            return Ok(Redirect::to("/admin/teams").into_response());
        }
    };
    page(&state, &me, o).await
}

async fn delete(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    super::users::forbidden(&me)?;
    match users::delete_team(&state.db, id).await {
        // Still has sub-teams, members or records: the page says so.
        Err(DbError::InUse) => {
            let o = Outcome {
                in_use: Some(id),
                ..Outcome::default()
            };
            return page(&state, &me, o).await;
        }
        deleted => deleted.or_page(&me)?,
    }
    Ok(Redirect::to("/admin/teams").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, name: &str, depth: i64) -> TeamNode {
        TeamNode {
            id,
            name: name.to_owned(),
            parent_id: None,
            depth,
            members: 0,
            version: 1,
        }
    }

    #[test]
    fn a_team_cannot_be_moved_into_its_own_subtree() {
        let tree = [
            node(1, "HQ", 0),
            node(2, "East", 1),
            node(3, "Shanghai", 2),
            node(4, "West", 1),
        ];
        let ids = |i| {
            parents_for(&tree, i)
                .into_iter()
                .map(|(id, _)| id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(0), Vec::<i64>::new());
        assert_eq!(ids(1), [1, 4]);
        assert_eq!(ids(2), [1, 2, 4]);
        assert_eq!(ids(3), [1, 2, 3]);
        assert_eq!(team_choices(&tree)[2].1, "\u{a0}".repeat(6) + "Shanghai");
    }
}
