//! `/api/v1/leads`: list, get, create, update and delete leads (线索), people or companies with
//! no substantive contact yet.

use super::{ErrorBody, List, PageQuery, kept_list};
use crate::AppState;
use crate::auth::{ApiUser, Leads, WithAll, WithRecords};
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use opportune_app::convert::ConvertForm;
use opportune_app::records::{LeadForm, patch_id, patch_text};
use opportune_core::FieldErrors;
use opportune_core::records::LeadStatus;
use opportune_db::leads::{self, Lead, LeadFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
        .routes(routes!(convert))
}

/// A lead (线索) as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadOut {
    pub id: i64,
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    /// new, contacted, qualified or disqualified.
    pub status: String,
    pub notes: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// False when the record is only shared with the caller: they may read it, not change it.
    pub editable: bool,
    /// When the lead was converted, and into which records (each null once deleted).
    pub converted_at: Option<DateTime<Utc>>,
    pub converted_account_id: Option<i64>,
    pub converted_contact_id: Option<i64>,
    pub converted_opportunity_id: Option<i64>,
}

impl From<Lead> for LeadOut {
    fn from(l: Lead) -> Self {
        LeadOut {
            id: l.id,
            name: l.name,
            company: l.company,
            title: l.title,
            phone: l.phone,
            email: l.email,
            source: l.source,
            status: l.status.as_str().to_owned(),
            notes: l.notes,
            owner_id: l.owner_id,
            owner_name: l.owner_name,
            team_id: l.team_id,
            created_at: l.created_at,
            updated_at: l.updated_at,
            version: l.version,
            editable: l.editable,
            converted_at: l.converted_at,
            converted_account_id: l.converted_account_id,
            converted_contact_id: l.converted_contact_id,
            converted_opportunity_id: l.converted_opportunity_id,
        }
    }
}

/// Filters and paging of the list: `q` matches part of the name or company; `status` is one of
/// new, contacted, qualified, disqualified.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

impl ListQuery {
    /// The storage filter, or the fields whose values are not accepted.
    pub fn filter(&self) -> Result<LeadFilter, FieldErrors> {
        let mut e = FieldErrors::new();
        let status = self
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| e.take("status", LeadStatus::parse(s)));
        e.into_result(LeadFilter {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            status,
        })
    }
}

/// Leads the caller may see, newest first, filtered and paged.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", operation_id = "list_leads", params(ListQuery),
    responses((status = 200, body = List<LeadOut>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<ApiUser, Leads>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = q.filter()?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let load = leads::list(&state.db, &me.viewer, &filter, page);
    kept_list(&state, &me, records, &uri, load, LeadOut::from).await
}

/// A new lead. Only `name` is required; `status` defaults to new and `owner_id` to the caller.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LeadCreate {
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<String>,
    /// new, contacted, qualified or disqualified.
    pub status: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are; an empty
/// string clears an optional text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LeadPatch {
    pub version: i64,
    pub name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
}

impl LeadPatch {
    fn apply(self, f: &mut LeadForm) {
        patch_text(&mut f.name, self.name);
        patch_text(&mut f.company, self.company);
        patch_text(&mut f.title, self.title);
        patch_text(&mut f.phone, self.phone);
        patch_text(&mut f.email, self.email);
        patch_text(&mut f.source, self.source);
        patch_text(&mut f.status, self.status);
        patch_text(&mut f.notes, self.notes);
        patch_id(&mut f.owner_id, self.owner_id);
    }
}

/// Creates a lead.
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", operation_id = "create_lead", request_body = LeadCreate,
    responses((status = 201, body = LeadOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<LeadCreate>,
) -> Result<(StatusCode, Json<LeadOut>), ApiError> {
    let form = LeadForm {
        name: b.name,
        company: b.company.unwrap_or_default(),
        title: b.title.unwrap_or_default(),
        phone: b.phone.unwrap_or_default(),
        email: b.email.unwrap_or_default(),
        source: b.source.unwrap_or_default(),
        status: b.status.unwrap_or_default(),
        notes: b.notes.unwrap_or_default(),
        owner_id: b.owner_id.map(|x| x.to_string()).unwrap_or_default(),
        version: String::new(),
    };
    let l = form.create(&state, &me.viewer).await?;
    Ok((StatusCode::CREATED, Json(l.into())))
}

/// One lead.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads", operation_id = "get_lead", params(("id" = i64, Path)),
    responses((status = 200, body = LeadOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<LeadOut>, ApiError> {
    let l = leads::get(&state.db, &me.viewer, id).await?;
    Ok(Json(l.into()))
}

/// Changes fields of a lead read at `version`; 409 `stale_version` with the current record if it
/// changed since.
#[utoipa::path(patch, path = "/api/v1/leads/{id}", tag = "leads", operation_id = "update_lead", params(("id" = i64, Path)), request_body = LeadPatch,
    responses((status = 200, body = LeadOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<LeadPatch>,
) -> Result<Json<LeadOut>, ApiError> {
    let current = leads::get(&state.db, &me.viewer, id).await?;
    let version = b.version;
    let mut form = LeadForm::from_record(&current);
    b.apply(&mut form);
    let l = form.update(&state, &me.viewer, &current, version).await?;
    Ok(Json(l.into()))
}

/// Deletes a lead.
#[utoipa::path(delete, path = "/api/v1/leads/{id}", tag = "leads", operation_id = "delete_lead", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    leads::delete(&state.db, &me.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deal a lead converts with. `amount` is a number in major units.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConvertDeal {
    pub name: String,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: rust_decimal::Decimal,
    /// `YYYY-MM-DD`
    pub expected_close_date: String,
    pub process_id: i64,
}

/// How to convert a lead read at `version`: into `account_id` (an account the caller can see)
/// or a new account named `account_name` (default: the lead's company, else its name); with a
/// contact made of the lead's person unless `create_contact` is false; with a deal if
/// `opportunity` is given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConvertBody {
    pub version: i64,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub create_contact: Option<bool>,
    pub opportunity: Option<ConvertDeal>,
}

/// The converted lead and the records it became.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConvertOut {
    pub lead: LeadOut,
    pub account_id: i64,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

/// Converts a lead into an account, a contact and optionally a deal, all owned by the lead's
/// owner, in one transaction; the lead becomes qualified and keeps the links. 409 on a stale
/// version; 422 naming the field (`status` if it was converted already).
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads", operation_id = "convert_lead", params(("id" = i64, Path)), request_body = ConvertBody,
    responses((status = 201, body = ConvertOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn convert(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<ApiUser>,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<ConvertBody>,
) -> Result<(StatusCode, Json<ConvertOut>), ApiError> {
    let lead = leads::get(&state.db, &me.viewer, id).await?;
    let mut form = ConvertForm::for_lead(&lead);
    form.version = b.version.to_string();
    form.account_id = b.account_id.map(|x| x.to_string()).unwrap_or_default();
    if let Some(name) = b.account_name {
        form.account_name = name;
    }
    if b.create_contact == Some(false) {
        form.contact = None;
    }
    match b.opportunity {
        Some(d) => {
            form.opportunity_name = d.name;
            form.amount = d.amount.to_string();
            form.expected_close_date = d.expected_close_date;
            form.process_id = d.process_id.to_string();
        }
        None => form.opportunity_name.clear(),
    }
    let done = opportune_app::convert::convert(&state, &me.viewer, all, &lead, &form).await?;
    let lead = leads::get(&state.db, &me.viewer, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConvertOut {
            lead: lead.into(),
            account_id: done.account_id,
            contact_id: done.contact_id,
            opportunity_id: done.opportunity_id,
        }),
    ))
}
