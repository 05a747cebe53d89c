//! The organization settings page (administrators only).

use super::{Errors, HtmlForm, PageError, PageResult, Shell, render};
use crate::AppState;
use crate::auth::PageUser;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use opportune_app::forms::OrgForm;
use opportune_core::FieldErrors;
use opportune_core::records::Locale;
use opportune_db::DbError;
use opportune_db::org;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/settings", get(page).post(save))
}

#[derive(Template)]
#[template(path = "org_settings.html")]
struct OrgPage {
    s: Shell,
    f: OrgForm,
    errors: Errors,
    saved: bool,
    stale: bool,
    locales: Vec<(&'static str, String)>,
    months: Vec<i64>,
    weekdays: Vec<(i64, String)>,
    time_zones: &'static [&'static str],
}

impl OrgPage {
    fn is(&self, raw: &str, v: &str) -> bool {
        raw.trim() == v
    }
}

fn show(me: &PageUser, f: OrgForm, errors: &FieldErrors, saved: bool, stale: bool) -> Response {
    let tr = me.tr;
    let status = if stale {
        StatusCode::CONFLICT
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OrgPage {
        s: Shell::new(tr, Some(&me.user), "nav-org", "/admin/settings"),
        f,
        errors: Errors::new(errors, tr),
        saved,
        stale,
        locales: Locale::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str(),
                    tr.t(if l.is_chinese() { "lang-zh" } else { "lang-en" }),
                )
            })
            .collect(),
        months: (1..=12).collect(),
        weekdays: (1..=7)
            .map(|d| (d, tr.t(&format!("org-weekday-{d}"))))
            .collect(),
        time_zones: &opportune_core::clock::COMMON_TIME_ZONES,
    };
    render(&page, status)
}

fn forbidden(me: &PageUser) -> Result<(), PageError> {
    super::admin_only(me, "org-admin-only")
}

async fn page(State(state): State<AppState>, me: PageUser) -> PageResult {
    forbidden(&me)?;
    let f = OrgForm::from_record(&org::get(&state.db).await?);
    Ok(show(&me, f, &FieldErrors::new(), false, false))
}

async fn save(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<OrgForm>,
) -> PageResult {
    forbidden(&me)?;
    let input = match f.validate() {
        Ok(i) => i,
        Err(e) => return Ok(show(&me, f, &e, false, false)),
    };
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    let saved = match org::update(&state.db, version, &input).await {
        Err(DbError::Stale) => {
            let now = OrgForm::from_record(&org::get(&state.db).await?);
            return Ok(show(&me, now, &FieldErrors::new(), false, true));
        }
        saved => saved?,
    };
    let form = OrgForm::from_record(&saved);
    state.remember_org(saved);
    Ok(show(&me, form, &FieldErrors::new(), true, false))
}
