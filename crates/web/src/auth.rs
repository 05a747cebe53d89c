//! Passwords (argon2id), sessions in our own table, Bearer API tokens stored as SHA-256 hashes,
//! and the extractors that turn a request into a signed-in user and a language.

use crate::AppState;
use crate::error::{ApiError, Localized};
use crate::i18n::Tr;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use opportune_core::records::Locale;
use opportune_core::visibility::Viewer;
use opportune_db::users::{self, Caller, UserRow};
use opportune_db::versions::{RecordKind, Versions, ViewVersion};
use sha2::{Digest, Sha256};
use std::marker::PhantomData;

pub const SESSION_COOKIE: &str = "opp_session";
pub const LANG_COOKIE: &str = "opp_lang";
pub const SESSION_DAYS: i64 = 14;

pub use opportune_app::passwords::{hash_password, verify_password};

/// Percent-encodes a path or query value for a URL.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

/// A new random secret (256 bits, hex) for a session or API token.
pub fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// What we store for a secret: its SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Whether the request reached us over TLS (directly or through a proxy that says so).
pub fn is_tls(headers: &HeaderMap, force: bool) -> bool {
    force
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

/// The `Set-Cookie` value for a cookie of ours: HttpOnly, SameSite=Lax, Secure over TLS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The language of a request: the user's setting, then the cookie, then Accept-Language,
/// then the organization default.
pub fn locale_of(user: Option<&UserRow>, headers: &HeaderMap, org_default: Locale) -> Locale {
    user.and_then(UserRow::locale)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(|c| Locale::parse(&c).ok()))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(org_default)
}

async fn user_of(
    state: &AppState,
    headers: &HeaderMap,
    versions: Versions,
) -> Result<Option<Caller>, ApiError> {
    if let Some(token) = bearer(headers) {
        return match users::token_user(&state.db, &secret_hash(token), versions).await? {
            Some(u) => Ok(Some(u)),
            None => Err(ApiError::Unauthorized),
        };
    }
    match cookie(headers, SESSION_COOKIE) {
        Some(s) => Ok(users::session_user(&state.db, &secret_hash(&s), versions).await?),
        None => Ok(None),
    }
}

/// Puts the signed-in user's id on the request's span (see `web::app`), so the request's line and
/// anything logged while answering it name them.
fn identified(user: &UserRow) {
    tracing::Span::current().record("user_id", user.id);
}

/// The view versions read with a sign-in: those asked for, when they could be read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    pub all: Option<i64>,
    pub view: Option<ViewVersion>,
}

impl Seen {
    fn of(caller: &Caller) -> Seen {
        Seen {
            all: caller.all(),
            view: caller.view(),
        }
    }
}

/// Signing in a request as a caller of kind `Self`, reading the view `versions` asked for.
pub trait SignIn: Sized {
    type Rejection: IntoResponse;

    fn sign_in(
        parts: &mut Parts,
        state: &AppState,
        versions: Versions,
    ) -> impl Future<Output = Result<(Self, Seen), Self::Rejection>> + Send;
}

/// The caller of a kept view ([`crate::views`]): `T` (an [`ApiUser`] or a [`PageUser`]) signed in
/// with the version of the deals they see, read in the same query. `None` if it could not be
/// read: the view is then built and not kept.
pub struct WithDeals<T> {
    pub me: T,
    pub deals: Option<ViewVersion>,
}

impl<T: SignIn + Send> FromRequestParts<AppState> for WithDeals<T> {
    type Rejection = T::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (me, seen) = T::sign_in(parts, state, Versions::Deals).await?;
        Ok(WithDeals {
            me,
            deals: seen.view,
        })
    }
}

/// A kind of record whose list is kept ([`WithRecords`]).
pub trait Listed {
    const KIND: RecordKind;
}

macro_rules! listed {
    ($($name:ident => $kind:ident),+) => {
        $(
            #[doc = concat!("The list of [`RecordKind::", stringify!($kind), "`] records, for [`WithRecords`].")]
            pub struct $name;
            impl Listed for $name {
                const KIND: RecordKind = RecordKind::$kind;
            }
        )+
    };
}
listed!(Accounts => Account, Contacts => Contact, Leads => Lead, Activities => Activity);

/// The caller of a kept record list ([`crate::views`]): `T` signed in with the version of the
/// records of kind `K`, read in the same query. `None` if it could not be read: the list is then
/// built and not kept.
pub struct WithRecords<T, K> {
    pub me: T,
    pub records: Option<ViewVersion>,
    kind: PhantomData<K>,
}

impl<T: SignIn + Send, K: Listed> FromRequestParts<AppState> for WithRecords<T, K> {
    type Rejection = T::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (me, seen) = T::sign_in(parts, state, Versions::Records(K::KIND)).await?;
        Ok(WithRecords {
            me,
            records: seen.view,
            kind: PhantomData,
        })
    }
}

/// The caller of a page that uses the server's copies of what only the `'all'` view version
/// moves (the processes, the people: [`AppState::processes`], [`AppState::people`]): `T` signed
/// in with that version, read in the same query. `None` if it could not be read: the copies are
/// then read afresh.
pub struct WithAll<T> {
    pub me: T,
    pub all: Option<i64>,
}

impl<T: SignIn + Send> FromRequestParts<AppState> for WithAll<T> {
    type Rejection = T::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (me, seen) = T::sign_in(parts, state, Versions::All).await?;
        Ok(WithAll { me, all: seen.all })
    }
}

/// A signed-in caller of the JSON API (Bearer token, or the browser's session cookie).
pub struct ApiUser {
    pub user: UserRow,
    pub viewer: Viewer,
    pub tr: Tr,
}

impl SignIn for ApiUser {
    type Rejection = Localized;

    async fn sign_in(
        parts: &mut Parts,
        state: &AppState,
        versions: Versions,
    ) -> Result<(Self, Seen), Localized> {
        let fallback = Tr::new(locale_of(None, &parts.headers, state.org_locale().await));
        match user_of(state, &parts.headers, versions).await {
            Ok(Some(caller)) => {
                identified(&caller.user);
                let tr = Tr::new(locale_of(
                    Some(&caller.user),
                    &parts.headers,
                    state.org_locale().await,
                ));
                if let Some(slot) = parts.extensions.get::<crate::error::CallerLocale>() {
                    slot.set(tr.locale);
                }
                let seen = Seen::of(&caller);
                let me = ApiUser {
                    viewer: caller.user.viewer(),
                    user: caller.user,
                    tr,
                };
                Ok((me, seen))
            }
            Ok(None) => Err(Localized(ApiError::Unauthorized, fallback)),
            Err(e) => Err(Localized(e, fallback)),
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Localized;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Localized> {
        Ok(ApiUser::sign_in(parts, state, Versions::None).await?.0)
    }
}

/// The language of a request whoever makes it (for sign-in pages and API errors before auth).
pub struct Lang(pub Tr);

impl FromRequestParts<AppState> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Lang(Tr::new(locale_of(
            None,
            &parts.headers,
            state.org_locale().await,
        ))))
    }
}

/// A signed-in user of the web pages; anyone else is sent to the sign-in form.
pub struct PageUser {
    pub user: UserRow,
    pub viewer: Viewer,
    pub tr: Tr,
}

impl SignIn for PageUser {
    type Rejection = Response;

    async fn sign_in(
        parts: &mut Parts,
        state: &AppState,
        versions: Versions,
    ) -> Result<(Self, Seen), Response> {
        let caller = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(s) => users::session_user(&state.db, &secret_hash(&s), versions)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "session lookup failed");
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
                })?,
            None => None,
        };
        if let Some(caller) = caller {
            identified(&caller.user);
            let tr = Tr::new(locale_of(
                Some(&caller.user),
                &parts.headers,
                state.org_locale().await,
            ));
            let seen = Seen::of(&caller);
            Ok((
                PageUser {
                    viewer: caller.user.viewer(),
                    user: caller.user,
                    tr,
                },
                seen,
            ))
        } else {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target = if next == "/" {
                "/login".to_owned()
            } else {
                format!("/login?next={}", url_encode(next))
            };
            Err(Redirect::to(&target).into_response())
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Ok(PageUser::sign_in(parts, state, Versions::None).await?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("opp_");
        assert!(a.starts_with("opp_") && a.len() == 68);
        assert_ne!(a, new_secret("opp_"));
        assert_eq!(secret_hash("x").len(), 64);
        assert_ne!(secret_hash(&a), a);
    }

    #[test]
    fn locale_order() {
        let mut h = HeaderMap::new();
        assert_eq!(locale_of(None, &h, Locale::ZhCn), Locale::ZhCn);
        h.insert(header::ACCEPT_LANGUAGE, "en-GB".parse().expect("header"));
        assert_eq!(locale_of(None, &h, Locale::ZhCn), Locale::En);
        h.insert(
            header::COOKIE,
            "a=b; opp_lang=zh-CN".parse().expect("header"),
        );
        assert_eq!(locale_of(None, &h, Locale::En), Locale::ZhCn);
    }
}
