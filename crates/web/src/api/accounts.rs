//! `/api/v1/accounts`: list, get, create, update and delete accounts (客户).

use super::{ErrorBody, List, PageQuery, kept_list};
use crate::AppState;
use crate::auth::{Accounts, ApiUser, WithRecords};
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use opportune_app::records::{AccountForm, patch_id, patch_text};
use opportune_db::accounts::{self, Account, AccountFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
}

/// An account (客户) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    pub name: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    pub address: String,
    /// AA, A, B, C or D.
    pub grade: Option<String>,
    /// prospect, active, dormant or lost.
    pub status: String,
    pub needs_notes: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// False when the record is only shared with the caller: they may read it, not change it.
    pub editable: bool,
}

impl From<Account> for AccountOut {
    fn from(a: Account) -> Self {
        AccountOut {
            id: a.id,
            name: a.name,
            industry: a.industry,
            size: a.size,
            region: a.region,
            address: a.address,
            grade: a.grade,
            status: a.status.as_str().to_owned(),
            needs_notes: a.needs_notes,
            owner_id: a.owner_id,
            owner_name: a.owner_name,
            team_id: a.team_id,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
            editable: a.editable,
        }
    }
}

/// Filters and paging of the list: `q` matches part of the name.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub q: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub owner_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

/// Accounts the caller may see, by name, filtered and paged.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", operation_id = "list_accounts", params(ListQuery),
    responses((status = 200, body = List<AccountOut>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<ApiUser, Accounts>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = AccountFilter {
        q: q.q.filter(|q| !q.trim().is_empty()),
        owner_id: q.owner_id,
    };
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let load = accounts::list(&state.db, &me.viewer, &filter, page);
    kept_list(&state, &me, records, &uri, load, AccountOut::from).await
}

/// A new account. Only `name` is required; `status` defaults to prospect and `owner_id` to the
/// caller.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountCreate {
    pub name: String,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    /// AA, A, B, C or D.
    pub grade: Option<String>,
    /// prospect, active, dormant or lost.
    pub status: Option<String>,
    pub needs_notes: Option<String>,
    pub owner_id: Option<i64>,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are; an empty
/// string clears an optional text or the grade.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountPatch {
    pub version: i64,
    pub name: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    pub grade: Option<String>,
    pub status: Option<String>,
    pub needs_notes: Option<String>,
    pub owner_id: Option<i64>,
}

impl AccountPatch {
    fn apply(self, f: &mut AccountForm) {
        patch_text(&mut f.name, self.name);
        patch_text(&mut f.industry, self.industry);
        patch_text(&mut f.size, self.size);
        patch_text(&mut f.region, self.region);
        patch_text(&mut f.address, self.address);
        patch_text(&mut f.grade, self.grade);
        patch_text(&mut f.status, self.status);
        patch_text(&mut f.needs_notes, self.needs_notes);
        patch_id(&mut f.owner_id, self.owner_id);
    }
}

/// Creates an account. A rep owns what they create; a manager may give it to someone in their
/// team subtree, an admin to anyone.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", operation_id = "create_account", request_body = AccountCreate,
    responses((status = 201, body = AccountOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<AccountCreate>,
) -> Result<(StatusCode, Json<AccountOut>), ApiError> {
    let form = AccountForm {
        name: b.name,
        industry: b.industry.unwrap_or_default(),
        size: b.size.unwrap_or_default(),
        region: b.region.unwrap_or_default(),
        address: b.address.unwrap_or_default(),
        grade: b.grade.unwrap_or_default(),
        status: b.status.unwrap_or_default(),
        needs_notes: b.needs_notes.unwrap_or_default(),
        owner_id: b.owner_id.map(|x| x.to_string()).unwrap_or_default(),
        version: String::new(),
    };
    let a = form.create(&state, &me.viewer).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "get_account", params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<AccountOut>, ApiError> {
    let a = accounts::get(&state.db, &me.viewer, id).await?;
    Ok(Json(a.into()))
}

/// Changes fields of an account read at `version`; 409 `stale_version` with the current record
/// if it changed since.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "update_account", params(("id" = i64, Path)), request_body = AccountPatch,
    responses((status = 200, body = AccountOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<AccountPatch>,
) -> Result<Json<AccountOut>, ApiError> {
    let current = accounts::get(&state.db, &me.viewer, id).await?;
    let version = b.version;
    let mut form = AccountForm::from_record(&current);
    b.apply(&mut form);
    let a = form.update(&state, &me.viewer, &current, version).await?;
    Ok(Json(a.into()))
}

/// Deletes an account; 409 `in_use` while opportunities, contacts or activities refer to it.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "delete_account", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    accounts::delete(&state.db, &me.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
