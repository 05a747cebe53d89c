//! `/api/v1/users`: list, get, create and update users (administrators only).

use super::{ErrorBody, List, PageQuery};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use opportune_app::admin::UserForm;
use opportune_app::records::{LinkPatch, patch_link, patch_text};
use opportune_core::records::Role;
use opportune_db::users::{self, UserFilter, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch))
}

/// 403 for anyone but an administrator.
pub(super) fn admin_only(me: &ApiUser) -> Result<(), ApiError> {
    if me.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A user as the administration sees them (never the password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// rep, manager or admin.
    pub role: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    /// Inactive users cannot sign in, and their sessions and API tokens do not work.
    pub active: bool,
    /// zh-CN or en; null follows the organization's default language.
    pub locale: Option<String>,
    pub version: i64,
}

impl From<UserRecord> for UserOut {
    fn from(u: UserRecord) -> Self {
        UserOut {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            team_id: u.team_id,
            team_name: u.team_name,
            active: u.active,
            locale: u.locale,
            version: u.version,
        }
    }
}

/// Filters and paging of the list: `q` matches part of the name or e-mail address.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub q: Option<String>,
    /// rep, manager or admin.
    pub role: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub team_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

/// Users by name, filtered and paged (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", operation_id = "list_users", params(ListQuery),
    responses((status = 200, body = List<UserOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<List<UserOut>>, ApiError> {
    admin_only(&me)?;
    let role = match q.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(Role::parse(r).map_err(|c| ApiError::invalid("role", c))?),
        None => None,
    };
    let filter = UserFilter {
        q: q.q.filter(|q| !q.trim().is_empty()),
        role,
        team_id: q.team_id,
        active: q.active,
    };
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let rows = users::list_users(&state.db, &filter, page).await?;
    Ok(Json(List::from_page(rows, UserOut::from)))
}

/// A new user; the password needs at least 8 characters.
#[derive(Deserialize, ToSchema)]
pub struct UserCreate {
    pub email: String,
    pub name: String,
    /// rep, manager or admin.
    pub role: String,
    pub team_id: Option<i64>,
    pub password: String,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are;
/// `team_id` or `locale` null clears them; an empty `password` keeps the current one.
#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    pub version: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub team_id: LinkPatch,
    pub active: Option<bool>,
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
}

impl UserPatch {
    fn apply(self, f: &mut UserForm) {
        patch_text(&mut f.name, self.name);
        patch_text(&mut f.email, self.email);
        patch_text(&mut f.role, self.role);
        patch_link(&mut f.team_id, self.team_id);
        if let Some(active) = self.active {
            f.active = active.then(|| "on".to_owned());
        }
        patch_text(&mut f.password, self.password);
        if let Some(locale) = self.locale {
            f.locale = locale.unwrap_or_default();
        }
    }
}

/// Creates a user (administrators only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", operation_id = "create_user", request_body = UserCreate,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<UserCreate>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    admin_only(&me)?;
    let form = UserForm {
        email: b.email,
        name: b.name,
        role: b.role,
        team_id: b.team_id.map(|t| t.to_string()).unwrap_or_default(),
        password: b.password,
        ..UserForm::default()
    };
    let u = form.create(&state).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

/// One user (administrators only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", operation_id = "get_user", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<UserOut>, ApiError> {
    admin_only(&me)?;
    let u = users::user(&state.db, id).await?;
    Ok(Json(u.into()))
}

/// Changes a user read at `version` (administrators only); 409 `stale_version` with the current
/// user if it changed since. Administrators cannot deactivate themselves or give up their own
/// administrator role (422 on `active` or `role`).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", operation_id = "update_user", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<UserPatch>,
) -> Result<Json<UserOut>, ApiError> {
    admin_only(&me)?;
    let current = users::user(&state.db, id).await?;
    let version = b.version;
    let mut form = UserForm::from_record(&current);
    b.apply(&mut form);
    let u = form.update(&state, me.user.id, &current, version).await?;
    Ok(Json(u.into()))
}
