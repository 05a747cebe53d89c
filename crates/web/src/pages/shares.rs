//! The "shared with" panel of the account, contact, lead and deal pages, and its two forms:
//! share with a colleague, stop sharing. Both go back to the record's page; a refusal comes back
//! as `?share_error=<code>` and is shown in the panel in the user's language.

use super::{PageError, PageResult};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::field_message;
use crate::i18n::Tr;
use crate::queries::share_kind;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use opportune_app::Error;
use opportune_db::shares::{self, Share, ShareKind};
use opportune_db::users::Person;
use opportune_db::{DbError, Viewer};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{kind}/{id}/shares", post(add))
        .route("/{kind}/{id}/shares/{user_id}/delete", post(remove))
}

/// What the panel shows: who the record is shared with and, for those who control it, the
/// colleagues it can still be shared with.
pub struct SharePanel {
    /// The record's page, e.g. `/accounts/7`.
    pub base: String,
    pub editable: bool,
    pub items: Vec<Share>,
    pub candidates: Vec<Person>,
    pub error: Option<String>,
}

impl SharePanel {
    /// Loads the panel of a record the viewer can see, owned by `owner_id`; `error` is the
    /// `share_error` code of a refused share, if any; `all` the caller's `'all'` view version, if
    /// they signed in with it (the colleagues are then the server's copy while it stands).
    /// `maybe_shared` is false when the record was read with the news that it is shared with
    /// nobody: then nobody is read.
    pub async fn load(
        state: &AppState,
        (viewer, all): (&Viewer, Option<i64>),
        tr: Tr,
        (kind, id): (ShareKind, i64),
        (owner_id, editable): (i64, bool),
        maybe_shared: bool,
        error: Option<&str>,
    ) -> Result<SharePanel, DbError> {
        let items = if maybe_shared {
            shares::of_visible(&state.db, viewer, kind, id).await?
        } else {
            Vec::new()
        };
        let candidates = if editable {
            state
                .people(all)
                .await?
                .iter()
                .filter(|p| p.id != owner_id && !items.iter().any(|s| s.user_id == p.id))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        Ok(SharePanel {
            base: format!("/{}/{id}", path_of(kind)),
            editable,
            items,
            candidates,
            error: error.map(|code| message(tr, code)),
        })
    }
}

/// The path segment of a kind's pages.
fn path_of(kind: ShareKind) -> &'static str {
    match kind {
        ShareKind::Account => "accounts",
        ShareKind::Contact => "contacts",
        ShareKind::Lead => "leads",
        ShareKind::Opportunity => "opportunities",
    }
}

/// The message of a `share_error` code: a field problem with the colleague, or a refusal.
fn message(tr: Tr, code: &str) -> String {
    match code {
        "read_only" => tr.t("error-read-only"),
        "is_owner" => field_message(tr, "is_owner"),
        _ => field_message(tr, "not_found"),
    }
}

/// The `share_error` code an error comes back with, or `None` if the error is not the user's.
fn error_code(e: &Error) -> Option<&'static str> {
    match e {
        Error::ReadOnly => Some("read_only"),
        Error::Invalid(f) => f.get("user_id").map(|c| match c {
            "is_owner" => "is_owner",
            _ => "not_found",
        }),
        _ => None,
    }
}

/// The query of a record's page: the refusal of a share just tried, if any.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShareQuery {
    pub share_error: Option<String>,
}

#[derive(Deserialize)]
struct ShareForm {
    #[serde(default)]
    user_id: String,
}

/// The record a share route names, if it is one.
fn record(kind: &str, id: &str) -> Option<(ShareKind, i64)> {
    share_kind(kind).zip(id.parse().ok())
}

/// Back to the record's panel, with the refusal if there was one.
fn back(done: Result<(), DbError>, me: &PageUser, kind: ShareKind, id: i64) -> PageResult {
    let page = format!("/{}/{id}", path_of(kind));
    match done.map_err(Error::from) {
        Ok(()) => Ok(Redirect::to(&format!("{page}#shares")).into_response()),
        Err(Error::NotFound) => Err(PageError::not_found(me)),
        Err(e) => match error_code(&e) {
            Some(code) => {
                Ok(Redirect::to(&format!("{page}?share_error={code}#shares")).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn add(
    State(state): State<AppState>,
    me: PageUser,
    Path((kind, id)): Path<(String, String)>,
    super::HtmlForm(f): super::HtmlForm<ShareForm>,
) -> PageResult {
    let Some((kind, id)) = record(&kind, &id) else {
        return Err(PageError::not_found(&me));
    };
    let result = match f.user_id.trim().parse::<i64>() {
        Ok(user) => shares::add(&state.db, &me.viewer, kind, id, user).await,
        Err(_) => Err(DbError::Field("user_id", "not_found")),
    };
    back(result, &me, kind, id)
}

async fn remove(
    State(state): State<AppState>,
    me: PageUser,
    Path((kind, id, user)): Path<(String, String, String)>,
) -> PageResult {
    let (Some((kind, id)), Ok(user)) = (record(&kind, &id), user.parse::<i64>()) else {
        return Err(PageError::not_found(&me));
    };
    let result = shares::remove(&state.db, &me.viewer, kind, id, user).await;
    back(result, &me, kind, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opportune_core::FieldErrors;
    use opportune_core::records::Locale;

    #[test]
    fn refusals_come_back_as_codes_with_messages_in_both_languages() {
        let mut owner = FieldErrors::new();
        owner.add("user_id", "is_owner");
        assert_eq!(error_code(&Error::Invalid(owner)), Some("is_owner"));
        assert_eq!(error_code(&Error::ReadOnly), Some("read_only"));
        assert_eq!(error_code(&Error::Stale(None)), None);
        for l in [Locale::ZhCn, Locale::En] {
            let tr = Tr::new(l);
            for code in ["read_only", "is_owner", "not_found"] {
                let m = message(tr, code);
                assert!(
                    !m.starts_with("field-") && !m.starts_with("error-"),
                    "{l:?} {code}: {m}"
                );
            }
        }
        assert_ne!(
            message(Tr::new(Locale::En), "is_owner"),
            message(Tr::new(Locale::ZhCn), "is_owner")
        );
    }
}
