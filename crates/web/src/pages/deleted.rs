//! The deleted deals an administrator may restore (SPEC §1: nothing is lost by a delete).

use super::{OrPage, PageId, PageResult, Shell, render};
use crate::AppState;
use crate::auth::PageUser;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_app::deals;
use opportune_core::Money;
use opportune_db::Paging;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/deleted", get(list))
        .route("/admin/deleted/{id}/restore", post(restore))
}

/// A deleted deal as the page lists it.
struct Row {
    id: i64,
    name: String,
    account: String,
    owner: String,
    amount: String,
    deleted_at: String,
}

#[derive(Template)]
#[template(path = "admin_deleted.html")]
struct DeletedPage {
    s: Shell,
    rows: Vec<Row>,
    /// The name of the deal just restored.
    restored: Option<String>,
    /// The next page's address, if there are more.
    more: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    offset: i64,
    restored: Option<i64>,
}

/// How many deleted deals a page lists.
const PER_PAGE: i64 = 100;

async fn list(
    State(state): State<AppState>,
    me: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    super::admin_only(&me, "deleted-admin-only")?;
    let paging = Paging::new(Some(PER_PAGE), Some(q.offset));
    let page = deals::deleted(&state, &me.viewer, paging)
        .await
        .or_page(&me)?;
    let restored = match q.restored {
        Some(id) => opportune_db::opportunities::get(&state.db, &me.viewer, id)
            .await
            .ok()
            .map(|d| d.name),
        None => None,
    };
    let zh = me.tr.is_zh();
    let tz = state.org().await.tz();
    let next = page.offset + page.limit;
    let page_view = DeletedPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-opportunities", "/admin/deleted"),
        more: (next < page.total).then(|| format!("/admin/deleted?offset={next}")),
        rows: page
            .items
            .into_iter()
            .map(|d| Row {
                id: d.deal.id,
                amount: Money::from_minor(d.deal.amount_minor).compact(zh),
                name: d.deal.name,
                account: d.deal.account_name,
                owner: d.deal.owner_name,
                deleted_at: d
                    .deleted_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            })
            .collect(),
        restored,
    };
    Ok(render(&page_view, StatusCode::OK))
}

async fn restore(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    let back = deals::restore(&state, &me.viewer, id).await.or_page(&me)?;
    Ok(Redirect::to(&format!("/admin/deleted?restored={}", back.deal.id)).into_response())
}
