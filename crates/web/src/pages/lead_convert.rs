//! `/leads/{id}/convert`: the form that turns a qualified lead into an account, a contact and
//! optionally a deal, and its post. On success the user lands on the new deal (or account).

use super::leads::load;
use super::{Errors, HtmlForm, PageError, PageId, PageResult, Shell, render};
use crate::AppState;
use crate::auth::{PageUser, WithAll};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use opportune_app::Error;
use opportune_app::convert::{ConvertForm, convert};
use opportune_core::FieldErrors;
use opportune_db::accounts::Account;
use opportune_db::leads::Lead;

pub fn router() -> Router<AppState> {
    Router::new().route("/leads/{id}/convert", get(form_page).post(submit))
}

#[derive(Template)]
#[template(path = "lead_convert.html")]
struct ConvertPage {
    s: Shell,
    l: Lead,
    f: ConvertForm,
    errors: Errors,
    stale: bool,
    accounts: Vec<Account>,
    processes: Vec<(i64, String)>,
}

impl ConvertPage {
    fn id_is(&self, raw: &str, id: &i64) -> bool {
        raw.trim() == id.to_string()
    }
}

async fn page(
    state: &AppState,
    me: &PageUser,
    l: Lead,
    f: ConvertForm,
    errors: &FieldErrors,
    stale: bool,
) -> PageResult {
    let tr = me.tr;
    let (accounts, processes) = super::opportunities::deal_choices(state, me).await?;
    let p = ConvertPage {
        s: Shell::new(
            tr,
            Some(&me.user),
            "nav-leads",
            format!("/leads/{}/convert", l.id),
        ),
        l,
        f,
        errors: Errors::new(errors, tr),
        stale,
        accounts,
        processes,
    };
    Ok(render(&p, super::accounts::form_status(errors, stale)))
}

async fn form_page(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let l = super::writable(&me, load(&state, &me, id)).await?;
    if l.converted_at.is_some() {
        return Ok(Redirect::to(&format!("/leads/{id}")).into_response());
    }
    let f = ConvertForm {
        expected_close_date: opportune_app::deals::default_close_date(&state)
            .await
            .to_string(),
        ..ConvertForm::for_lead(&l)
    };
    page(&state, &me, l, f, &FieldErrors::new(), false).await
}

async fn submit(
    State(state): State<AppState>,
    WithAll { me, all }: WithAll<PageUser>,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<ConvertForm>,
) -> PageResult {
    let l = super::writable(&me, load(&state, &me, id)).await?;
    let done = match convert(&state, &me.viewer, all, &l, &f).await {
        Err(Error::Invalid(e)) => return page(&state, &me, l, f, &e, false).await,
        Err(Error::Stale(_)) => {
            let now = load(&state, &me, id).await?;
            let f = ConvertForm {
                version: now.version.to_string(),
                ..f
            };
            return page(&state, &me, now, f, &FieldErrors::new(), true).await;
        }
        Err(Error::ReadOnly) => return Err(PageError::read_only(&me)),
        converted => converted?,
    };
    let to = done.opportunity_id.map_or_else(
        || format!("/accounts/{}", done.account_id),
        |o| format!("/opportunities/{o}"),
    );
    Ok(Redirect::to(&to).into_response())
}
