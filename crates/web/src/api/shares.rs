//! `/api/v1/{kind}/{id}/shares`: the colleagues an account, contact, lead or opportunity is
//! shared with (read only). Whoever can see the record sees its shares; whoever controls it (its
//! owner, the managers above the owner, admins) shares and unshares it.

use super::ErrorBody;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::queries::share_kind;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use opportune_db::shares::{self, Share, ShareKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
}

/// The record a share route names; anything else is no record (404).
fn record(kind: &str, id: &str) -> Result<(ShareKind, i64), ApiError> {
    share_kind(kind)
        .zip(id.parse().ok())
        .ok_or(ApiError::NotFound)
}

/// A colleague the record is shared with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    pub user_id: i64,
    pub user_name: String,
    /// Who shared it.
    pub granted_by: i64,
    pub granted_by_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<Share> for ShareOut {
    fn from(s: Share) -> Self {
        ShareOut {
            user_id: s.user_id,
            user_name: s.user_name,
            granted_by: s.granted_by,
            granted_by_name: s.granted_by_name,
            created_at: s.created_at,
        }
    }
}

/// `{"items": [...]}`: everyone the record is shared with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareList {
    pub items: Vec<ShareOut>,
}

/// The colleague to share with: an active user other than the record's owner.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareCreate {
    pub user_id: i64,
}

/// Who the record is shared with.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/shares", tag = "shares", operation_id = "list_shares",
    params(("kind" = String, Path, description = "accounts, contacts, leads or opportunities"), ("id" = i64, Path)),
    responses((status = 200, body = ShareList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<ShareList>, ApiError> {
    let (kind, id) = record(&kind, &id)?;
    let items = shares::list(&state.db, &me.viewer, kind, id).await?;
    Ok(Json(ShareList {
        items: items.into_iter().map(ShareOut::from).collect(),
    }))
}

/// Shares the record with a colleague (read only) and answers with everyone it is shared with.
/// 403 `read_only` when the caller only has it shared with them; 422 when `user_id` is not an
/// active user or is the owner. Sharing twice is harmless.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/shares", tag = "shares", operation_id = "add_share",
    params(("kind" = String, Path, description = "accounts, contacts, leads or opportunities"), ("id" = i64, Path)),
    request_body = ShareCreate,
    responses((status = 201, body = ShareList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add(
    State(state): State<AppState>,
    me: ApiUser,
    Path((kind, id)): Path<(String, String)>,
    JsonBody(b): JsonBody<ShareCreate>,
) -> Result<(StatusCode, Json<ShareList>), ApiError> {
    let (kind, id) = record(&kind, &id)?;
    shares::add(&state.db, &me.viewer, kind, id, b.user_id).await?;
    let items = shares::list(&state.db, &me.viewer, kind, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareList {
            items: items.into_iter().map(ShareOut::from).collect(),
        }),
    ))
}

/// Stops sharing the record with a colleague.
#[utoipa::path(delete, path = "/api/v1/{kind}/{id}/shares/{user_id}", tag = "shares", operation_id = "remove_share",
    params(("kind" = String, Path, description = "accounts, contacts, leads or opportunities"), ("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    me: ApiUser,
    Path((kind, id, user)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (kind, id) = record(&kind, &id)?;
    let user = user.parse().map_err(|_| ApiError::NotFound)?;
    shares::remove(&state.db, &me.viewer, kind, id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
