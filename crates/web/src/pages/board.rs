//! The pipeline board: a column per stage, drag-and-drop (or a plain form) to move deals, and
//! the refusal page with the unmet criteria and an override form.

use super::{
    HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render, render_kept, safe_next,
};
use crate::AppState;
use crate::auth::{PageUser, WithAll, WithDeals};
use crate::queries::BoardQuery;
use crate::views;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::board::Board;
use opportune_app::deals;
use opportune_core::Money;
use opportune_core::board::ClosePeriod;
use opportune_db::opportunities::{self, Opportunity};
use opportune_db::processes::Process;
use opportune_db::users::{self, Person, TeamRow};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/board", get(board))
        .route("/opportunities/{id}/stage", post(move_form))
}

pub struct Card {
    pub id: i64,
    pub name: String,
    pub account: String,
    pub owner: String,
    pub amount: String,
    pub close: String,
    pub overdue: bool,
    pub certainty: i64,
    pub tracked: bool,
    /// False for a deal only shared with the viewer: shown, not moved.
    pub editable: bool,
}

pub struct Column {
    pub stage_id: i64,
    pub name: String,
    pub probability: i64,
    pub count: i64,
    pub amount: String,
    pub weighted: String,
    pub cards: Vec<Card>,
    /// The stage's deal list, when the column holds more deals than it shows.
    pub more: Option<String>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    s: Shell,
    processes: Vec<(i64, String)>,
    process_id: i64,
    stages: Vec<(i64, String)>,
    people: Vec<Person>,
    teams: Vec<TeamRow>,
    periods: Vec<(&'static str, String)>,
    q: BoardQuery,
    columns: Vec<Column>,
    total_count: i64,
    total_amount: String,
    total_weighted: String,
    back: String,
}

impl BoardPage {
    fn selected_owner(&self, id: &i64) -> bool {
        self.q.owner_id == Some(*id)
    }
    fn selected_team(&self, id: &i64) -> bool {
        self.q.team_id == Some(*id)
    }
    fn selected_period(&self, p: &str) -> bool {
        self.q.period.as_deref() == Some(p)
    }
}

pub fn money(m: Money, zh: bool) -> String {
    m.compact(zh)
}

fn card(o: opportune_db::opportunities::Card, zh: bool, today: chrono::NaiveDate) -> Card {
    Card {
        id: o.id,
        overdue: o.expected_close_date < today,
        close: o.expected_close_date.to_string(),
        amount: money(Money::from_minor(o.amount_minor), zh),
        name: o.name,
        account: o.account_name,
        owner: o.owner_name,
        certainty: o.certainty,
        tracked: o.tracked,
        editable: o.editable,
    }
}

/// The deal list of one stage under the board's filters: where a column's "more" leads.
fn stage_list(q: &BoardQuery, process_id: i64, stage_id: i64) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    url.append_pair("process_id", &process_id.to_string())
        .append_pair("stage_id", &stage_id.to_string())
        .append_pair("status", "open");
    if let Some(owner) = q.owner_id {
        url.append_pair("owner_id", &owner.to_string());
    }
    if let Some(team) = q.team_id {
        url.append_pair("team_id", &team.to_string());
    }
    for (name, value) in [("period", &q.period), ("q", &q.q)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            url.append_pair(name, v);
        }
    }
    format!("/opportunities?{}", url.finish())
}

fn columns(
    b: Board,
    zh: bool,
    tr: crate::i18n::Tr,
    q: &BoardQuery,
    today: chrono::NaiveDate,
) -> Vec<Column> {
    let process_id = b.process.row.id;
    b.process
        .stages
        .iter()
        .zip(b.columns)
        .map(|(s, (t, cards))| Column {
            stage_id: s.row.id,
            name: s.name(tr.locale).to_owned(),
            probability: s.row.probability,
            count: t.count,
            amount: money(t.amount, zh),
            weighted: money(t.weighted, zh),
            more: (t.count > q.per_column()).then(|| stage_list(q, process_id, s.row.id)),
            cards: cards.into_iter().map(|c| card(c, zh, today)).collect(),
        })
        .collect()
}

async fn board(
    State(state): State<AppState>,
    WithDeals { me, deals }: WithDeals<PageUser>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let cal = state.calendar().await;
    let today = cal.today;
    let key = views::Key::new(&me.viewer, views::Format::Html, me.tr.locale, &uri, today);
    if let Some(kept) = state.views.get(&key, deals) {
        return Ok(kept);
    }
    let zh = me.tr.is_zh();
    let loaded = async {
        let all = state.processes(deals.map(|d| d.all)).await?;
        let req = q.request(cal)?;
        let b = opportune_app::board::load(&state, &me.viewer, req, &all).await?;
        let people = users::visible_people(&state.db, &me.viewer).await?;
        let teams = users::visible_teams(&state.db, &me.viewer).await?;
        Ok::<_, Error>((b, all, people, teams))
    }
    .await;
    let (b, all, people, teams) = match loaded {
        // Filters that name no process, stage or period: no such board.
        Err(Error::Invalid(_) | Error::NotFound) => return Err(PageError::not_found(&me)),
        loaded => loaded?,
    };
    let process_id = b.process.row.id;
    let stages = b
        .process
        .stages
        .iter()
        .map(|s| (s.row.id, s.name(me.tr.locale).to_owned()))
        .collect();
    let total = b.total;
    let page = BoardPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-board", uri.to_string()),
        processes: all
            .iter()
            .filter(|p| p.row.active)
            .map(|p: &Process| (p.row.id, p.name(me.tr.locale).to_owned()))
            .collect(),
        process_id,
        stages,
        people,
        teams,
        periods: ClosePeriod::ALL
            .iter()
            .map(|p| {
                (
                    p.as_str(),
                    me.tr.t(&format!("period-{}", p.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        columns: columns(b, zh, me.tr, &q, today),
        total_count: total.count,
        total_amount: money(total.amount, zh),
        total_weighted: money(total.weighted, zh),
        back: uri.to_string(),
        q,
    };
    Ok(render_kept(&state.views, key, deals, &page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    stage_id: i64,
    override_reason: String,
    next: String,
}

#[derive(Template)]
#[template(path = "move_refused.html")]
struct MoveRefusedPage {
    s: Shell,
    opp: Opportunity,
    stage_id: i64,
    stage_name: String,
    /// The unmet criteria; each named with its stage when the move would enter several.
    unmet: Vec<String>,
    other: Option<String>,
    next: String,
}

/// The plain-form stage move (the board's fallback without JavaScript, and the deal page's).
async fn move_form(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<MoveForm>,
) -> PageResult {
    let read = opportunities::get_with_checks(&state.db, &me.viewer, id);
    let read = super::writable(&me, super::found(&me, read)).await?;
    let (opp, ticked) = (read.deal, read.checks);
    let next = safe_next(&f.next);
    let reason = Some(f.override_reason.as_str()).filter(|r| !r.trim().is_empty());
    match deals::move_stage(&state, &me.viewer, all, (&opp, &ticked), f.stage_id, reason).await {
        Err(Error::Refused(refusal)) => {
            let stage_name = match state.process(all, opp.process_id).await {
                Ok(Some(p)) => p
                    .stage(f.stage_id)
                    .map(|s| s.name(me.tr.locale).to_owned())
                    .unwrap_or_default(),
                Ok(None) | Err(_) => String::new(),
            };
            let other = (refusal.code != "criteria_unmet").then(|| {
                me.tr
                    .t(&format!("error-{}", refusal.code.replace('_', "-")))
            });
            let page = MoveRefusedPage {
                s: Shell::new(
                    me.tr,
                    Some(&me.user),
                    "nav-board",
                    format!("/opportunities/{id}"),
                ),
                unmet: refusal
                    .unmet
                    .iter()
                    .flat_map(|stage| {
                        let name = me.tr.pick(&stage.name_zh, &stage.name_en);
                        let several = refusal.unmet.len() > 1;
                        stage.criteria.iter().map(move |(_, zh, en)| {
                            let label = me.tr.pick(zh, en);
                            if several {
                                format!("{name} · {label}")
                            } else {
                                label.to_owned()
                            }
                        })
                    })
                    .collect(),
                stage_id: f.stage_id,
                stage_name,
                other,
                next,
                opp,
            };
            Ok(render(&page, StatusCode::CONFLICT))
        }
        // The deal changed meanwhile: its page shows where it now stands.
        Err(Error::Stale(_)) => Ok(Redirect::to(&format!("/opportunities/{id}")).into_response()),
        moved => {
            moved.or_page(&me)?;
            Ok(Redirect::to(&next).into_response())
        }
    }
}
