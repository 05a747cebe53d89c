//! Contact pages (联系人): the list with search and account filter, the create/edit form, and
//! the contact page with the business details and the personal profile used for relationship
//! work.

use super::accounts::{form_status, keep_owner, pager};
use super::shares::{SharePanel, ShareQuery};
use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render, render_kept};
use crate::AppState;
use crate::auth::{Contacts, PageUser, WithAll, WithRecords};
use crate::views;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::records::ContactForm;
use opportune_core::FieldErrors;
use opportune_core::visibility::Viewer;
use opportune_db::accounts::{self, AccountFilter};
use opportune_db::contacts::{self, Contact, ContactFilter};
use opportune_db::shares::ShareKind;
use opportune_db::users::{self, Person};
use opportune_db::{Db, DbError, Paging};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/new", get(new_form))
        .route("/contacts/{id}", get(show).post(update))
        .route("/contacts/{id}/edit", get(edit_form))
        .route("/contacts/{id}/delete", post(delete))
}

/// The accounts to pick from (the first 500 by name), plus `keep` when it is visible but not
/// among them, so a selected account is always shown.
async fn account_choices(
    db: &Db,
    v: &Viewer,
    keep: Option<i64>,
) -> Result<Vec<(i64, String)>, DbError> {
    let mut out: Vec<(i64, String)> = accounts::list(
        db,
        v,
        &AccountFilter::default(),
        Paging::new(Some(500), None),
    )
    .await?
    .items
    .into_iter()
    .map(|a| (a.id, a.name))
    .collect();
    if let Some(id) = keep
        && !out.iter().any(|a| a.0 == id)
    {
        match accounts::get(db, v, id).await {
            // Not visible to the viewer: not offered.
            Err(DbError::NotFound) => {}
            found => {
                let a = found?;
                out.push((a.id, a.name));
            }
        }
    }
    Ok(out)
}

/// The list's filters and paging; `q` matches part of the name.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    account_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    offset: Option<i64>,
}

#[derive(Template)]
#[template(path = "contact_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Contact>,
    total: i64,
    q: String,
    account_id: Option<i64>,
    accounts: Vec<(i64, String)>,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn account_is(&self, id: &i64) -> bool {
        self.account_id == Some(*id)
    }
}

async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<PageUser, Contacts>,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let key = views::Key::new(
        &me.viewer,
        views::Format::Html,
        me.tr.locale,
        &uri,
        state.today().await,
    );
    if let Some(kept) = state.views.get(&key, records) {
        return Ok(kept);
    }
    let filter = ContactFilter {
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        account_id: q.account_id,
    };
    let paging = Paging::new(q.limit, q.offset);
    let page = contacts::list(&state.db, &me.viewer, &filter, paging).await?;
    let accounts = account_choices(&state.db, &me.viewer, q.account_id).await?;
    let (prev, next) = pager(&uri, paging, page.total);
    let p = ListPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-contacts", uri.to_string()),
        rows: page.items,
        total: page.total,
        q: q.q.unwrap_or_default(),
        account_id: q.account_id,
        accounts,
        prev,
        next,
    };
    Ok(render_kept(&state.views, key, records, &p))
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    s: Shell,
    id: Option<i64>,
    f: ContactForm,
    errors: Errors,
    stale: bool,
    accounts: Vec<(i64, String)>,
    people: Vec<Person>,
    cancel: String,
}

impl FormPage {
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
}

/// The contact form, new (`current` is `None`) or editing `current`.
async fn form_page(
    state: &AppState,
    me: &PageUser,
    current: Option<&Contact>,
    f: ContactForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let keep_account = current
        .map(|c| c.account_id)
        .or_else(|| f.account_id.trim().parse().ok());
    let accounts = account_choices(&state.db, &me.viewer, keep_account).await?;
    let mut people = users::visible_people(&state.db, &me.viewer).await?;
    keep_owner(
        &mut people,
        current.map(|c| (c.owner_id, c.owner_name.as_str())),
    );
    let id = current.map(|c| c.id);
    let from_account = keep_account.filter(|a| accounts.iter().any(|x| x.0 == *a));
    let (path, cancel) = match (id, from_account) {
        (Some(i), _) => (format!("/contacts/{i}/edit"), format!("/contacts/{i}")),
        (None, Some(a)) => ("/contacts/new".to_owned(), format!("/accounts/{a}")),
        (None, None) => ("/contacts/new".to_owned(), "/contacts".to_owned()),
    };
    let page = FormPage {
        s: Shell::new(tr, Some(&me.user), "nav-contacts", path),
        id,
        errors: Errors::new(errors, tr),
        stale,
        accounts,
        people,
        cancel,
        f,
    };
    Ok(render(&page, form_status(errors, stale)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    account_id: String,
}

async fn new_form(
    State(state): State<AppState>,
    me: PageUser,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let f = ContactForm {
        account_id: q.account_id,
        owner_id: me.user.id.to_string(),
        ..ContactForm::default()
    };
    form_page(&state, &me, None, f, &FieldErrors::new(), false).await
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<ContactForm>,
) -> PageResult {
    let c = match f.create(&state, &me.viewer).await {
        Err(Error::Invalid(e)) => return form_page(&state, &me, None, f, &e, false).await,
        created => created?,
    };
    Ok(Redirect::to(&format!("/contacts/{}", c.id)).into_response())
}

async fn load(state: &AppState, me: &PageUser, id: i64) -> Result<Contact, PageError> {
    super::found(me, contacts::get(&state.db, &me.viewer, id)).await
}

async fn edit_form(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let c = super::writable(&me, load(&state, &me, id)).await?;
    let f = ContactForm::from_record(&c);
    form_page(&state, &me, Some(&c), f, &FieldErrors::new(), false).await
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<ContactForm>,
) -> PageResult {
    let current = super::writable(&me, load(&state, &me, id)).await?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let c = match f.update(&state, &me.viewer, &current, version).await {
        Err(Error::Invalid(e)) => {
            return form_page(&state, &me, Some(&current), f, &e, false).await;
        }
        Err(Error::Stale(_)) => {
            let now = load(&state, &me, id).await?;
            let f = ContactForm::from_record(&now);
            return form_page(&state, &me, Some(&now), f, &FieldErrors::new(), true).await;
        }
        Err(Error::NotFound) => return Err(PageError::not_found(&me)),
        saved => saved?,
    };
    Ok(Redirect::to(&format!("/contacts/{}", c.id)).into_response())
}

#[derive(Template)]
#[template(path = "contact_show.html")]
struct ShowPage {
    s: Shell,
    c: Contact,
    in_use: bool,
    shares: SharePanel,
}

impl ShowPage {
    /// Whether the personal profile has anything in it yet.
    fn has_profile(&self) -> bool {
        let c = &self.c;
        c.birthday.is_some()
            || [
                &c.hometown,
                &c.interests,
                &c.tenure,
                &c.authority,
                &c.personality,
                &c.working_style,
                &c.family_notes,
                &c.business_needs,
                &c.personal_needs,
            ]
            .iter()
            .any(|t| !t.is_empty())
    }
}

/// The contact page; `in_use` adds the notice that a delete was refused.
async fn show_page(
    state: &AppState,
    (me, all): (&PageUser, Option<i64>),
    c: Contact,
    in_use: bool,
    share_error: Option<&str>,
) -> PageResult {
    let shares = SharePanel::load(
        state,
        (&me.viewer, all),
        me.tr,
        (ShareKind::Contact, c.id),
        (c.owner_id, c.editable),
        true,
        share_error,
    )
    .await?;
    let page = ShowPage {
        s: Shell::new(
            me.tr,
            Some(&me.user),
            "nav-contacts",
            format!("/contacts/{}", c.id),
        ),
        c,
        in_use,
        shares,
    };
    let status = if in_use {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render(&page, status))
}

async fn show(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    Query(q): Query<ShareQuery>,
) -> PageResult {
    let c = load(&state, &me, id).await?;
    show_page(&state, (&me, all), c, false, q.share_error.as_deref()).await
}

async fn delete(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    match contacts::delete(&state.db, &me.viewer, id).await {
        // Still used: the contact's page says so.
        Err(DbError::InUse) => {
            let c = load(&state, &me, id).await?;
            return show_page(&state, (&me, None), c, true, None).await;
        }
        deleted => deleted.or_page(&me)?,
    }
    Ok(Redirect::to("/contacts").into_response())
}
