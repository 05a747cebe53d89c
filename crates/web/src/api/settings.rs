//! `/api/v1/settings`: the organization settings (everyone reads, admins change).

use super::ErrorBody;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use axum::Json;
use axum::extract::State;
use opportune_app::forms::OrgForm;
use opportune_core::records::Role;
use opportune_db::DbError;
use opportune_db::org::{self, OrgSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, patch_settings))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsOut {
    pub name: String,
    /// Currency of all amounts, e.g. CNY.
    pub currency: String,
    /// Month (1–12) the fiscal year starts in.
    pub fiscal_year_start_month: i64,
    /// Default interface language: zh-CN or en.
    pub locale: String,
    pub default_sales_cycle_days: i64,
    /// ISO weekday the week starts on (1 = Monday).
    pub week_start: i64,
    /// IANA time zone "today", periods and overdue are reckoned in (default Asia/Shanghai).
    pub time_zone: String,
    pub version: i64,
}

impl From<&OrgSettings> for SettingsOut {
    fn from(s: &OrgSettings) -> Self {
        SettingsOut {
            name: s.name.clone(),
            currency: s.currency.clone(),
            fiscal_year_start_month: s.fiscal_year_start_month,
            locale: s.locale.clone(),
            default_sales_cycle_days: s.default_sales_cycle_days,
            week_start: s.week_start,
            time_zone: s.time_zone.clone(),
            version: s.version,
        }
    }
}

/// Fields to change with the `version` that was read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SettingsPatch {
    pub version: i64,
    pub name: Option<String>,
    pub currency: Option<String>,
    pub fiscal_year_start_month: Option<i64>,
    pub locale: Option<String>,
    pub default_sales_cycle_days: Option<i64>,
    pub week_start: Option<i64>,
    pub time_zone: Option<String>,
}

/// The organization settings.
#[utoipa::path(get, operation_id = "get_settings", path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsOut), (status = 401, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    // Signed in: anyone may read the settings, nobody unknown.
    _: ApiUser,
) -> Result<Json<SettingsOut>, ApiError> {
    let s = org::get(&state.db).await?;
    Ok(Json(SettingsOut::from(&s)))
}

/// Saves organization settings (administrators only); 409 with the current settings if stale.
#[utoipa::path(patch, operation_id = "update_settings", path = "/api/v1/settings", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = SettingsOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_settings(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<SettingsPatch>,
) -> Result<Json<SettingsOut>, ApiError> {
    if me.user.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    let current = org::get(&state.db).await?;
    let mut f = OrgForm::from_record(&current);
    let set = |dst: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *dst = v;
        }
    };
    set(&mut f.name, b.name);
    set(&mut f.currency, b.currency);
    set(
        &mut f.fiscal_year_start_month,
        b.fiscal_year_start_month.map(|x| x.to_string()),
    );
    set(&mut f.locale, b.locale);
    set(
        &mut f.default_sales_cycle_days,
        b.default_sales_cycle_days.map(|x| x.to_string()),
    );
    set(&mut f.week_start, b.week_start.map(|x| x.to_string()));
    set(&mut f.time_zone, b.time_zone);
    let input = f.validate()?;
    match org::update(&state.db, b.version, &input).await {
        Ok(saved) => Ok(Json(SettingsOut::from(state.remember_org(saved).as_ref()))),
        Err(DbError::Stale) => Err(opportune_app::Error::stale(org::get(&state.db).await?).into()),
        Err(e) => Err(ApiError::from(e)),
    }
}
