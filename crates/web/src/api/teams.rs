//! `/api/v1/teams`: the team tree — list, create, rename or move, delete (administrators only).

use super::ErrorBody;
use super::users::admin_only;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use opportune_app::admin::TeamForm;
use opportune_app::records::{LinkPatch, patch_link, patch_text};
use opportune_db::users::{self, TeamNode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
}

/// A team and its place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamOut {
    pub id: i64,
    pub name: String,
    /// null at the top of the tree.
    pub parent_id: Option<i64>,
    /// 0 at the top of the tree, 1 for its sub-teams, and so on.
    pub depth: i64,
    /// Users in this team (not its sub-teams), active or not.
    pub members: i64,
    pub version: i64,
}

impl From<TeamNode> for TeamOut {
    fn from(t: TeamNode) -> Self {
        TeamOut {
            id: t.id,
            name: t.name,
            parent_id: t.parent_id,
            depth: t.depth,
            members: t.members,
            version: t.version,
        }
    }
}

/// Every team, each followed by its sub-teams (siblings by name).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamOut>,
}

/// The whole team tree, parents before their sub-teams (administrators only).
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", operation_id = "list_teams",
    responses((status = 200, body = TeamList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, me: ApiUser) -> Result<Json<TeamList>, ApiError> {
    admin_only(&me)?;
    let tree = users::team_tree(&state.db).await?;
    Ok(Json(TeamList {
        items: tree.into_iter().map(TeamOut::from).collect(),
    }))
}

/// A new team, at the top of the tree or under `parent_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamCreate {
    pub name: String,
    pub parent_id: Option<i64>,
}

/// Fields to change, with the `version` that was read: `parent_id` moves the team with its
/// whole subtree (null: to the top of the tree).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamPatch {
    pub version: i64,
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub parent_id: LinkPatch,
}

/// Creates a team (administrators only).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", operation_id = "create_team", request_body = TeamCreate,
    responses((status = 201, body = TeamOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<TeamCreate>,
) -> Result<(StatusCode, Json<TeamOut>), ApiError> {
    admin_only(&me)?;
    let form = TeamForm {
        name: b.name,
        parent_id: b.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        version: String::new(),
    };
    let t = form.create(&state).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// One team (administrators only).
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "get_team", params(("id" = i64, Path)),
    responses((status = 200, body = TeamOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<TeamOut>, ApiError> {
    admin_only(&me)?;
    let t = users::team(&state.db, id).await?;
    Ok(Json(t.into()))
}

/// Renames or moves a team read at `version` (administrators only). Moving takes the whole
/// subtree along, so managers above the new place see its records; a parent inside the team's
/// own subtree is refused (422 `parent_id`); 409 `stale_version` with the current team.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "update_team", params(("id" = i64, Path)), request_body = TeamPatch,
    responses((status = 200, body = TeamOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<TeamPatch>,
) -> Result<Json<TeamOut>, ApiError> {
    admin_only(&me)?;
    let current = users::team(&state.db, id).await?;
    let mut form = TeamForm::from_record(&current);
    patch_text(&mut form.name, b.name);
    patch_link(&mut form.parent_id, b.parent_id);
    let t = form.update(&state, &current, b.version).await?;
    Ok(Json(t.into()))
}

/// Deletes a team (administrators only); 409 `in_use` while it has members, sub-teams or
/// records.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "delete_team", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    admin_only(&me)?;
    users::delete_team(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
