//! The user's settings: interface language (also switchable from every page) and API tokens.

use super::{HtmlForm, OrPage, PageId, PageResult, Shell, render, safe_next};
use crate::AppState;
use crate::auth::{self, LANG_COOKIE, PageUser, SESSION_COOKIE};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_core::records::Locale;
use opportune_db::users::{self, TokenRow};
use opportune_db::versions::Versions;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(page))
        .route("/settings/language", post(set_language))
        .route("/settings/tokens", post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    s: Shell,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
}

async fn render_page(state: &AppState, me: &PageUser, new_token: Option<String>) -> PageResult {
    let page = SettingsPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-settings", "/settings"),
        tokens: users::tokens(&state.db, me.user.id).await?,
        new_token,
    };
    Ok(render(&page, StatusCode::OK))
}

async fn page(State(state): State<AppState>, me: PageUser) -> PageResult {
    render_page(&state, &me, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LanguageForm {
    locale: String,
    next: String,
}

/// Switches the language: remembered on the user when signed in, and in a cookie either way.
async fn set_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    HtmlForm(f): HtmlForm<LanguageForm>,
) -> PageResult {
    let Ok(locale) = Locale::parse(&f.locale) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, "locale").into_response());
    };
    if let Some(secret) = auth::cookie(&headers, SESSION_COOKIE)
        && let Some(caller) =
            users::session_user(&state.db, &auth::secret_hash(&secret), Versions::None).await?
    {
        users::set_locale(&state.db, caller.user.id, locale).await?;
    }
    let secure = auth::is_tls(&headers, state.secure_cookies);
    let cookie = auth::set_cookie(LANG_COOKIE, locale.as_str(), 365 * 86_400, secure);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(&f.next)),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<TokenForm>,
) -> PageResult {
    let name = f.name.trim();
    let name = if name.is_empty() { "web" } else { name };
    let name: String = name.chars().take(100).collect();
    let secret = auth::new_secret("opp_");
    users::create_token(&state.db, me.user.id, &name, &auth::secret_hash(&secret)).await?;
    render_page(&state, &me, Some(secret)).await
}

async fn revoke_token(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
) -> PageResult {
    users::revoke_token(&state.db, me.user.id, id)
        .await
        .or_page(&me)?;
    Ok(Redirect::to("/settings").into_response())
}
