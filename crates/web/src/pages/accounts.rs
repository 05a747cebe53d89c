//! Account pages (客户): the list with search and owner filter, the create/edit form, and the
//! account page (details, needs, contacts, opportunities, purchase history, recent activities).
//! The small helpers that the contact and lead pages share live here too.

use super::opportunities::status_label;
use super::shares::{SharePanel, ShareQuery};
use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render, render_kept};
use crate::AppState;
use crate::auth::{Accounts, PageUser, WithAll, WithRecords};
use crate::i18n::Tr;
use crate::views;
use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::Error;
use opportune_app::records::AccountForm;
use opportune_core::records::{AccountGrade, AccountStatus, LeadStatus, OppStatus};
use opportune_core::{FieldErrors, Money};
use opportune_db::accounts::{self, Account, AccountFilter};
use opportune_db::activities::{self, Activity, ActivityFilter};
use opportune_db::contacts::{self, Contact, ContactFilter};
use opportune_db::opportunities::{self, OppFilter, Opportunity, Sort};
use opportune_db::shares::ShareKind;
use opportune_db::users::{self, Person};
use opportune_db::{DbError, Paging};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/new", get(new_form))
        .route("/accounts/{id}", get(show).post(update))
        .route("/accounts/{id}/edit", get(edit_form))
        .route("/accounts/{id}/delete", post(delete))
}

/// The catalogue key of a vocabulary value: `prefix-value`, lower case, `_` as `-`.
pub(super) fn vocab_key(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.to_ascii_lowercase().replace('_', "-"))
}

/// The label of a vocabulary value in the user's language.
pub(super) fn vocab_label(tr: Tr, prefix: &str, value: &str) -> String {
    tr.t(&vocab_key(prefix, value))
}

/// The values of a vocabulary with their labels, for a select.
pub(super) fn vocab_choices(
    tr: Tr,
    prefix: &str,
    values: impl IntoIterator<Item = &'static str>,
) -> Vec<(&'static str, String)> {
    values
        .into_iter()
        .map(|v| (v, vocab_label(tr, prefix, v)))
        .collect()
}

/// The badge colour of an account status: good, waiting, gone, or plain.
pub(super) fn account_tone(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => "won",
        AccountStatus::Dormant => "warn",
        AccountStatus::Lost => "lost",
        AccountStatus::Prospect => "",
    }
}

/// The badge colour of a lead status, as [`account_tone`]'s.
pub(super) fn lead_tone(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::Qualified => "won",
        LeadStatus::Disqualified => "lost",
        LeadStatus::New | LeadStatus::Contacted => "",
    }
}

/// The same list at another offset, keeping every other query parameter.
fn page_link(uri: &Uri, offset: i64) -> String {
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

/// The previous and next page links of a list, where there is such a page.
pub(super) fn pager(uri: &Uri, paging: Paging, total: i64) -> (Option<String>, Option<String>) {
    let prev = (paging.offset > 0).then(|| page_link(uri, (paging.offset - paging.limit).max(0)));
    let next = (paging.offset + paging.limit < total)
        .then(|| page_link(uri, paging.offset + paging.limit));
    (prev, next)
}

/// The status of a re-rendered form: 409 when the record changed meanwhile, 422 when the input
/// has problems, 200 otherwise.
pub(super) fn form_status(errors: &FieldErrors, stale: bool) -> StatusCode {
    if stale {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Makes sure the record's current owner can be picked, even when the editor could not assign
/// the record to them, so saving never changes the owner by accident.
pub(super) fn keep_owner(people: &mut Vec<Person>, owner: Option<(i64, &str)>) {
    if let Some((id, name)) = owner
        && !people.iter().any(|p| p.id == id)
    {
        people.push(Person {
            id,
            name: name.to_owned(),
            team_id: None,
        });
    }
}

/// The list's filters and paging; `q` matches part of the name.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    owner_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    offset: Option<i64>,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub industry: String,
    pub region: String,
    pub grade: String,
    pub tone: &'static str,
    pub status_label: String,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "account_list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<Row>,
    total: i64,
    q: String,
    owner_id: Option<i64>,
    people: Vec<Person>,
    prev: Option<String>,
    next: Option<String>,
}

impl ListPage {
    fn owner_is(&self, id: &i64) -> bool {
        self.owner_id == Some(*id)
    }
}

async fn list(
    State(state): State<AppState>,
    WithRecords { me, records, .. }: WithRecords<PageUser, Accounts>,
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
    if let Some(kept) = state.views.get(&key, records) {
        return Ok(kept);
    }
    let filter = AccountFilter {
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        owner_id: q.owner_id,
    };
    let paging = Paging::new(q.limit, q.offset);
    let page = accounts::list(&state.db, &me.viewer, &filter, paging).await?;
    let people = users::visible_people(&state.db, &me.viewer).await?;
    let rows = page
        .items
        .into_iter()
        .map(|a| Row {
            id: a.id,
            grade: a
                .grade
                .as_deref()
                .map(|g| vocab_label(tr, "acct-grade", g))
                .unwrap_or_default(),
            tone: account_tone(a.status),
            status_label: vocab_label(tr, "acct-status", a.status.as_str()),
            name: a.name,
            industry: a.industry,
            region: a.region,
            owner: a.owner_name,
        })
        .collect();
    let (prev, next) = pager(&uri, paging, page.total);
    let p = ListPage {
        s: Shell::new(tr, Some(&me.user), "nav-accounts", uri.to_string()),
        rows,
        total: page.total,
        q: q.q.unwrap_or_default(),
        owner_id: q.owner_id,
        people,
        prev,
        next,
    };
    Ok(render_kept(&state.views, key, records, &p))
}

#[derive(Template)]
#[template(path = "account_form.html")]
struct FormPage {
    s: Shell,
    id: Option<i64>,
    f: AccountForm,
    errors: Errors,
    stale: bool,
    people: Vec<Person>,
    grades: Vec<(&'static str, String)>,
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

/// The account form, new (`current` is `None`) or editing `current`.
async fn form_page(
    state: &AppState,
    me: &PageUser,
    current: Option<&Account>,
    f: AccountForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let mut people = users::visible_people(&state.db, &me.viewer).await?;
    keep_owner(
        &mut people,
        current.map(|a| (a.owner_id, a.owner_name.as_str())),
    );
    let id = current.map(|a| a.id);
    let path = id.map_or_else(
        || "/accounts/new".to_owned(),
        |i| format!("/accounts/{i}/edit"),
    );
    let page = FormPage {
        s: Shell::new(tr, Some(&me.user), "nav-accounts", path),
        id,
        errors: Errors::new(errors, tr),
        stale,
        people,
        grades: vocab_choices(
            tr,
            "acct-grade",
            AccountGrade::ALL.iter().map(|g| g.as_str()),
        ),
        statuses: vocab_choices(
            tr,
            "acct-status",
            AccountStatus::ALL.iter().map(|s| s.as_str()),
        ),
        f,
    };
    Ok(render(&page, form_status(errors, stale)))
}

async fn new_form(State(state): State<AppState>, me: PageUser) -> PageResult {
    let f = AccountForm {
        owner_id: me.user.id.to_string(),
        status: AccountStatus::Prospect.as_str().to_owned(),
        ..AccountForm::default()
    };
    form_page(&state, &me, None, f, &FieldErrors::new(), false).await
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<AccountForm>,
) -> PageResult {
    let a = match f.create(&state, &me.viewer).await {
        Err(Error::Invalid(e)) => return form_page(&state, &me, None, f, &e, false).await,
        created => created?,
    };
    Ok(Redirect::to(&format!("/accounts/{}", a.id)).into_response())
}

async fn load(state: &AppState, me: &PageUser, id: i64) -> Result<Account, PageError> {
    super::found(me, accounts::get(&state.db, &me.viewer, id)).await
}

async fn edit_form(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let a = super::writable(&me, load(&state, &me, id)).await?;
    let f = AccountForm::from_record(&a);
    form_page(&state, &me, Some(&a), f, &FieldErrors::new(), false).await
}

async fn update(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<AccountForm>,
) -> PageResult {
    let current = super::writable(&me, load(&state, &me, id)).await?;
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let a = match f.update(&state, &me.viewer, &current, version).await {
        Err(Error::Invalid(e)) => {
            return form_page(&state, &me, Some(&current), f, &e, false).await;
        }
        Err(Error::Stale(_)) => {
            let now = load(&state, &me, id).await?;
            let f = AccountForm::from_record(&now);
            return form_page(&state, &me, Some(&now), f, &FieldErrors::new(), true).await;
        }
        Err(Error::NotFound) => return Err(PageError::not_found(&me)),
        saved => saved?,
    };
    Ok(Redirect::to(&format!("/accounts/{}", a.id)).into_response())
}

/// An opportunity of the account as its page lists it.
pub struct OppRow {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub amount: String,
    pub close: String,
    pub status: String,
    pub status_label: String,
}

/// An activity at the account, with the deal it belongs to when there is one.
pub struct ActivityRow {
    pub a: Activity,
    pub kind: String,
    pub deal: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "account_show.html")]
struct ShowPage {
    s: Shell,
    a: Account,
    grade: String,
    tone: &'static str,
    status_label: String,
    in_use: bool,
    contacts: Vec<Contact>,
    opps: Vec<OppRow>,
    purchases: Vec<OppRow>,
    purchases_total: String,
    activities: Vec<ActivityRow>,
    shares: SharePanel,
}

fn opp_row(tr: Tr, o: &Opportunity, close: chrono::NaiveDate) -> OppRow {
    OppRow {
        id: o.id,
        name: o.name.clone(),
        stage: tr.pick(&o.stage_name_zh, &o.stage_name_en).to_owned(),
        amount: Money::from_minor(o.amount_minor).display_major(),
        close: close.to_string(),
        status: o.status.as_str().to_owned(),
        status_label: status_label(tr, o.status.as_str()),
    }
}

/// How many recent activities the account page shows.
const RECENT_ACTIVITIES: i64 = 20;

/// The account page; `in_use` adds the notice that a delete was refused.
async fn show_page(
    state: &AppState,
    (me, all): (&PageUser, Option<i64>),
    a: Account,
    in_use: bool,
    share_error: Option<&str>,
) -> PageResult {
    let tr = me.tr;
    let contacts = contacts::list(
        &state.db,
        &me.viewer,
        &ContactFilter {
            account_id: Some(a.id),
            ..ContactFilter::default()
        },
        Paging::new(Some(500), None),
    )
    .await?
    .items;
    let opps = opportunities::list(
        &state.db,
        &me.viewer,
        &OppFilter {
            account_id: Some(a.id),
            ..OppFilter::default()
        },
        Sort::CloseAsc,
        Paging::new(Some(500), None),
    )
    .await?
    .items;
    let acts = activities::recent(
        &state.db,
        &me.viewer,
        &ActivityFilter {
            account_id: Some(a.id),
            ..ActivityFilter::default()
        },
        RECENT_ACTIVITIES,
    )
    .await?;
    let shares = SharePanel::load(
        state,
        (&me.viewer, all),
        tr,
        (ShareKind::Account, a.id),
        (a.owner_id, a.editable),
        true,
        share_error,
    )
    .await?;
    let mut won: Vec<&Opportunity> = opps.iter().filter(|o| o.status == OppStatus::Won).collect();
    won.sort_by_key(|o| std::cmp::Reverse(won_on(o)));
    let purchases_total =
        Money::from_minor(won.iter().map(|o| o.amount_minor).sum()).display_major();
    let purchases = won.iter().map(|o| opp_row(tr, o, won_on(o))).collect();
    let activities = acts
        .into_iter()
        .map(|x| ActivityRow {
            kind: vocab_label(tr, "kind", x.kind.as_str()),
            deal: x.opportunity_id.and_then(|id| {
                opps.iter()
                    .find(|o| o.id == id)
                    .map(|o| (o.id, o.name.clone()))
            }),
            a: x,
        })
        .collect();
    let page = ShowPage {
        s: Shell::new(
            tr,
            Some(&me.user),
            "nav-accounts",
            format!("/accounts/{}", a.id),
        ),
        grade: a
            .grade
            .as_deref()
            .map(|g| vocab_label(tr, "acct-grade", g))
            .unwrap_or_default(),
        tone: account_tone(a.status),
        status_label: vocab_label(tr, "acct-status", a.status.as_str()),
        in_use,
        contacts,
        opps: opps
            .iter()
            .map(|o| opp_row(tr, o, o.expected_close_date))
            .collect(),
        purchases,
        purchases_total,
        activities,
        shares,
        a,
    };
    let status = if in_use {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render(&page, status))
}

/// The day a won deal closed: when it was marked won, else its expected close date.
fn won_on(o: &Opportunity) -> chrono::NaiveDate {
    o.closed_at
        .map_or(o.expected_close_date, |t| t.date_naive())
}

async fn show(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    Query(q): Query<ShareQuery>,
) -> PageResult {
    let a = load(&state, &me, id).await?;
    show_page(&state, (&me, all), a, false, q.share_error.as_deref()).await
}

async fn delete(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    match accounts::delete(&state.db, &me.viewer, id).await {
        // Still used: the account's page says so.
        Err(DbError::InUse) => {
            let a = load(&state, &me, id).await?;
            return show_page(&state, (&me, None), a, true, None).await;
        }
        deleted => deleted.or_page(&me)?,
    }
    Ok(Redirect::to("/accounts").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opportune_core::records::{ActivityKind, LeadStatus, Locale};

    #[test]
    fn vocabulary_keys_are_lower_case_with_dashes() {
        assert_eq!(vocab_key("acct-grade", "AA"), "acct-grade-aa");
        assert_eq!(vocab_key("kind", "joint_call"), "kind-joint-call");
        assert_eq!(vocab_key("lead-status", "new"), "lead-status-new");
    }

    #[test]
    fn every_vocabulary_value_has_a_label_in_both_languages() {
        for l in [Locale::ZhCn, Locale::En] {
            let tr = Tr::new(l);
            let keys = AccountGrade::ALL
                .iter()
                .map(|g| vocab_key("acct-grade", g.as_str()))
                .chain(
                    AccountStatus::ALL
                        .iter()
                        .map(|s| vocab_key("acct-status", s.as_str())),
                )
                .chain(
                    LeadStatus::ALL
                        .iter()
                        .map(|s| vocab_key("lead-status", s.as_str())),
                )
                .chain(
                    ActivityKind::ALL
                        .iter()
                        .map(|k| vocab_key("kind", k.as_str())),
                );
            for k in keys {
                assert!(tr.has(&k), "{l:?} lacks {k}");
            }
        }
    }

    #[test]
    fn statuses_get_a_tone() {
        assert_eq!(account_tone(AccountStatus::Active), "won");
        assert_eq!(account_tone(AccountStatus::Dormant), "warn");
        assert_eq!(account_tone(AccountStatus::Lost), "lost");
        assert_eq!(account_tone(AccountStatus::Prospect), "");
        assert_eq!(lead_tone(LeadStatus::Qualified), "won");
        assert_eq!(lead_tone(LeadStatus::Disqualified), "lost");
        assert_eq!(lead_tone(LeadStatus::New), "");
    }

    #[test]
    fn page_links_keep_the_filters_and_replace_the_offset() {
        let uri: Uri = "/accounts?q=%E5%8C%BB%E9%99%A2&offset=50&owner_id=3"
            .parse()
            .expect("uri");
        let (prev, next) = pager(&uri, Paging::new(Some(50), Some(50)), 120);
        assert_eq!(
            prev.as_deref(),
            Some("/accounts?q=%E5%8C%BB%E9%99%A2&owner_id=3&offset=0")
        );
        assert_eq!(
            next.as_deref(),
            Some("/accounts?q=%E5%8C%BB%E9%99%A2&owner_id=3&offset=100")
        );
        let (prev, next) = pager(&uri, Paging::new(Some(50), None), 50);
        assert_eq!((prev, next), (None, None));
    }

    #[test]
    fn the_current_owner_stays_pickable() {
        let mut people = vec![Person {
            id: 1,
            name: "李娜".into(),
            team_id: None,
        }];
        keep_owner(&mut people, Some((1, "李娜")));
        assert_eq!(people.len(), 1);
        keep_owner(&mut people, Some((7, "王强")));
        keep_owner(&mut people, None);
        assert_eq!(people.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1, 7]);
    }
}
