//! `GET /api/v1/processes`: the sales processes with their ordered stages and criteria.

use super::ErrorBody;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::json::IdPath;
use axum::Json;
use axum::extract::State;
use opportune_db::processes::{self, ItemRow, Process, Stage};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: i64,
    /// In the caller's language.
    pub label: String,
    pub label_zh: String,
    pub label_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct StageOut {
    pub id: i64,
    pub key: String,
    pub position: i64,
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    pub definition: String,
    pub probability: i64,
    pub target_days: i64,
    /// `all`: every entry criterion must be ticked; `any`: one is enough.
    pub criteria_mode: String,
    /// Entry criteria.
    pub criteria: Vec<ItemOut>,
    /// Work checklist.
    pub checklist: Vec<ItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ProcessOut {
    pub id: i64,
    pub key: Option<String>,
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    pub version: i64,
    pub stages: Vec<StageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ProcessList {
    pub items: Vec<ProcessOut>,
}

fn item(i: &ItemRow, tr: Tr) -> ItemOut {
    ItemOut {
        id: i.id,
        label: i.label(tr.locale).to_owned(),
        label_zh: i.label_zh.clone(),
        label_en: i.label_en.clone(),
    }
}

fn stage(s: &Stage, tr: Tr) -> StageOut {
    StageOut {
        id: s.row.id,
        key: s.row.key.clone(),
        position: s.row.position,
        name: s.name(tr.locale).to_owned(),
        name_zh: s.row.name_zh.clone(),
        name_en: s.row.name_en.clone(),
        definition: s.definition(tr.locale).to_owned(),
        probability: s.row.probability,
        target_days: s.row.target_days,
        criteria_mode: s.row.criteria_mode.clone(),
        criteria: s.entry.iter().map(|i| item(i, tr)).collect(),
        checklist: s.work.iter().map(|i| item(i, tr)).collect(),
    }
}

pub fn process_out(p: &Process, tr: Tr) -> ProcessOut {
    ProcessOut {
        id: p.row.id,
        key: p.row.key.clone(),
        name: p.name(tr.locale).to_owned(),
        name_zh: p.row.name_zh.clone(),
        name_en: p.row.name_en.clone(),
        version: p.row.version,
        stages: p.stages.iter().map(|s| stage(s, tr)).collect(),
    }
}

/// Every sales process, each with its ordered stages and their entry criteria.
#[utoipa::path(get, operation_id = "list_processes", path = "/api/v1/processes", tag = "processes",
    responses((status = 200, body = ProcessList), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, me: ApiUser) -> Result<Json<ProcessList>, ApiError> {
    let procs = processes::list(&state.db).await?;
    Ok(Json(ProcessList {
        items: procs
            .iter()
            .filter(|p| p.row.active)
            .map(|p| process_out(p, me.tr))
            .collect(),
    }))
}

/// One sales process with its stages.
#[utoipa::path(get, operation_id = "get_process", path = "/api/v1/processes/{id}", tag = "processes",
    params(("id" = i64, Path)),
    responses((status = 200, body = ProcessOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<ProcessOut>, ApiError> {
    let p = processes::get(&state.db, id).await?;
    Ok(Json(process_out(&p, me.tr)))
}
