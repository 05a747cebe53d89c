//! The organization settings page (administrators only).

use super::fail;
use super::{Errors, HtmlForm, Shell, render};
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

fn forbidden(me: &PageUser) -> Option<Response> {
    super::admin_only(me, "org-admin-only")
}

async fn page(State(state): State<AppState>, me: PageUser) -> Response {
    if let Some(r) = forbidden(&me) {
        return r;
    }
    match org::get(&state.db).await {
        Ok(s) => show(
            &me,
            OrgForm::from_record(&s),
            &FieldErrors::new(),
            false,
            false,
        ),
        Err(e) => fail(e),
    }
}

async fn save(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<OrgForm>,
) -> Response {
    if let Some(r) = forbidden(&me) {
        return r;
    }
    let input = match f.validate() {
        Ok(i) => i,
        Err(e) => return show(&me, f, &e, false, false),
    };
    let version = f.version.trim().parse::<i64>().unwrap_or(-1);
    match org::update(&state.db, version, &input).await {
        Ok(saved) => {
            let form = OrgForm::from_record(&saved);
            state.remember_org(saved);
            show(&me, form, &FieldErrors::new(), true, false)
        }
        Err(DbError::Stale) => match org::get(&state.db).await {
            Ok(now) => show(
                &me,
                OrgForm::from_record(&now),
                &FieldErrors::new(),
                false,
                true,
            ),
            Err(e) => fail(e),
        },
        Err(e) => fail(e),
    }
}
