//! The JSON API under `/api/v1`. Routes and the OpenAPI document come from the same code
//! (utoipa-axum), so they cannot drift apart.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::views;
use axum::http::Uri;
use axum::response::Response;
use opportune_db::Page;
use opportune_db::versions::ViewVersion;
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub mod accounts;
pub mod activities;
pub mod contacts;
pub mod leads;
pub mod opportunities;
pub mod processes;
pub mod settings;
pub mod shares;
pub mod teams;
pub mod users;

#[derive(OpenApi)]
#[openapi(
    info(title = "Opportune API", description = "Sales opportunities and pipeline. Authenticate with `Authorization: Bearer <token>`."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(opportunities::router())
        .merge(processes::router())
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(leads::router())
        .merge(activities::router())
        .merge(settings::router())
        .merge(shares::router())
        .merge(users::router())
        .merge(teams::router())
}

/// Error response documented on every route.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorBody {
    /// `{"code", "message", "fields"?, "current"?, "unmet_criteria"?}`
    #[schema(value_type = Object)]
    pub error: serde_json::Value,
}

/// `limit` (1–500, default 50) and `offset` of a list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn paging(&self) -> opportune_db::Paging {
        opportune_db::Paging::new(self.limit, self.offset)
    }
}

/// A list response: `{"items": [...], "total", "limit", "offset"}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct List<T: utoipa::ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T: utoipa::ToSchema> List<T> {
    pub fn from_page<R>(p: opportune_db::Page<R>, f: impl FnMut(R) -> T) -> Self {
        List {
            items: p.items.into_iter().map(f).collect(),
            total: p.total,
            limit: p.limit,
            offset: p.offset,
        }
    }
}

/// A record list as JSON, kept by the server while the version of its records stands
/// ([`crate::views`], `WithRecords`): the one kept for the caller's address if it is still that
/// version, else the page `load` reads, each row as `out` gives it, kept.
pub(crate) async fn kept_list<R, T: utoipa::ToSchema + serde::Serialize>(
    state: &AppState,
    me: &ApiUser,
    version: Option<ViewVersion>,
    uri: &Uri,
    load: impl Future<Output = opportune_db::Result<Page<R>>>,
    out: impl FnMut(R) -> T,
) -> Result<Response, ApiError> {
    let key = views::Key::new(
        &me.viewer,
        views::Format::Json,
        me.tr.locale,
        uri,
        state.today().await,
    );
    if let Some(kept) = state.views.get(&key, version) {
        return Ok(kept);
    }
    let page = load.await?;
    state
        .views
        .keep_json(key, version, &List::from_page(page, out))
        .map_err(ApiError::internal)
}

/// An operation's error as the API answers it: a stale record in its API shape.
impl From<opportune_app::Error> for ApiError {
    fn from(e: opportune_app::Error) -> Self {
        use opportune_app::{Current, Error};
        match e {
            Error::NotFound => ApiError::NotFound,
            Error::Forbidden => ApiError::Forbidden,
            Error::ReadOnly => ApiError::ReadOnly,
            Error::Stale(current) => ApiError::Stale(current.map_or(Value::Null, |c| {
                let out = match *c {
                    Current::Opportunity(o) => {
                        serde_json::to_value(opportunities::OppOut::from_row(o, Vec::new()))
                    }
                    Current::Account(a) => serde_json::to_value(accounts::AccountOut::from(a)),
                    Current::Contact(c) => serde_json::to_value(contacts::ContactOut::from(c)),
                    Current::Lead(l) => serde_json::to_value(leads::LeadOut::from(l)),
                    Current::Activity(a) => serde_json::to_value(activities::ActivityOut::from(a)),
                    Current::User(u) => serde_json::to_value(users::UserOut::from(u)),
                    Current::Team(t) => serde_json::to_value(teams::TeamOut::from(t)),
                    Current::Settings(s) => serde_json::to_value(settings::SettingsOut::from(&s)),
                };
                out.unwrap_or_default()
            })),
            Error::Refused(refusal) => ApiError::MoveRefused(refusal),
            Error::InUse => ApiError::InUse,
            Error::Invalid(fields) => ApiError::Invalid(fields),
            Error::Internal(cause) => ApiError::Internal(cause),
        }
    }
}
