//! Opportunity pages: the list with filters and sort, the create/edit form, and the deal page
//! (details, stage criteria, certainty evidence, activities, history).

use super::board::money;
use super::shares::SharePanel;
use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render, render_kept};
use crate::AppState;
use crate::auth::{PageUser, WithAll, WithDeals};
use crate::queries::ListQuery;
use crate::views;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::deals;
use opportune_app::forms::OppForm;
use opportune_core::board::ClosePeriod;
use opportune_core::fields::{optional_date, optional_text};
use opportune_core::history::{ActorKind, EventKind};
use opportune_core::records::{ActivityKind, OppGrade, OppStatus};
use opportune_core::{FieldErrors, Money, certainty};
use opportune_db::accounts::{self, Account, AccountFilter};
use opportune_db::activities::{self, Activity, ActivityFilter, ActivityInput};
use opportune_db::history::{self, Event};
use opportune_db::opportunities::{self, DealRead, Opportunity, Sort};
use opportune_db::processes::Process;
use opportune_db::shares::ShareKind;
use opportune_db::users::{self, Person};
use opportune_db::{DbError, Paging};
use serde::Deserialize;
use std::collections::HashSet;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(list).post(create))
        .route("/opportunities/new", get(new_form))
        .route("/opportunities/{id}", get(show).post(update))
        .route("/opportunities/{id}/edit", get(edit_form))
        .route("/opportunities/{id}/checks", post(save_checks))
        .route("/opportunities/{id}/activities", post(log_activity))
        .route("/opportunities/{id}/delete", post(delete))
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub account_id: i64,
    pub account: String,
    pub owner: String,
    pub stage: String,
    pub amount: String,
    pub close: String,
    pub certainty: i64,
    pub status: String,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "opp_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    total: i64,
    q: ListQuery,
    processes: Vec<(i64, String)>,
    people: Vec<Person>,
    statuses: Vec<(&'static str, String)>,
    periods: Vec<(&'static str, String)>,
    sorts: Vec<(&'static str, String)>,
    errors: Errors,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn is(&self, v: Option<&str>, want: &str) -> bool {
        v == Some(want)
    }
    fn owner_is(&self, id: &i64) -> bool {
        self.q.owner_id == Some(*id)
    }
    fn process_is(&self, id: &i64) -> bool {
        self.q.process_id == Some(*id)
    }
    fn sort_is(&self, key: &str) -> bool {
        self.q.sort.as_deref().unwrap_or("close") == key
    }
}

fn sort_key(s: Sort) -> &'static str {
    match s {
        Sort::CloseAsc => "sort-close",
        Sort::CloseDesc => "sort-close-desc",
        Sort::AmountDesc => "sort-amount-desc",
        Sort::AmountAsc => "sort-amount",
        Sort::NameAsc => "sort-name",
        Sort::UpdatedDesc => "sort-updated-desc",
        Sort::CertaintyDesc => "sort-certainty-desc",
    }
}

pub fn status_label(tr: crate::i18n::Tr, status: &str) -> String {
    tr.t(&format!("status-{status}"))
}

fn page_link(uri: &axum::http::Uri, offset: i64) -> String {
    let kept: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "offset")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .chain(std::iter::once(("offset".to_owned(), offset.to_string())))
        .collect();
    format!(
        "{}?{}",
        uri.path(),
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

async fn list(
    State(state): State<AppState>,
    WithDeals { me, deals }: WithDeals<PageUser>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let tr = me.tr;
    let mut errors = FieldErrors::new();
    let filter = q.filter(state.calendar().await).unwrap_or_else(|e| {
        errors = e;
        opportunities::OppFilter::default()
    });
    let sort = q.sort().unwrap_or(Sort::CloseAsc);
    let paging = Paging::new(q.limit, q.offset);
    // A list with bad filters is shown with its errors, never kept.
    let key = views::Key::new(
        &me.viewer,
        views::Format::Html,
        tr.locale,
        &uri,
        state.today().await,
    );
    if errors.is_empty()
        && let Some(kept) = state.views.get(&key, deals)
    {
        return Ok(kept);
    }
    let page = opportunities::list(&state.db, &me.viewer, &filter, sort, paging).await?;
    let procs = state.processes(deals.map(|d| d.all)).await?;
    let people = users::visible_people(&state.db, &me.viewer).await?;
    let rows = page
        .items
        .into_iter()
        .map(|o| Row {
            id: o.id,
            stage: tr.pick(&o.stage_name_zh, &o.stage_name_en).to_owned(),
            amount: Money::from_minor(o.amount_minor).display_major(),
            close: o.expected_close_date.to_string(),
            status_label: status_label(tr, o.status.as_str()),
            name: o.name,
            account_id: o.account_id,
            account: o.account_name,
            owner: o.owner_name,
            certainty: o.certainty,
            status: o.status.as_str().to_owned(),
        })
        .collect();
    let prev = (paging.offset > 0).then(|| page_link(&uri, (paging.offset - paging.limit).max(0)));
    let next = (paging.offset + paging.limit < page.total)
        .then(|| page_link(&uri, paging.offset + paging.limit));
    let p = ListPage {
        s: Shell::new(tr, Some(&me.user), "nav-opportunities", uri.to_string()),
        rows,
        total: page.total,
        processes: procs
            .iter()
            .map(|p| (p.row.id, p.name(tr.locale).to_owned()))
            .collect(),
        people,
        statuses: OppStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(tr, s.as_str())))
            .collect(),
        periods: ClosePeriod::ALL
            .iter()
            .map(|p| {
                (
                    p.as_str(),
                    tr.t(&format!("period-{}", p.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        sorts: Sort::ALL
            .iter()
            .map(|s| (s.as_str(), tr.t(sort_key(*s))))
            .collect(),
        errors: Errors::new(&errors, tr),
        prev,
        next,
        q,
    };
    Ok(if errors.is_empty() {
        render_kept(&state.views, key, deals, &p)
    } else {
        render(&p, StatusCode::UNPROCESSABLE_ENTITY)
    })
}

#[derive(Template)]
#[template(path = "opp_form.html")]
struct FormPage {
    s: Shell,
    id: Option<i64>,
    f: OppForm,
    errors: Errors,
    stale: bool,
    accounts: Vec<Account>,
    processes: Vec<(i64, String)>,
    people: Vec<Person>,
    statuses: Vec<(&'static str, String)>,
    grades: Vec<&'static str>,
    levels: Vec<(u8, String)>,
}

impl FormPage {
    fn has_level(&self, l: &u8) -> bool {
        self.f.evidence.contains(l)
    }
    fn certainty_is(&self, l: &u8) -> bool {
        self.f.certainty.trim() == l.to_string()
    }
    fn certainty_unset(&self) -> bool {
        matches!(self.f.certainty.trim(), "" | "0")
    }
    fn is_str(&self, a: &str, b: &str) -> bool {
        a == b
    }
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
}

/// What a form that opens a deal offers: the accounts the viewer sees (the first 500 by name)
/// and the active processes, in the viewer's language. The deal form and the lead conversion.
pub(super) async fn deal_choices(
    state: &AppState,
    me: &PageUser,
) -> Result<(Vec<Account>, Vec<(i64, String)>), PageError> {
    let accounts = accounts::list(
        &state.db,
        &me.viewer,
        &AccountFilter::default(),
        Paging::new(Some(500), None),
    )
    .await?
    .items;
    let processes = state
        .processes(None)
        .await?
        .iter()
        .filter(|p| p.row.active)
        .map(|p| (p.row.id, p.name(me.tr.locale).to_owned()))
        .collect();
    Ok((accounts, processes))
}

async fn form_page(
    state: &AppState,
    me: &PageUser,
    id: Option<i64>,
    f: OppForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let (accounts, processes) = deal_choices(state, me).await?;
    let people = users::visible_people(&state.db, &me.viewer).await?;
    let status = super::accounts::form_status(errors, stale);
    let path = id.map_or_else(
        || "/opportunities/new".to_owned(),
        |i| format!("/opportunities/{i}/edit"),
    );
    let page = FormPage {
        s: Shell::new(tr, Some(&me.user), "nav-opportunities", path),
        id,
        errors: Errors::new(errors, tr),
        stale,
        accounts,
        processes,
        people,
        statuses: OppStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(tr, s.as_str())))
            .collect(),
        grades: OppGrade::ALL.iter().map(|g| g.as_str()).collect(),
        levels: certainty::LEVELS
            .iter()
            .map(|(l, zh, en)| (*l, tr.pick(zh, en).to_owned()))
            .collect(),
        f,
    };
    Ok(render(&page, status))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    process_id: String,
    account_id: String,
}

async fn new_form(
    State(state): State<AppState>,
    me: PageUser,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let f = OppForm {
        process_id: q.process_id,
        account_id: q.account_id,
        expected_close_date: deals::default_close_date(&state).await.to_string(),
        ..OppForm::default()
    };
    form_page(&state, &me, None, f, &FieldErrors::new(), false).await
}

async fn create(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    HtmlForm(f): HtmlForm<OppForm>,
) -> PageResult {
    let o = match deals::create(&state, &me.viewer, all, &f).await {
        Err(Error::Invalid(e)) => return form_page(&state, &me, None, f, &e, false).await,
        created => created?,
    };
    Ok(Redirect::to(&format!("/opportunities/{}", o.id)).into_response())
}

async fn load(state: &AppState, me: &PageUser, id: i64) -> Result<Opportunity, PageError> {
    super::found(me, opportunities::get(&state.db, &me.viewer, id)).await
}

/// The deal, the ids of its ticked criteria and whether it is shared, in one query.
async fn load_with_checks(state: &AppState, me: &PageUser, id: i64) -> Result<DealRead, PageError> {
    super::found(
        me,
        opportunities::get_with_checks(&state.db, &me.viewer, id),
    )
    .await
}

async fn edit_form(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let o = super::writable(&me, load(&state, &me, id)).await?;
    let f = OppForm::from_record(&o);
    form_page(&state, &me, Some(id), f, &FieldErrors::new(), false).await
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<OppForm>,
) -> PageResult {
    let current = super::writable(&me, load(&state, &me, id)).await?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let o = match deals::update(&state, &me.viewer, &current, &f, version).await {
        Err(Error::Invalid(e)) => return form_page(&state, &me, Some(id), f, &e, false).await,
        Err(Error::Stale(_)) => {
            let now = OppForm::from_record(&load(&state, &me, id).await?);
            return form_page(&state, &me, Some(id), now, &FieldErrors::new(), true).await;
        }
        saved => saved?,
    };
    Ok(Redirect::to(&format!("/opportunities/{}", o.id)).into_response())
}

pub struct ItemView {
    pub id: i64,
    pub label: String,
    pub checked: bool,
}

pub struct StageView {
    pub id: i64,
    pub name: String,
    pub probability: i64,
    pub target_days: i64,
    pub definition: String,
    pub any: bool,
    pub current: bool,
    pub entry: Vec<ItemView>,
    pub work: Vec<ItemView>,
}

pub struct EventView {
    pub at: String,
    pub actor: String,
    pub label: String,
    pub change: String,
    pub reason: Option<String>,
    /// The stages a move entered past their unmet criteria, each with those criteria.
    pub skipped: Vec<(String, Vec<String>)>,
}

pub struct EvidenceView {
    pub level: u8,
    pub label: String,
    pub ticked: bool,
}

#[derive(Template)]
#[template(path = "opp_show.html")]
struct ShowPage {
    s: Shell,
    o: Opportunity,
    amount: String,
    weighted: String,
    status_label: String,
    stage_name: String,
    process_name: String,
    days_in_stage: i64,
    stages: Vec<StageView>,
    evidence: Vec<EvidenceView>,
    unsupported: Option<u8>,
    activities: Vec<Activity>,
    events: Vec<EventView>,
    /// Older events than those shown exist (the page shows the newest [`RECENT_EVENTS`]).
    history_more: bool,
    kinds: Vec<(&'static str, String)>,
    act: ActivityForm,
    act_errors: Errors,
    shares: SharePanel,
}

impl ShowPage {
    fn kind_label(&self, k: &str) -> String {
        self.s.t(&format!("kind-{}", k.replace('_', "-")))
    }
    fn kind_is(&self, k: &str) -> bool {
        self.act.kind == k
    }
}

fn describe(e: &Event, process: &Process, tr: crate::i18n::Tr) -> (String, String) {
    let stage = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|id| process.stage(id))
            .map_or_else(
                || v.clone().unwrap_or_default(),
                |s| s.name(tr.locale).to_owned(),
            )
    };
    let money_of = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .map(|m| Money::from_minor(m).display_major())
            .unwrap_or_default()
    };
    let plain = |v: &Option<String>| v.clone().unwrap_or_default();
    // A person or team by the name the history query read for the id, if it still exists.
    let named = |v: &Option<String>, name: &Option<String>| match (v.as_deref(), name) {
        (None | Some(""), _) => tr.t("event-no-team"),
        (Some(_), Some(name)) => name.clone(),
        (Some(id), None) => tr.t1("event-unknown", "id", id),
    };
    let label = tr.t(&format!("event-{}", e.kind.as_str().replace('_', "-")));
    let change = match e.kind {
        EventKind::Created => stage(&e.to_value),
        EventKind::Stage => format!("{} → {}", stage(&e.from_value), stage(&e.to_value)),
        EventKind::Amount => format!("{} → {}", money_of(&e.from_value), money_of(&e.to_value)),
        EventKind::Owner | EventKind::Team => format!(
            "{} → {}",
            named(&e.from_value, &e.from_name),
            named(&e.to_value, &e.to_name)
        ),
        EventKind::Certainty => format!("{}% → {}%", plain(&e.from_value), plain(&e.to_value)),
        EventKind::Status => {
            let change = format!(
                "{} → {}",
                status_label(tr, &plain(&e.from_value)),
                status_label(tr, &plain(&e.to_value))
            );
            if e.close_reason.is_empty() {
                change
            } else {
                format!("{change} · {}", e.close_reason)
            }
        }
        EventKind::Tracked => {
            let yes_no = |v: &Option<String>| {
                tr.t(if v.as_deref() == Some("true") {
                    "common-yes"
                } else {
                    "common-no"
                })
            };
            format!("{} → {}", yes_no(&e.from_value), yes_no(&e.to_value))
        }
        EventKind::Evidence => format!(
            "{} → {}",
            evidence_levels(e.from_value.as_deref()),
            evidence_levels(e.to_value.as_deref())
        ),
        EventKind::Checks => format!(
            "{} → {}",
            item_labels(e.from_value.as_deref(), process, tr),
            item_labels(e.to_value.as_deref(), process, tr)
        ),
        EventKind::Deleted | EventKind::Restored => String::new(),
        _ => format!("{} → {}", plain(&e.from_value), plain(&e.to_value)),
    };
    (label, change)
}

/// The certainty levels whose evidence an event's value (the evidence bits) ticks: "20%, 30%".
fn evidence_levels(v: Option<&str>) -> String {
    let bits = v.and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let levels: Vec<String> = certainty::levels_from_evidence(bits)
        .iter()
        .map(|l| format!("{l}%"))
        .collect();
    if levels.is_empty() {
        "—".to_owned()
    } else {
        levels.join(", ")
    }
}

/// The criteria an event's value (item ids, comma-separated) names, in the reader's language.
fn item_labels(v: Option<&str>, process: &Process, tr: crate::i18n::Tr) -> String {
    let labels: Vec<&str> = v
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse::<i64>().ok())
        .filter_map(|id| process.item(id))
        .map(|i| i.label(tr.locale))
        .collect();
    if labels.is_empty() {
        "—".to_owned()
    } else {
        labels.join("、")
    }
}

/// The stages a move entered past their unmet criteria (the event's detail), with the criteria.
fn skipped_stages(e: &Event, process: &Process, tr: crate::i18n::Tr) -> Vec<(String, Vec<String>)> {
    let detail: Option<serde_json::Value> = e
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    let Some(stages) = detail.as_ref().and_then(|d| d["skipped"].as_array()) else {
        return Vec::new();
    };
    stages
        .iter()
        .filter_map(|s| {
            let stage = process.stage(s["stage_id"].as_i64()?)?;
            let criteria = s["unmet"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(serde_json::Value::as_i64)
                        .filter_map(|id| process.item(id))
                        .map(|i| i.label(tr.locale).to_owned())
                        .collect()
                })
                .unwrap_or_default();
            Some((stage.name(tr.locale).to_owned(), criteria))
        })
        .collect()
}

/// How many of a deal's activities its page shows, newest first.
const RECENT_ACTIVITIES: i64 = 100;
/// How many events of a deal's history its page shows, newest first, unless the whole history
/// is asked for (`?history=all`): the page's cost grew with every change of the deal
/// (docs/PERFORMANCE.md, fixes 21 and 32). The page is about where the deal stands; twenty
/// changes reach back weeks on a busy deal.
const RECENT_EVENTS: i64 = 20;

/// The query of the deal page: the refusal of a share just tried, and whether the whole history
/// is wanted (`history=all`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    share_error: Option<String>,
    history: Option<String>,
}

/// The deal page, for a deal read with its ticked criteria. `all` is the caller's `'all'` view
/// version when they signed in with it: the processes and the colleagues are then the server's
/// copies while it stands. The activities, the history and the shares (if it has any) are read
/// at once.
async fn show_page(
    state: &AppState,
    me: &PageUser,
    all: Option<i64>,
    DealRead {
        deal: o,
        checks,
        shared,
    }: DealRead,
    act: ActivityForm,
    act_errors: &FieldErrors,
    q: &ShowQuery,
) -> PageResult {
    let tr = me.tr;
    let whole_history = q.history.as_deref() == Some("all");
    let deal_activities = ActivityFilter {
        opportunity_id: Some(o.id),
        ..ActivityFilter::default()
    };
    let (process, acts, mut events, shares) = tokio::try_join!(
        async {
            state
                .process(all, o.process_id)
                .await?
                .ok_or(DbError::NotFound)
        },
        activities::recent(&state.db, &me.viewer, &deal_activities, RECENT_ACTIVITIES),
        async {
            if whole_history {
                history::of_deal(&state.db, o.id).await
            } else {
                history::recent(&state.db, o.id, RECENT_EVENTS + 1).await
            }
        },
        SharePanel::load(
            state,
            (&me.viewer, all),
            tr,
            (ShareKind::Opportunity, o.id),
            (o.owner_id, o.editable),
            shared,
            q.share_error.as_deref(),
        ),
    )?;
    let history_more = events.len() as i64 > RECENT_EVENTS && !whole_history;
    if history_more {
        events.truncate(RECENT_EVENTS as usize);
    }
    let checks: HashSet<i64> = checks.into_iter().collect();
    let items = |v: &[opportune_db::processes::ItemRow]| {
        v.iter()
            .map(|i| ItemView {
                id: i.id,
                label: i.label(tr.locale).to_owned(),
                checked: checks.contains(&i.id),
            })
            .collect()
    };
    let stages = process
        .stages
        .iter()
        .map(|s| StageView {
            id: s.row.id,
            name: s.name(tr.locale).to_owned(),
            probability: s.row.probability,
            target_days: s.row.target_days,
            definition: s.definition(tr.locale).to_owned(),
            any: s.mode() == opportune_core::process::CriteriaMode::Any,
            current: s.row.id == o.stage_id,
            entry: items(&s.entry),
            work: items(&s.work),
        })
        .collect();
    let level = o.certainty.clamp(0, 100) as u8;
    let unsupported = certainty::is_unsupported(level, o.certainty_evidence)
        .then(|| certainty::supported_level(o.certainty_evidence));
    let evidence = certainty::LEVELS
        .iter()
        .map(|(l, zh, en)| EvidenceView {
            level: *l,
            label: tr.pick(zh, en).to_owned(),
            ticked: o.certainty_evidence & certainty::evidence_bit(*l) != 0,
        })
        .collect();
    // Instants are shown in the organization's time zone, as its "today" is reckoned.
    let tz = state.org().await.tz();
    let events = events
        .iter()
        .map(|e| {
            let (label, change) = describe(e, &process, tr);
            let actor = match e.actor_kind {
                ActorKind::User => e.actor_name.clone().unwrap_or_default(),
                ActorKind::Import => format!(
                    "{} ({})",
                    e.actor_name.clone().unwrap_or_default(),
                    tr.t("event-actor-import")
                ),
                ActorKind::System => tr.t("event-actor-system"),
            };
            EventView {
                at: e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                actor,
                label,
                change,
                reason: e.reason.clone(),
                skipped: skipped_stages(e, &process, tr),
            }
        })
        .collect();
    let zh = tr.is_zh();
    let amount = Money::from_minor(o.amount_minor);
    let page = ShowPage {
        s: Shell::new(
            tr,
            Some(&me.user),
            "nav-opportunities",
            format!("/opportunities/{}", o.id),
        ),
        amount: amount.display_major(),
        weighted: money(amount.weighted(o.probability.clamp(0, 100) as u8), zh),
        status_label: status_label(tr, o.status.as_str()),
        stage_name: tr.pick(&o.stage_name_zh, &o.stage_name_en).to_owned(),
        process_name: process.name(tr.locale).to_owned(),
        days_in_stage: (chrono::Utc::now() - o.stage_entered_at).num_days(),
        stages,
        evidence,
        unsupported,
        activities: acts,
        events,
        history_more,
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    tr.t(&format!("kind-{}", k.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        act_errors: Errors::new(act_errors, tr),
        act,
        shares,
        o,
    };
    let status = if act_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(&page, status))
}

async fn show(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let deal = load_with_checks(&state, &me, id).await?;
    let act = ActivityForm::on(state.today().await);
    show_page(&state, &me, all, deal, act, &FieldErrors::new(), &q).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChecksForm {
    version: i64,
    item: Vec<i64>,
}

async fn save_checks(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<ChecksForm>,
) -> PageResult {
    let o = super::writable(&me, load(&state, &me, id)).await?;
    match deals::set_checks(&state, &me.viewer, all, &o, &f.item, f.version).await {
        // A stale tick goes back to the criteria as they now stand.
        Ok(_) | Err(Error::Stale(_)) => {
            Ok(Redirect::to(&format!("/opportunities/{id}#criteria")).into_response())
        }
        Err(Error::Invalid(_)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, "item").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// The activity form on the deal page.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActivityForm {
    pub kind: String,
    pub occurred_on: String,
    pub participants: String,
    pub notes: String,
    pub outcome: String,
    pub next_step: String,
    pub next_step_date: String,
}

impl ActivityForm {
    /// A new visit on `today`.
    fn on(today: chrono::NaiveDate) -> ActivityForm {
        ActivityForm {
            kind: ActivityKind::Visit.as_str().to_owned(),
            occurred_on: today.to_string(),
            ..ActivityForm::default()
        }
    }

    fn validate(&self, o: &Opportunity, owner_id: i64) -> Result<ActivityInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = e.take("kind", ActivityKind::parse(&self.kind));
        let occurred_on = e.take(
            "occurred_on",
            opportune_core::fields::date(&self.occurred_on),
        );
        let participants = e.take(
            "participants",
            optional_text(&self.participants, opportune_app::forms::NAME_MAX),
        );
        let notes = e.take(
            "notes",
            optional_text(&self.notes, opportune_app::forms::NOTE_MAX),
        );
        let outcome = e.take(
            "outcome",
            optional_text(&self.outcome, opportune_app::forms::NOTE_MAX),
        );
        let next_step = e.take(
            "next_step",
            optional_text(&self.next_step, opportune_app::forms::NOTE_MAX),
        );
        let next_step_date = e.take("next_step_date", optional_date(&self.next_step_date));
        match (
            kind,
            occurred_on,
            participants,
            notes,
            outcome,
            next_step,
            next_step_date,
        ) {
            (
                Some(kind),
                Some(occurred_on),
                Some(participants),
                Some(notes),
                Some(outcome),
                Some(next_step),
                Some(next_step_date),
            ) => Ok(ActivityInput {
                opportunity_id: Some(o.id),
                account_id: o.account_id,
                contact_id: None,
                kind,
                occurred_on,
                participants,
                notes,
                outcome,
                next_step,
                next_step_date,
                owner_id,
            }),
            _ => Err(e),
        }
    }
}

async fn log_activity(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<ActivityForm>,
) -> PageResult {
    let deal = load_with_checks(&state, &me, id).await?;
    match f.validate(&deal.deal, me.user.id) {
        Ok(input) => {
            activities::create(&state.db, &me.viewer, &input).await?;
            Ok(Redirect::to(&format!("/opportunities/{id}#activities")).into_response())
        }
        Err(e) => show_page(&state, &me, None, deal, f, &e, &ShowQuery::default()).await,
    }
}

async fn delete(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    opportunities::delete(&state.db, &me.viewer, id)
        .await
        .or_page(&me)?;
    Ok(Redirect::to("/opportunities").into_response())
}
