//! Server-rendered pages.

use crate::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;

pub fn router() -> Router<AppState> {
    Router::new()
}

pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found")
}

/// Percent-encodes a path or query value for a URL.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}
