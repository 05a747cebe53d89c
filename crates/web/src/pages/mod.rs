//! Server-rendered pages: full pages are the layout plus a partial; forms post back and are
//! re-rendered with the user's input and per-field messages when something is wrong.

use crate::AppState;
use crate::auth::{Lang, PageUser};
use crate::error::field_message;
use crate::i18n::Tr;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use opportune_app::Error;
use opportune_core::FieldErrors;
use opportune_core::records::Role;
use opportune_db::users::UserRow;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub mod accounts;
pub mod admin;
pub mod board;
pub mod contacts;
pub mod deleted;
pub mod lead_convert;
pub mod leads;
pub mod login;
pub mod opportunities;
pub mod org;
pub mod settings;
pub mod shares;
pub mod teams;
pub mod users;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(board::router())
        .merge(opportunities::router())
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(leads::router())
        .merge(lead_convert::router())
        .merge(settings::router())
        .merge(admin::router())
        .merge(deleted::router())
        .merge(org::router())
        .merge(shares::router())
        .merge(users::router())
        .merge(teams::router())
}

/// The signed-in user as the layout shows them.
pub struct ShellUser {
    pub name: String,
    pub is_admin: bool,
    pub role_key: &'static str,
}

/// What the layout needs on every page.
pub struct Shell {
    pub tr: Tr,
    pub user: Option<ShellUser>,
    pub active: &'static str,
    pub asset: &'static str,
    pub path: String,
}

const NAV: [(&str, &str); 5] = [
    ("nav-board", "/board"),
    ("nav-opportunities", "/opportunities"),
    ("nav-accounts", "/accounts"),
    ("nav-contacts", "/contacts"),
    ("nav-leads", "/leads"),
];
const ADMIN_NAV: [(&str, &str); 9] = [
    ("nav-board", "/board"),
    ("nav-opportunities", "/opportunities"),
    ("nav-accounts", "/accounts"),
    ("nav-contacts", "/contacts"),
    ("nav-leads", "/leads"),
    ("nav-admin", "/admin/processes"),
    ("nav-users", "/admin/users"),
    ("nav-teams", "/admin/teams"),
    ("nav-org", "/admin/settings"),
];

impl Shell {
    pub fn new(
        tr: Tr,
        user: Option<&UserRow>,
        active: &'static str,
        path: impl Into<String>,
    ) -> Shell {
        Shell {
            tr,
            user: user.map(|u| ShellUser {
                name: u.name.clone(),
                is_admin: u.role == Role::Admin,
                role_key: match u.role {
                    Role::Rep => "role-rep",
                    Role::Manager => "role-manager",
                    Role::Admin => "role-admin",
                },
            }),
            active,
            asset: crate::assets::VERSION.as_str(),
            path: path.into(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub fn nav(&self) -> &'static [(&'static str, &'static str)] {
        if self.user.as_ref().is_some_and(|u| u.is_admin) {
            &ADMIN_NAV
        } else {
            &NAV
        }
    }

    pub fn is_active(&self, key: &str) -> bool {
        self.active == key
    }
}

/// Per-field messages of a form, already in the user's language.
#[derive(Default)]
pub struct Errors(HashMap<&'static str, String>);

impl Errors {
    pub fn new(e: &FieldErrors, tr: Tr) -> Errors {
        Errors(
            e.iter()
                .map(|f| (f.field, field_message(tr, f.code)))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    /// The CSS class of a field's wrapper.
    pub fn class(&self, field: &str) -> &'static str {
        if self.0.contains_key(field) {
            "field invalid"
        } else {
            "field"
        }
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// A template's HTML; `None` (logged) if rendering fails, which compile-time checked templates
/// make unlikely: the caller answers a plain 500.
fn html(t: &impl Template) -> Option<String> {
    t.render()
        .map_err(|e| tracing::error!(error = %e, "template failed"))
        .ok()
}

/// Renders a template with `status`.
pub fn render(t: &impl Template, status: StatusCode) -> Response {
    html(t).map_or_else(
        || StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        |html| (status, Html(html)).into_response(),
    )
}

/// Renders a page of many deals or records and keeps it for `key` at `version` (see [`crate::views`]).
pub fn render_kept(
    views: &crate::views::Views,
    key: crate::views::Key,
    version: Option<opportune_db::versions::ViewVersion>,
    t: &impl Template,
) -> Response {
    html(t).map_or_else(
        || StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        |html| views.keep(key, version, html.into()),
    )
}

/// A URL-encoded form body, with repeated keys collected into `Vec` fields (checkbox groups).
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for HtmlForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_html_form::from_bytes(&bytes)
            .map(HtmlForm)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("malformed form: {e}")).into_response())
    }
}

/// What a page handler answers: the page, or the page of what went wrong. A handler uses `?`:
/// an operation's or the storage's error answers a logged 500 ([`fail`]), or with
/// `.or_page(&me)?` ([`OrPage`]) the page that error calls for ([`failure`]). The errors a form
/// shows itself (`Invalid` with the input kept, `Stale` with the current values) are matched
/// first: they are what the page does, not plumbing.
pub type PageResult = Result<Response, PageError>;

/// A page already made for what went wrong: the 404 or 403 page of the signed-in user, or a
/// plain 500 whose cause has been logged. (Boxed, so that a helper's
/// `Result<T, PageError>` stays small.)
pub struct PageError(Box<Response>);

impl PageError {
    /// The 404 page: the record is unknown, or not the user's to see.
    pub fn not_found(me: &PageUser) -> PageError {
        PageError(Box::new(not_found_for(me.tr, &me.user)))
    }

    /// The 403 page of a change to a record only shared with the user.
    pub fn read_only(me: &PageUser) -> PageError {
        PageError(Box::new(read_only_for(me.tr, &me.user)))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(Box::new(fail(e)))
    }
}

impl From<opportune_db::DbError> for PageError {
    fn from(e: opportune_db::DbError) -> Self {
        PageError(Box::new(fail(e)))
    }
}

/// An operation's answer for a page: its value, or the page its error calls for ([`failure`]).
pub trait OrPage<T> {
    fn or_page(self, me: &PageUser) -> Result<T, PageError>;
}

impl<T, E: Into<Error>> OrPage<T> for Result<T, E> {
    fn or_page(self, me: &PageUser) -> Result<T, PageError> {
        self.map_err(|e| PageError(Box::new(failure(me, e))))
    }
}

/// A 500 for a failure the user cannot fix; the cause goes to the log, an internal one with its
/// whole chain ([`crate::error::log_internal`]).
fn fail(e: impl Into<Error>) -> Response {
    match e.into() {
        Error::Internal(cause) => crate::error::log_internal(cause.as_ref()),
        other => tracing::error!(error = ?other, "page failed"),
    }
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The page for an operation's error that its form does not show itself: the record unknown,
/// shared to read only, or not the viewer's to change; anything else is a failure ([`fail`]).
pub fn failure(me: &PageUser, e: impl Into<Error>) -> Response {
    match e.into() {
        Error::NotFound => not_found_for(me.tr, &me.user),
        Error::ReadOnly => read_only_for(me.tr, &me.user),
        Error::Forbidden => render(
            &NotFoundPage {
                s: Shell::new(me.tr, Some(&me.user), "", "/"),
                title: "error-forbidden",
                help: "page-not-found-help",
            },
            StatusCode::FORBIDDEN,
        ),
        other => fail(other),
    }
}

/// The 403 page of an administrators' page for anyone else; `help` names what only they may do.
pub fn admin_only(me: &PageUser, help: &'static str) -> Result<(), PageError> {
    if me.user.role == Role::Admin {
        return Ok(());
    }
    Err(PageError(Box::new(render(
        &NotFoundPage {
            s: Shell::new(me.tr, Some(&me.user), "", "/"),
            title: "error-forbidden",
            help,
        },
        StatusCode::FORBIDDEN,
    ))))
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    s: Shell,
    title: &'static str,
    help: &'static str,
}

/// The 404 for unknown paths: JSON under `/api/`, the page elsewhere, in the visitor's language.
pub async fn not_found(Lang(tr): Lang, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::Localized(crate::error::ApiError::NotFound, tr).into_response();
    }
    render(
        &NotFoundPage {
            s: Shell::new(tr, None, "", "/"),
            title: "page-not-found",
            help: "page-not-found-help",
        },
        StatusCode::NOT_FOUND,
    )
}

/// A record id in a page's path; anything that is not an id names no record (the 404 page).
pub struct PageId(pub i64);

impl FromRequestParts<AppState> for PageId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Ok(axum::extract::Path(id)) =
            axum::extract::Path::<i64>::from_request_parts(parts, state).await
        {
            return Ok(PageId(id));
        }
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        Err(not_found(lang, parts.uri.clone()).await)
    }
}

/// A 404 page for a signed-in user (unknown record, or not theirs).
fn not_found_for(tr: Tr, user: &UserRow) -> Response {
    render(
        &NotFoundPage {
            s: Shell::new(tr, Some(user), "", "/"),
            title: "page-not-found",
            help: "page-not-found-help",
        },
        StatusCode::NOT_FOUND,
    )
}

/// A record read for a page: the 404 page when it does not exist or is not the user's to see, a
/// 500 for anything else.
pub async fn found<T>(
    me: &PageUser,
    read: impl std::future::Future<Output = Result<T, opportune_db::DbError>>,
) -> Result<T, PageError> {
    match read.await {
        Err(opportune_db::DbError::NotFound) => Err(PageError::not_found(me)),
        r => Ok(r?),
    }
}

/// A record that may be only shared with the user, and so only readable.
pub trait Editable {
    fn editable(&self) -> bool;
}

macro_rules! editable {
    ($($t:ty),+) => {
        $(impl Editable for $t {
            fn editable(&self) -> bool {
                self.editable
            }
        })+
    };
}

editable!(
    opportune_db::accounts::Account,
    opportune_db::contacts::Contact,
    opportune_db::leads::Lead,
    opportune_db::opportunities::Opportunity
);

impl Editable for opportune_db::opportunities::DealRead {
    fn editable(&self) -> bool {
        self.deal.editable
    }
}

/// A loaded record the user is about to change: the 403 page instead when it is only shared
/// with them.
pub async fn writable<T: Editable>(
    me: &PageUser,
    load: impl std::future::Future<Output = Result<T, PageError>>,
) -> Result<T, PageError> {
    let r = load.await?;
    if r.editable() {
        Ok(r)
    } else {
        Err(PageError::read_only(me))
    }
}

/// A 403 page for a change to a record that is only shared with the user.
fn read_only_for(tr: Tr, user: &UserRow) -> Response {
    render(
        &NotFoundPage {
            s: Shell::new(tr, Some(user), "", "/"),
            title: "share-read-only",
            help: "error-read-only",
        },
        StatusCode::FORBIDDEN,
    )
}

/// Where to go after signing in or switching the language: `next` if it is a path of this site,
/// else the board. A path of this site, before and after percent-decoding, starts with one `/`
/// (`//host` is another origin), has no backslash (browsers read it as `/`) and no control
/// character or whitespace (a browser drops a tab or a newline, so `/\t/evil.example` becomes
/// `//evil.example`; in a header a newline cannot be sent at all). Letters beyond ASCII are sent
/// percent-encoded, as a `Location` header must carry them.
pub fn safe_next(next: &str) -> String {
    let local = |path: &str| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && !path.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8();
    match decoded {
        Ok(decoded) if local(next) && local(&decoded) => {
            percent_encoding::utf8_percent_encode(next, NOT_ASCII).to_string()
        }
        _ => "/board".to_owned(),
    }
}

/// The bytes a `Location` header cannot carry as they are: all but visible ASCII (the controls
/// and space are refused before).
const NOT_ASCII: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_this_site_is_a_place_to_go_next() {
        for local in [
            "/board",
            "/accounts?q=a&page=2",
            "/opportunities/7#history",
            "/a:b",
        ] {
            assert_eq!(safe_next(local), local);
        }
        assert_eq!(
            safe_next("/accounts?q=医院"),
            "/accounts?q=%E5%8C%BB%E9%99%A2"
        );
        for elsewhere in [
            "",
            "board",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/x\r\nSet-Cookie: a=b",
            "/%0d%0aSet-Cookie: a=b",
            "/%FF",
            "/\u{2028}x",
        ] {
            assert_eq!(safe_next(elsewhere), "/board", "{elsewhere:?}");
        }
    }
}
