//! `/api/v1/contacts`: list, get, create, update and delete contacts (联系人), the people at
//! accounts with their personal profile.

use super::{ErrorBody, List, PageQuery, kept_list};
use crate::AppState;
use crate::auth::{ApiUser, Contacts, WithRecords};
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use opportune_app::records::{ContactForm, patch_id, patch_text};
use opportune_db::contacts::{self, Contact, ContactFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
}

/// A contact (联系人) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub name: String,
    pub title: String,
    pub department: String,
    pub phone: String,
    pub email: String,
    pub hometown: String,
    pub birthday: Option<NaiveDate>,
    pub interests: String,
    pub tenure: String,
    pub authority: String,
    pub personality: String,
    pub working_style: String,
    pub family_notes: String,
    /// 公事需求.
    pub business_needs: String,
    /// 个人需求.
    pub personal_needs: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// False when the record is only shared with the caller: they may read it, not change it.
    pub editable: bool,
}

impl From<Contact> for ContactOut {
    fn from(c: Contact) -> Self {
        ContactOut {
            id: c.id,
            account_id: c.account_id,
            account_name: c.account_name,
            name: c.name,
            title: c.title,
            department: c.department,
            phone: c.phone,
            email: c.email,
            hometown: c.hometown,
            birthday: c.birthday,
            interests: c.interests,
            tenure: c.tenure,
            authority: c.authority,
            personality: c.personality,
            working_style: c.working_style,
            family_notes: c.family_notes,
            business_needs: c.business_needs,
            personal_needs: c.personal_needs,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            team_id: c.team_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
            editable: c.editable,
        }
    }
}

/// Filters and paging of the list: `q` matches part of the name.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub q: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub account_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

/// Contacts the caller may see, by name, filtered and paged.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", operation_id = "list_contacts", params(ListQuery),
    responses((status = 200, body = List<ContactOut>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<ApiUser, Contacts>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = ContactFilter {
        q: q.q.filter(|q| !q.trim().is_empty()),
        account_id: q.account_id,
    };
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let load = contacts::list(&state.db, &me.viewer, &filter, page);
    kept_list(&state, &me, records, &uri, load, ContactOut::from).await
}

/// A new contact at an account the caller can see. `birthday` is `YYYY-MM-DD`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactCreate {
    pub account_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hometown: Option<String>,
    /// `YYYY-MM-DD`
    pub birthday: Option<String>,
    pub interests: Option<String>,
    pub tenure: Option<String>,
    pub authority: Option<String>,
    pub personality: Option<String>,
    pub working_style: Option<String>,
    pub family_notes: Option<String>,
    pub business_needs: Option<String>,
    pub personal_needs: Option<String>,
    pub owner_id: Option<i64>,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are; an empty
/// string clears an optional text or the birthday.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactPatch {
    pub version: i64,
    pub account_id: Option<i64>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hometown: Option<String>,
    pub birthday: Option<String>,
    pub interests: Option<String>,
    pub tenure: Option<String>,
    pub authority: Option<String>,
    pub personality: Option<String>,
    pub working_style: Option<String>,
    pub family_notes: Option<String>,
    pub business_needs: Option<String>,
    pub personal_needs: Option<String>,
    pub owner_id: Option<i64>,
}

impl ContactPatch {
    fn apply(self, f: &mut ContactForm) {
        patch_id(&mut f.account_id, self.account_id);
        patch_text(&mut f.name, self.name);
        patch_text(&mut f.title, self.title);
        patch_text(&mut f.department, self.department);
        patch_text(&mut f.phone, self.phone);
        patch_text(&mut f.email, self.email);
        patch_text(&mut f.hometown, self.hometown);
        patch_text(&mut f.birthday, self.birthday);
        patch_text(&mut f.interests, self.interests);
        patch_text(&mut f.tenure, self.tenure);
        patch_text(&mut f.authority, self.authority);
        patch_text(&mut f.personality, self.personality);
        patch_text(&mut f.working_style, self.working_style);
        patch_text(&mut f.family_notes, self.family_notes);
        patch_text(&mut f.business_needs, self.business_needs);
        patch_text(&mut f.personal_needs, self.personal_needs);
        patch_id(&mut f.owner_id, self.owner_id);
    }
}

/// Creates a contact. The account must be one the caller sees (422 `not_found` on
/// `account_id` otherwise).
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", operation_id = "create_contact", request_body = ContactCreate,
    responses((status = 201, body = ContactOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<ContactCreate>,
) -> Result<(StatusCode, Json<ContactOut>), ApiError> {
    let form = ContactForm {
        account_id: b.account_id.to_string(),
        name: b.name,
        title: b.title.unwrap_or_default(),
        department: b.department.unwrap_or_default(),
        phone: b.phone.unwrap_or_default(),
        email: b.email.unwrap_or_default(),
        hometown: b.hometown.unwrap_or_default(),
        birthday: b.birthday.unwrap_or_default(),
        interests: b.interests.unwrap_or_default(),
        tenure: b.tenure.unwrap_or_default(),
        authority: b.authority.unwrap_or_default(),
        personality: b.personality.unwrap_or_default(),
        working_style: b.working_style.unwrap_or_default(),
        family_notes: b.family_notes.unwrap_or_default(),
        business_needs: b.business_needs.unwrap_or_default(),
        personal_needs: b.personal_needs.unwrap_or_default(),
        owner_id: b.owner_id.map(|x| x.to_string()).unwrap_or_default(),
        version: String::new(),
    };
    let c = form.create(&state, &me.viewer).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// One contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", operation_id = "get_contact", params(("id" = i64, Path)),
    responses((status = 200, body = ContactOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<ContactOut>, ApiError> {
    let c = contacts::get(&state.db, &me.viewer, id).await?;
    Ok(Json(c.into()))
}

/// Changes fields of a contact read at `version`; 409 `stale_version` with the current record
/// if it changed since. A new `account_id` must be an account the caller sees.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", operation_id = "update_contact", params(("id" = i64, Path)), request_body = ContactPatch,
    responses((status = 200, body = ContactOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<ContactPatch>,
) -> Result<Json<ContactOut>, ApiError> {
    let current = contacts::get(&state.db, &me.viewer, id).await?;
    let version = b.version;
    let mut form = ContactForm::from_record(&current);
    b.apply(&mut form);
    let c = form.update(&state, &me.viewer, &current, version).await?;
    Ok(Json(c.into()))
}

/// Deletes a contact; activities that named them keep their record without the contact.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", operation_id = "delete_contact", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    contacts::delete(&state.db, &me.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
