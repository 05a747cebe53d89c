//! The user's settings: interface language (also switchable from every page) and API tokens.

use super::{HtmlForm, PageId, Shell, render, safe_next};
use crate::AppState;
use crate::auth::{self, LANG_COOKIE, PageUser, SESSION_COOKIE};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
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

async fn render_page(state: &AppState, me: &PageUser, new_token: Option<String>) -> Response {
    match users::tokens(&state.db, me.user.id).await {
        Ok(tokens) => render(
            &SettingsPage {
                s: Shell::new(me.tr, Some(&me.user), "nav-settings", "/settings"),
                tokens,
                new_token,
            },
            StatusCode::OK,
        ),
        Err(e) => {
            tracing::error!(error = %e, "tokens failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn page(State(state): State<AppState>, me: PageUser) -> Response {
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
) -> Response {
    let Ok(locale) = Locale::parse(&f.locale) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "locale").into_response();
    };
    if let Some(secret) = auth::cookie(&headers, SESSION_COOKIE) {
        match users::session_user(&state.db, &auth::secret_hash(&secret), Versions::None).await {
            Ok(Some(caller)) => {
                if let Err(e) = users::set_locale(&state.db, caller.user.id, locale).await {
                    tracing::error!(error = %e, "set locale failed");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    }
    let secure = auth::is_tls(&headers, state.secure_cookies);
    let cookie = auth::set_cookie(LANG_COOKIE, locale.as_str(), 365 * 86_400, secure);
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(safe_next(&f.next)),
    )
        .into_response()
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
) -> Response {
    let name = f.name.trim();
    let name = if name.is_empty() { "web" } else { name };
    let name: String = name.chars().take(100).collect();
    let secret = auth::new_secret("opp_");
    if let Err(e) =
        users::create_token(&state.db, me.user.id, &name, &auth::secret_hash(&secret)).await
    {
        tracing::error!(error = %e, "token create failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    render_page(&state, &me, Some(secret)).await
}

async fn revoke_token(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> Response {
    match users::revoke_token(&state.db, me.user.id, id).await {
        Ok(()) => Redirect::to("/settings").into_response(),
        Err(opportune_db::DbError::NotFound) => super::not_found_for(me.tr, &me.user),
        Err(e) => {
            tracing::error!(error = %e, "token revoke failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
