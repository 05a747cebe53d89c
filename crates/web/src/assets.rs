//! The stylesheet and script, embedded in the binary and served under a content-hashed path so
//! browsers can cache them forever.

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
struct Files;

/// A short hash of every asset: it changes whenever any of them does.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for name in Files::iter() {
        if let Some(f) = Files::get(&name) {
            h.update(name.as_bytes());
            h.update(&f.data);
        }
    }
    hex::encode(&h.finalize()[..6])
});

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{version}/{file}", get(serve))
}

async fn serve(Path((version, file)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let Some(f) = Files::get(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&f.metadata.sha256_hash()[..8]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let mut resp = f.data.into_owned().into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}
