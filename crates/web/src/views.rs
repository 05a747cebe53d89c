//! Views kept per viewer. A board, a deal list or a record list is costly to build (hundreds of
//! records read, shaped and rendered) and read far more often than what it shows changes, so a
//! server keeps what it rendered and serves it again while the version of what it shows
//! ([`opportune_db::versions`]) stands, read with the caller in the query that signs them in.
//! The versions live in the database and move in the transaction of every change, so a change
//! made through any server (or the command line) is seen at the next request of every server.

use axum::body::Bytes;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use opportune_core::records::Locale;
use opportune_db::Viewer;
use opportune_db::versions::ViewVersion;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::Arc;

/// Bytes of views a server keeps (inside the memory budget of docs/PERFORMANCE.md beside
/// SQLite's 128 MiB); past that the least used go first.
const CAPACITY: u64 = 8 << 20;
/// How many views that is, roughly (a board or a list is 30–150 KB): sizes the cache's table.
const ESTIMATED_VIEWS: usize = 128;

/// What a kept view answers: the same person, format, language and address, on the same day (a
/// board marks overdue deals, and close periods are read from today).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    user_id: i64,
    format: Format,
    locale: Locale,
    uri: String,
    today: NaiveDate,
}

impl Key {
    /// `today` in the organization's time zone.
    pub fn new(
        viewer: &Viewer,
        format: Format,
        locale: Locale,
        uri: &Uri,
        today: NaiveDate,
    ) -> Key {
        Key {
            user_id: viewer.user_id,
            format,
            locale,
            uri: uri.to_string(),
            today,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Html,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

#[derive(Clone)]
struct Kept {
    version: ViewVersion,
    body: Bytes,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<Key, Kept> for ByLength {
    fn weight(&self, key: &Key, kept: &Kept) -> u64 {
        (key.uri.len() + kept.body.len()) as u64
    }
}

/// The views one server keeps, shared by its handlers.
#[derive(Clone)]
pub struct Views(Arc<Cache<Key, Kept, ByLength>>);

impl Default for Views {
    fn default() -> Views {
        Views(Arc::new(Cache::with_weighter(
            ESTIMATED_VIEWS,
            CAPACITY,
            ByLength,
        )))
    }
}

impl Views {
    /// The view kept for `key`, if it was made at `version` (the caller's, read when they signed
    /// in this request: a view built after it is at least as new). Never one when the version is
    /// unknown.
    pub fn get(&self, key: &Key, version: Option<ViewVersion>) -> Option<Response> {
        let kept = self.0.get(key)?;
        (Some(kept.version) == version).then(|| answer(key.format, kept.body))
    }

    /// Keeps `body`, made from what the database held at `version` or later (if known), and
    /// answers with it.
    pub fn keep(&self, key: Key, version: Option<ViewVersion>, body: Bytes) -> Response {
        let format = key.format;
        if let Some(version) = version {
            self.0.insert(
                key,
                Kept {
                    version,
                    body: body.clone(),
                },
            );
        }
        answer(format, body)
    }

    /// Keeps `value` as JSON, like [`keep`](Views::keep).
    pub fn keep_json(
        &self,
        key: Key,
        version: Option<ViewVersion>,
        value: &impl serde::Serialize,
    ) -> Result<Response, serde_json::Error> {
        Ok(self.keep(key, version, serde_json::to_vec(value)?.into()))
    }
}

fn answer(format: Format, body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, format.content_type())], body).into_response()
}
