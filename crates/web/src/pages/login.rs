//! Sign-in and sign-out.

use super::{HtmlForm, PageResult, Shell, render, safe_next};
use crate::AppState;
use crate::auth::{self, Lang, PageUser, SESSION_COOKIE, SESSION_DAYS};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use opportune_db::users;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    s: Shell,
    next: String,
    email: String,
    failed: bool,
}

async fn home(_me: PageUser) -> Redirect {
    Redirect::to("/board")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn login_page(Lang(tr): Lang, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(&q.next);
    render(
        &LoginPage {
            s: Shell::new(tr, None, "", "/login"),
            next,
            email: String::new(),
            failed: false,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn login(
    State(state): State<AppState>,
    Lang(tr): Lang,
    headers: HeaderMap,
    HtmlForm(f): HtmlForm<LoginForm>,
) -> PageResult {
    let user = users::find_by_email(&state.db, f.email.trim())
        .await?
        .filter(|u| u.active);
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, hash.as_deref()))
        .await
        .unwrap_or(false);
    let next = safe_next(&f.next);
    match user {
        Some(u) if ok => {
            let secret = auth::new_secret("");
            let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
            users::create_session(&state.db, &auth::secret_hash(&secret), u.id, expires).await?;
            let secure = auth::is_tls(&headers, state.secure_cookies);
            let cookie = auth::set_cookie(SESSION_COOKIE, &secret, SESSION_DAYS * 86_400, secure);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        _ => Ok(render(
            &LoginPage {
                s: Shell::new(tr, None, "", "/login"),
                next,
                email: f.email,
                failed: true,
            },
            StatusCode::UNAUTHORIZED,
        )),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = auth::cookie(&headers, SESSION_COOKIE)
        && let Err(e) = users::delete_session(&state.db, &auth::secret_hash(&secret)).await
    {
        tracing::error!(error = %e, "session delete failed");
    }
    let secure = auth::is_tls(&headers, state.secure_cookies);
    (
        [(
            header::SET_COOKIE,
            auth::set_cookie(SESSION_COOKIE, "", 0, secure),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}
