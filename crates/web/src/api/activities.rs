//! `/api/v1/activities`: list, get, log, update and delete activities (拜访/活动) — calls,
//! visits, meetings … each ending, ideally, in an agreed next step (协议).

use super::{ErrorBody, List, PageQuery, kept_list};
use crate::AppState;
use crate::auth::{Activities, ApiUser, WithRecords};
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use opportune_app::records::{ActivityForm, LinkPatch, patch_id, patch_link, patch_text};
use opportune_core::FieldErrors;
use opportune_core::records::ActivityKind;
use opportune_db::activities::{self, Activity, ActivityFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
}

/// An activity (拜访/活动) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: i64,
    pub opportunity_id: Option<i64>,
    pub account_id: i64,
    pub account_name: String,
    pub contact_id: Option<i64>,
    /// call, visit, meeting, demo, joint_call, sample, site_visit or email.
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub participants: String,
    pub notes: String,
    pub outcome: String,
    /// The agreement on the next step (协议).
    pub next_step: String,
    pub next_step_date: Option<NaiveDate>,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// False when the record is only shared with the caller: they may read it, not change it.
    pub editable: bool,
}

impl From<Activity> for ActivityOut {
    fn from(a: Activity) -> Self {
        ActivityOut {
            id: a.id,
            opportunity_id: a.opportunity_id,
            account_id: a.account_id,
            account_name: a.account_name,
            contact_id: a.contact_id,
            kind: a.kind.as_str().to_owned(),
            occurred_on: a.occurred_on,
            participants: a.participants,
            notes: a.notes,
            outcome: a.outcome,
            next_step: a.next_step,
            next_step_date: a.next_step_date,
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

/// Filters and paging of the list; `kind` is one of call, visit, meeting, demo, joint_call,
/// sample, site_visit, email.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub opportunity_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub account_id: Option<i64>,
    pub kind: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

impl ListQuery {
    /// The storage filter, or the fields whose values are not accepted.
    pub fn filter(&self) -> Result<ActivityFilter, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = self
            .kind
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .and_then(|k| e.take("kind", ActivityKind::parse(k)));
        e.into_result(ActivityFilter {
            opportunity_id: self.opportunity_id,
            account_id: self.account_id,
            kind,
        })
    }
}

/// Activities the caller may see, latest first, filtered and paged.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", operation_id = "list_activities", params(ListQuery),
    responses((status = 200, body = List<ActivityOut>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<ApiUser, Activities>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = q.filter()?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let load = activities::list(&state.db, &me.viewer, &filter, page);
    kept_list(&state, &me, records, &uri, load, ActivityOut::from).await
}

/// A new activity at an account the caller can see. `opportunity_id` and `contact_id`, when
/// given, must be visible and at that account. Dates are `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityCreate {
    pub account_id: i64,
    /// call, visit, meeting, demo, joint_call, sample, site_visit or email.
    pub kind: String,
    /// `YYYY-MM-DD`
    pub occurred_on: String,
    pub opportunity_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub participants: Option<String>,
    pub notes: Option<String>,
    pub outcome: Option<String>,
    /// The agreement on the next step (协议).
    pub next_step: Option<String>,
    /// `YYYY-MM-DD`
    pub next_step_date: Option<String>,
    pub owner_id: Option<i64>,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are; an empty
/// string clears an optional text or `next_step_date`; `null` clears `opportunity_id` or
/// `contact_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityPatch {
    pub version: i64,
    pub account_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub opportunity_id: LinkPatch,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub contact_id: LinkPatch,
    pub kind: Option<String>,
    pub occurred_on: Option<String>,
    pub participants: Option<String>,
    pub notes: Option<String>,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_step_date: Option<String>,
    pub owner_id: Option<i64>,
}

impl ActivityPatch {
    fn apply(self, f: &mut ActivityForm) {
        patch_id(&mut f.account_id, self.account_id);
        patch_link(&mut f.opportunity_id, self.opportunity_id);
        patch_link(&mut f.contact_id, self.contact_id);
        patch_text(&mut f.kind, self.kind);
        patch_text(&mut f.occurred_on, self.occurred_on);
        patch_text(&mut f.participants, self.participants);
        patch_text(&mut f.notes, self.notes);
        patch_text(&mut f.outcome, self.outcome);
        patch_text(&mut f.next_step, self.next_step);
        patch_text(&mut f.next_step_date, self.next_step_date);
        patch_id(&mut f.owner_id, self.owner_id);
    }
}

/// Logs an activity. The account must be one the caller sees; an opportunity or contact given
/// must be visible (422 `not_found`) and at that account (422 `other_account`).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", operation_id = "create_activity", request_body = ActivityCreate,
    responses((status = 201, body = ActivityOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<ActivityCreate>,
) -> Result<(StatusCode, Json<ActivityOut>), ApiError> {
    let id_text = |id: Option<i64>| id.map(|x| x.to_string()).unwrap_or_default();
    let form = ActivityForm {
        account_id: b.account_id.to_string(),
        opportunity_id: id_text(b.opportunity_id),
        contact_id: id_text(b.contact_id),
        kind: b.kind,
        occurred_on: b.occurred_on,
        participants: b.participants.unwrap_or_default(),
        notes: b.notes.unwrap_or_default(),
        outcome: b.outcome.unwrap_or_default(),
        next_step: b.next_step.unwrap_or_default(),
        next_step_date: b.next_step_date.unwrap_or_default(),
        owner_id: id_text(b.owner_id),
        version: String::new(),
    };
    let a = form.create(&state, &me.viewer).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// One activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "get_activity", params(("id" = i64, Path)),
    responses((status = 200, body = ActivityOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<ActivityOut>, ApiError> {
    let a = activities::get(&state.db, &me.viewer, id).await?;
    Ok(Json(a.into()))
}

/// Changes fields of an activity read at `version`; 409 `stale_version` with the current record
/// if it changed since. The account, opportunity and contact are checked again when any of
/// them changes.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "update_activity", params(("id" = i64, Path)), request_body = ActivityPatch,
    responses((status = 200, body = ActivityOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<ActivityPatch>,
) -> Result<Json<ActivityOut>, ApiError> {
    let current = activities::get(&state.db, &me.viewer, id).await?;
    let version = b.version;
    let mut form = ActivityForm::from_record(&current);
    b.apply(&mut form);
    let a = form.update(&state, &me.viewer, &current, version).await?;
    Ok(Json(a.into()))
}

/// Deletes an activity.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities", operation_id = "delete_activity", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    activities::delete(&state.db, &me.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
