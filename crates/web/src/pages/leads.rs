//! Lead pages (线索/潜在客户): the list with search and status filter, the create/edit form and
//! the lead page.

use super::accounts::{form_status, keep_owner, lead_tone, pager, vocab_choices, vocab_label};
use super::shares::{SharePanel, ShareQuery};
use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render, render_kept};
use crate::AppState;
use crate::auth::{Leads, PageUser, WithAll, WithRecords};
use crate::views;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::records::LeadForm;
use opportune_core::FieldErrors;
use opportune_core::records::LeadStatus;
use opportune_db::Paging;
use opportune_db::leads::{self, Lead, LeadFilter};
use opportune_db::shares::ShareKind;
use opportune_db::users::{self, Person};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list).post(create))
        .route("/leads/new", get(new_form))
        .route("/leads/{id}", get(show).post(update))
        .route("/leads/{id}/edit", get(edit_form))
        .route("/leads/{id}/delete", post(delete))
}

fn statuses(tr: crate::i18n::Tr) -> Vec<(&'static str, String)> {
    vocab_choices(
        tr,
        "lead-status",
        LeadStatus::ALL.iter().map(|s| s.as_str()),
    )
}

/// The list's filters and paging; `q` matches part of the name or the company.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    offset: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub source: String,
    pub tone: &'static str,
    pub status_label: String,
    pub owner: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "lead_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    total: i64,
    q: String,
    status: String,
    statuses: Vec<(&'static str, String)>,
    errors: Errors,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn status_is(&self, v: &str) -> bool {
        self.status == v
    }
}

async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<PageUser, Leads>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let tr = me.tr;
    let key = views::Key::new(
        &me.viewer,
        views::Format::Html,
        tr.locale,
        &uri,
        state.today().await,
    );
    let mut errors = FieldErrors::new();
    let status = q
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| errors.take("status", LeadStatus::parse(s)));
    let filter = LeadFilter {
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        status,
    };
    let paging = Paging::new(q.limit, q.offset);
    // A list with bad filters is shown with its errors, never kept.
    if errors.is_empty()
        && let Some(kept) = state.views.get(&key, records)
    {
        return Ok(kept);
    }
    let page = leads::list(&state.db, &me.viewer, &filter, paging).await?;
    let rows = page
        .items
        .into_iter()
        .map(|l| Row {
            id: l.id,
            tone: lead_tone(l.status),
            status_label: vocab_label(tr, "lead-status", l.status.as_str()),
            created: l.created_at.format("%Y-%m-%d").to_string(),
            name: l.name,
            company: l.company,
            title: l.title,
            phone: l.phone,
            source: l.source,
            owner: l.owner_name,
        })
        .collect();
    let (prev, next) = pager(&uri, paging, page.total);
    let p = ListPage {
        s: Shell::new(tr, Some(&me.user), "nav-leads", uri.to_string()),
        rows,
        total: page.total,
        q: q.q.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        statuses: statuses(tr),
        errors: Errors::new(&errors, tr),
        prev,
        next,
    };
    Ok(if errors.is_empty() {
        render_kept(&state.views, key, records, &p)
    } else {
        render(&p, StatusCode::UNPROCESSABLE_ENTITY)
    })
}

#[derive(Template)]
#[template(path = "lead_form.html")]
struct FormPage {
    s: Shell,
    id: Option<i64>,
    f: LeadForm,
    errors: Errors,
    stale: bool,
    people: Vec<Person>,
    statuses: Vec<(&'static str, String)>,
}

impl FormPage {
    fn is_str(&self, a: &str, b: &str) -> bool {
        a.trim() == b
    }
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
}

/// The lead form, new (`current` is `None`) or editing `current`.
async fn form_page(
    state: &AppState,
    me: &PageUser,
    current: Option<&Lead>,
    f: LeadForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let mut people = users::visible_people(&state.db, &me.viewer).await?;
    keep_owner(
        &mut people,
        current.map(|l| (l.owner_id, l.owner_name.as_str())),
    );
    let id = current.map(|l| l.id);
    let path = id.map_or_else(|| "/leads/new".to_owned(), |i| format!("/leads/{i}/edit"));
    let page = FormPage {
        s: Shell::new(tr, Some(&me.user), "nav-leads", path),
        id,
        errors: Errors::new(errors, tr),
        stale,
        people,
        statuses: statuses(tr),
        f,
    };
    Ok(render(&page, form_status(errors, stale)))
}

async fn new_form(State(state): State<AppState>, me: PageUser) -> PageResult {
    let f = LeadForm {
        owner_id: me.user.id.to_string(),
        status: LeadStatus::New.as_str().to_owned(),
        ..LeadForm::default()
    };
    form_page(&state, &me, None, f, &FieldErrors::new(), false).await
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<LeadForm>,
) -> PageResult {
    let l = match f.create(&state, &me.viewer).await {
        Err(Error::Invalid(e)) => return form_page(&state, &me, None, f, &e, false).await,
        created => created?,
    };
    Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response())
}

pub(super) async fn load(state: &AppState, me: &PageUser, id: i64) -> Result<Lead, PageError> {
    super::found(me, leads::get(&state.db, &me.viewer, id)).await
}

async fn edit_form(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let l = super::writable(&me, load(&state, &me, id)).await?;
    let f = LeadForm::from_record(&l);
    form_page(&state, &me, Some(&l), f, &FieldErrors::new(), false).await
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<LeadForm>,
) -> PageResult {
    let current = super::writable(&me, load(&state, &me, id)).await?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let l = match f.update(&state, &me.viewer, &current, version).await {
        Err(Error::Invalid(e)) => {
            return form_page(&state, &me, Some(&current), f, &e, false).await;
        }
        Err(Error::Stale(_)) => {
            let now = load(&state, &me, id).await?;
            let f = LeadForm::from_record(&now);
            return form_page(&state, &me, Some(&now), f, &FieldErrors::new(), true).await;
        }
        Err(Error::NotFound) => return Err(PageError::not_found(&me)),
        saved => saved?,
    };
    Ok(Redirect::to(&format!("/leads/{}", l.id)).into_response())
}

#[derive(Template)]
#[template(path = "lead_show.html")]
struct ShowPage {
    s: Shell,
    l: Lead,
    tone: &'static str,
    status_label: String,
    shares: SharePanel,
}

async fn show(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    Query(q): Query<ShareQuery>,
) -> PageResult {
    let l = load(&state, &me, id).await?;
    let shares = SharePanel::load(
        &state,
        (&me.viewer, all),
        me.tr,
        (ShareKind::Lead, l.id),
        (l.owner_id, l.editable),
        true,
        q.share_error.as_deref(),
    )
    .await?;
    let page = ShowPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-leads", format!("/leads/{id}")),
        tone: lead_tone(l.status),
        status_label: vocab_label(me.tr, "lead-status", l.status.as_str()),
        shares,
        l,
    };
    Ok(render(&page, StatusCode::OK))
}

async fn delete(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    leads::delete(&state.db, &me.viewer, id)
        .await
        .or_page(&me)?;
    Ok(Redirect::to("/leads").into_response())
}
