//! `/api/v1/opportunities`: list, get, create, update, delete, the stage move, criteria ticks,
//! the history, and the board.

use super::{ErrorBody, List, PageQuery};
use crate::AppState;
use crate::auth::{ApiUser, WithAll, WithDeals};
use crate::error::ApiError;
use crate::json::{IdPath, JsonBody, QueryParams};
use crate::queries::{BoardQuery, ListQuery};
use crate::views;
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use opportune_app::deals;
use opportune_app::forms::OppForm;
use opportune_core::{Money, certainty};
use opportune_db::history::{self as deal_history, Event};
use opportune_db::opportunities::{self, Card, Opportunity};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, patch, delete))
        .routes(routes!(move_stage))
        .routes(routes!(set_checks))
        .routes(routes!(history))
        .routes(routes!(deleted))
        .routes(routes!(restore))
        .routes(routes!(board))
}

/// An opportunity as the API shows it. `amount` is in major units of `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OppOut {
    pub id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub process_id: i64,
    pub stage_id: i64,
    pub stage_name_zh: String,
    pub stage_name_en: String,
    pub probability: i64,
    pub stage_entered_at: DateTime<Utc>,
    /// Close certainty, 0–100 in steps of 10.
    pub certainty: i64,
    /// The certainty levels whose evidence is ticked.
    pub certainty_evidence: Vec<u8>,
    /// True when the certainty claimed is above what its evidence supports.
    pub certainty_unsupported: bool,
    pub smart_goal: String,
    pub source: String,
    pub competitors: String,
    /// open, won, lost or abandoned.
    pub status: String,
    /// Why it was won or lost.
    pub close_reason: String,
    pub tracked: bool,
    pub grade: Option<String>,
    pub first_meeting_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
    /// Ids of the ticked entry criteria and work items.
    pub checked_items: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// False when the record is only shared with the caller: they may read it, not change it.
    pub editable: bool,
}

impl OppOut {
    pub fn from_row(o: Opportunity, checked_items: Vec<i64>) -> OppOut {
        OppOut {
            id: o.id,
            name: o.name,
            account_id: o.account_id,
            account_name: o.account_name,
            owner_id: o.owner_id,
            owner_name: o.owner_name,
            team_id: o.team_id,
            amount: Money::from_minor(o.amount_minor).to_decimal(),
            currency: o.currency,
            expected_close_date: o.expected_close_date,
            process_id: o.process_id,
            stage_id: o.stage_id,
            stage_name_zh: o.stage_name_zh,
            stage_name_en: o.stage_name_en,
            probability: o.probability,
            stage_entered_at: o.stage_entered_at,
            certainty: o.certainty,
            certainty_evidence: certainty::levels_from_evidence(o.certainty_evidence),
            certainty_unsupported: certainty::is_unsupported(
                o.certainty.clamp(0, 100) as u8,
                o.certainty_evidence,
            ),
            smart_goal: o.smart_goal,
            source: o.source,
            competitors: o.competitors,
            status: o.status.as_str().to_owned(),
            close_reason: o.close_reason,
            tracked: o.tracked,
            grade: o.grade,
            first_meeting_date: o.first_meeting_date,
            next_review_date: o.next_review_date,
            checked_items,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
            editable: o.editable,
        }
    }
}

/// Opportunities the caller may see, filtered, sorted and paged.
#[utoipa::path(get, operation_id = "list_opportunities", path = "/api/v1/opportunities", tag = "opportunities", params(ListQuery),
    responses((status = 200, body = List<OppOut>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    WithDeals { me, deals }: WithDeals<ApiUser>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = q.filter(state.calendar().await)?;
    let sort = q.sort()?;
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .paging();
    let key = views::Key::new(
        &me.viewer,
        views::Format::Json,
        me.tr.locale,
        &uri,
        state.today().await,
    );
    if let Some(kept) = state.views.get(&key, deals) {
        return Ok(kept);
    }
    let rows = opportunities::list(&state.db, &me.viewer, &filter, sort, page).await?;
    let out = List::from_page(rows, |o| OppOut::from_row(o, Vec::new()));
    state
        .views
        .keep_json(key, deals, &out)
        .map_err(ApiError::internal)
}

/// A new opportunity. `amount` is a number in major units (up to two decimals).
#[derive(Debug, Deserialize, ToSchema)]
pub struct OppCreate {
    pub name: String,
    pub account_id: i64,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    /// `YYYY-MM-DD`
    pub expected_close_date: String,
    pub process_id: i64,
    pub owner_id: Option<i64>,
    pub certainty: Option<i64>,
    pub certainty_evidence: Option<Vec<u8>>,
    pub smart_goal: Option<String>,
    pub source: Option<String>,
    pub competitors: Option<String>,
    pub status: Option<String>,
    /// Why it was won or lost.
    pub close_reason: Option<String>,
    pub tracked: Option<bool>,
    pub grade: Option<String>,
    pub first_meeting_date: Option<String>,
    pub next_review_date: Option<String>,
}

/// Fields to change, with the `version` that was read. Absent fields stay as they are; an empty
/// string clears an optional text or date.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OppPatch {
    pub version: i64,
    pub name: Option<String>,
    pub account_id: Option<i64>,
    #[serde(default, with = "rust_decimal::serde::arbitrary_precision_option")]
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Decimal>,
    pub expected_close_date: Option<String>,
    pub owner_id: Option<i64>,
    pub certainty: Option<i64>,
    pub certainty_evidence: Option<Vec<u8>>,
    pub smart_goal: Option<String>,
    pub source: Option<String>,
    pub competitors: Option<String>,
    pub status: Option<String>,
    pub close_reason: Option<String>,
    pub tracked: Option<bool>,
    pub grade: Option<String>,
    pub first_meeting_date: Option<String>,
    pub next_review_date: Option<String>,
}

impl OppPatch {
    fn apply(self, f: &mut OppForm) {
        let set = |dst: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(&mut f.name, self.name);
        set(&mut f.account_id, self.account_id.map(|x| x.to_string()));
        set(&mut f.amount, self.amount.map(|x| x.to_string()));
        set(&mut f.expected_close_date, self.expected_close_date);
        set(&mut f.owner_id, self.owner_id.map(|x| x.to_string()));
        set(&mut f.certainty, self.certainty.map(|x| x.to_string()));
        set(&mut f.smart_goal, self.smart_goal);
        set(&mut f.source, self.source);
        set(&mut f.competitors, self.competitors);
        set(&mut f.status, self.status);
        set(&mut f.close_reason, self.close_reason);
        set(&mut f.grade, self.grade);
        set(&mut f.first_meeting_date, self.first_meeting_date);
        set(&mut f.next_review_date, self.next_review_date);
        if let Some(ev) = self.certainty_evidence {
            f.evidence = ev;
        }
        if let Some(t) = self.tracked {
            f.tracked = t.then(|| "on".to_owned());
        }
    }
}

/// Creates an opportunity at the first stage of `process_id`.
#[utoipa::path(post, operation_id = "create_opportunity", path = "/api/v1/opportunities", tag = "opportunities", request_body = OppCreate,
    responses((status = 201, body = OppOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<ApiUser>,
    JsonBody(b): JsonBody<OppCreate>,
) -> Result<(StatusCode, Json<OppOut>), ApiError> {
    let form = OppForm {
        name: b.name,
        account_id: b.account_id.to_string(),
        owner_id: b.owner_id.map(|x| x.to_string()).unwrap_or_default(),
        amount: b.amount.to_string(),
        expected_close_date: b.expected_close_date,
        process_id: b.process_id.to_string(),
        certainty: b.certainty.map(|x| x.to_string()).unwrap_or_default(),
        evidence: b.certainty_evidence.unwrap_or_default(),
        smart_goal: b.smart_goal.unwrap_or_default(),
        source: b.source.unwrap_or_default(),
        competitors: b.competitors.unwrap_or_default(),
        status: b.status.unwrap_or_default(),
        close_reason: b.close_reason.unwrap_or_default(),
        tracked: b.tracked.and_then(|t| t.then(|| "on".to_owned())),
        grade: b.grade.unwrap_or_default(),
        first_meeting_date: b.first_meeting_date.unwrap_or_default(),
        next_review_date: b.next_review_date.unwrap_or_default(),
        version: String::new(),
    };
    let o = deals::create(&state, &me.viewer, all, &form).await?;
    Ok((StatusCode::CREATED, Json(OppOut::from_row(o, Vec::new()))))
}

async fn load(
    state: &AppState,
    me: &ApiUser,
    id: i64,
) -> Result<(Opportunity, Vec<i64>), ApiError> {
    opportunities::get_with_checks(&state.db, &me.viewer, id)
        .await
        .map(|r| (r.deal, r.checks))
        .map_err(ApiError::from)
}

/// One opportunity, with its ticked criteria.
#[utoipa::path(get, operation_id = "get_opportunity", path = "/api/v1/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 200, body = OppOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<OppOut>, ApiError> {
    let (o, checks) = load(&state, &me, id).await?;
    Ok(Json(OppOut::from_row(o, checks)))
}

/// Changes fields of an opportunity read at `version`; 409 with the current record if stale.
#[utoipa::path(patch, operation_id = "update_opportunity", path = "/api/v1/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)), request_body = OppPatch,
    responses((status = 200, body = OppOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<OppPatch>,
) -> Result<Json<OppOut>, ApiError> {
    let (current, checks) = load(&state, &me, id).await?;
    let version = b.version;
    let mut form = OppForm::from_record(&current);
    b.apply(&mut form);
    let o = deals::update(&state, &me.viewer, &current, &form, version).await?;
    Ok(Json(OppOut::from_row(o, checks)))
}

/// Deletes an opportunity: it leaves every list, board and total, and is kept with its history
/// (a `deleted` event) for an administrator to restore.
#[utoipa::path(delete, operation_id = "delete_opportunity", path = "/api/v1/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    opportunities::delete(&state.db, &me.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A deleted deal, with when it was deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedOut {
    #[serde(flatten)]
    pub deal: OppOut,
    pub deleted_at: DateTime<Utc>,
}

/// The deleted deals, most recently deleted first (administrators only).
#[utoipa::path(get, operation_id = "list_deleted_opportunities", path = "/api/v1/opportunities/deleted", tag = "opportunities", params(PageQuery),
    responses((status = 200, body = List<DeletedOut>), (status = 403, body = ErrorBody)))]
async fn deleted(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Json<List<DeletedOut>>, ApiError> {
    let page = deals::deleted(&state, &me.viewer, q.paging()).await?;
    Ok(Json(List::from_page(page, |d| DeletedOut {
        deal: OppOut::from_row(d.deal, Vec::new()),
        deleted_at: d.deleted_at,
    })))
}

/// Restores a deleted deal where it was (administrators only); its history says who.
#[utoipa::path(post, operation_id = "restore_opportunity", path = "/api/v1/opportunities/{id}/restore", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 200, body = OppOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn restore(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<OppOut>, ApiError> {
    let back = deals::restore(&state, &me.viewer, id).await?;
    Ok(Json(OppOut::from_row(back.deal, back.checks)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StageMove {
    pub stage_id: i64,
    /// Needed when the target stage's entry criteria are not met; kept in the history.
    pub override_reason: Option<String>,
}

/// Moves the deal to another stage of its process. Moving forward into a stage whose entry
/// criteria are not ticked is refused (409, `criteria_unmet`, with `unmet_criteria`) unless an
/// `override_reason` is given.
#[utoipa::path(post, operation_id = "move_opportunity_stage", path = "/api/v1/opportunities/{id}/stage", tag = "opportunities", params(("id" = i64, Path)), request_body = StageMove,
    responses((status = 200, body = OppOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn move_stage(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<ApiUser>,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<StageMove>,
) -> Result<Json<OppOut>, ApiError> {
    let (o, checks) = load(&state, &me, id).await?;
    let moved = deals::move_stage(
        &state,
        &me.viewer,
        all,
        (&o, &checks),
        b.stage_id,
        b.override_reason.as_deref(),
    )
    .await?;
    Ok(Json(OppOut::from_row(moved, checks)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChecksBody {
    pub version: i64,
    /// Exactly the entry criteria and work items that are now ticked.
    pub item_ids: Vec<i64>,
}

/// Sets which entry criteria and work-checklist items of the deal are ticked.
#[utoipa::path(put, operation_id = "set_opportunity_checks", path = "/api/v1/opportunities/{id}/checks", tag = "opportunities", params(("id" = i64, Path)), request_body = ChecksBody,
    responses((status = 200, body = OppOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_checks(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<ApiUser>,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<ChecksBody>,
) -> Result<Json<OppOut>, ApiError> {
    let (o, _) = load(&state, &me, id).await?;
    let o = deals::set_checks(&state, &me.viewer, all, &o, &b.item_ids, b.version).await?;
    let checks = opportunities::checks(&state.db, id).await?;
    Ok(Json(OppOut::from_row(o, checks)))
}

/// An event of a deal's history: what changed, who or what changed it, when and why, and the
/// deal as the change left it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// user, import or system.
    pub actor_kind: String,
    /// The user who made the change or ran the import; none for the system.
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// created, stage, amount, close_date, certainty, evidence, owner, team, status,
    /// close_reason, name, tracked, grade, review_date, checks, deleted or restored.
    pub kind: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    /// The override reason of a stage move made without its criteria.
    pub reason: Option<String>,
    /// For a stage move past unmet criteria: `{"skipped": [{"stage_id", "unmet": [item ids]}]}`.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
    /// The deal after the change.
    pub state: EventState,
}

/// The deal as an event left it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventState {
    pub stage_id: i64,
    /// The stage's probability at the time.
    pub probability: i64,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub status: String,
    pub close_reason: String,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    pub certainty: i64,
    pub certainty_evidence: Vec<u8>,
    pub tracked: bool,
    pub grade: Option<String>,
    pub next_review_date: Option<NaiveDate>,
    /// Deleted: kept, left out of lists, boards and totals.
    pub deleted: bool,
}

impl From<Event> for EventOut {
    fn from(e: Event) -> Self {
        EventOut {
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind.as_str().to_owned(),
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            kind: e.kind.as_str().to_owned(),
            from_value: e.from_value,
            to_value: e.to_value,
            reason: e.reason,
            detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
            state: EventState {
                stage_id: e.stage_id,
                probability: e.probability,
                amount: Money::from_minor(e.amount_minor).to_decimal(),
                currency: e.currency,
                expected_close_date: e.expected_close_date,
                status: e.status.as_str().to_owned(),
                close_reason: e.close_reason,
                owner_id: e.owner_id,
                team_id: e.team_id,
                certainty: e.certainty,
                certainty_evidence: certainty::levels_from_evidence(e.certainty_evidence),
                tracked: e.tracked,
                grade: e.grade,
                next_review_date: e.next_review_date,
                deleted: e.deleted,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventOut>,
}

/// The deal's history, newest first.
#[utoipa::path(get, operation_id = "opportunity_history", path = "/api/v1/opportunities/{id}/history", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 200, body = EventList), (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<AppState>,
    me: ApiUser,
    IdPath(id): IdPath,
) -> Result<Json<EventList>, ApiError> {
    opportunities::get(&state.db, &me.viewer, id).await?;
    let events = deal_history::of_deal(&state.db, id).await?;
    Ok(Json(EventList {
        items: events.into_iter().map(EventOut::from).collect(),
    }))
}

/// A deal as a card of the board: what the card shows and what moving it needs. The whole deal
/// is at `/api/v1/opportunities/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardOut {
    pub id: i64,
    pub name: String,
    pub account_id: i64,
    pub account_name: String,
    pub owner_id: i64,
    pub owner_name: String,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub stage_id: i64,
    /// Close certainty, 0–100 in steps of 10.
    pub certainty: i64,
    pub tracked: bool,
    pub version: i64,
    /// False when the deal is only shared with the caller: shown, not moved.
    pub editable: bool,
}

impl From<Card> for CardOut {
    fn from(c: Card) -> CardOut {
        CardOut {
            id: c.id,
            name: c.name,
            account_id: c.account_id,
            account_name: c.account_name,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            amount: Money::from_minor(c.amount_minor).to_decimal(),
            currency: c.currency,
            expected_close_date: c.expected_close_date,
            stage_id: c.stage_id,
            certainty: c.certainty,
            tracked: c.tracked,
            version: c.version,
            editable: c.editable,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnOut {
    pub stage_id: i64,
    pub name: String,
    pub probability: i64,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub weighted_amount: Decimal,
    pub cards: Vec<CardOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOut {
    pub process_id: i64,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub amount: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    #[schema(value_type = f64)]
    pub weighted_amount: Decimal,
    pub columns: Vec<ColumnOut>,
}

/// The pipeline board as data: a column per stage of the process, each with its count, raw and
/// weighted amount and its first cards (soonest close first).
#[utoipa::path(get, operation_id = "get_board", path = "/api/v1/board", tag = "opportunities", params(BoardQuery),
    responses((status = 200, body = BoardOut), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn board(
    State(state): State<AppState>,
    WithDeals { me, deals }: WithDeals<ApiUser>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<BoardQuery>,
) -> Result<Response, ApiError> {
    let key = views::Key::new(
        &me.viewer,
        views::Format::Json,
        me.tr.locale,
        &uri,
        state.today().await,
    );
    if let Some(kept) = state.views.get(&key, deals) {
        return Ok(kept);
    }
    let procs = state.processes(deals.map(|d| d.all)).await?;
    let req = q.request(state.calendar().await)?;
    let b = opportune_app::board::load(&state, &me.viewer, req, &procs).await?;
    let out = BoardOut {
        process_id: b.process.row.id,
        count: b.total.count,
        amount: b.total.amount.to_decimal(),
        weighted_amount: b.total.weighted.to_decimal(),
        columns: b
            .process
            .stages
            .iter()
            .zip(b.columns)
            .map(|(s, (t, cards))| ColumnOut {
                stage_id: s.row.id,
                name: s.name(me.tr.locale).to_owned(),
                probability: s.row.probability,
                count: t.count,
                amount: t.amount.to_decimal(),
                weighted_amount: t.weighted.to_decimal(),
                cards: cards.into_iter().map(CardOut::from).collect(),
            })
            .collect(),
    };
    state
        .views
        .keep_json(key, deals, &out)
        .map_err(ApiError::internal)
}
