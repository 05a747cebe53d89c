//! A JSON body extractor whose errors follow the API contract: 400 when the body is not JSON,
//! 422 naming the field when a value has the wrong type or a required field is missing.

use crate::AppState;
use crate::auth::Lang;
use crate::error::{ApiError, Localized};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use opportune_core::FieldErrors;
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = Localized;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(Lang(tr)) = Lang::from_request_parts(&mut parts, state).await;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| Localized(ApiError::Malformed(e.body_text()), tr))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| Localized(ApiError::Malformed(e.to_string()), tr))?;
        if !value.is_object() {
            return Err(Localized(
                ApiError::Malformed("expected a JSON object".into()),
                tr,
            ));
        }
        serde_path_to_error::deserialize(value)
            .map(JsonBody)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                Localized(ApiError::Invalid(shape_error(&path, &inner)), tr)
            })
    }
}

/// Names the field a serde error is about: the path, or the field in "missing field `x`".
fn shape_error(path: &str, message: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        e.add(leak_field(field), "required");
    } else {
        let field = path
            .split(['.', '['])
            .next()
            .filter(|f| !f.is_empty() && *f != "?")
            .unwrap_or("body");
        e.add(leak_field(field), "invalid_type");
    }
    e
}

/// Field names come from our own DTOs, a small closed set; interning them keeps
/// `FieldErrors` free of lifetimes. Anything that does not look like one of our field names,
/// or past a small bound, is reported as `body`, so no input can grow the set without limit.
fn leak_field(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    const MAX_NAMES: usize = 256;
    static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    if name.is_empty()
        || name.len() > 40
        || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return "body";
    }
    let mut names = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = names.get(name) {
        return n;
    }
    if names.len() >= MAX_NAMES {
        return "body";
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// A record id in the path; anything that is not an id names no record (404 in the API's shape).
pub struct IdPath(pub i64);

impl FromRequestParts<AppState> for IdPath {
    type Rejection = Localized;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(Lang(tr)) = Lang::from_request_parts(parts, state).await;
        axum::extract::Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(id)| IdPath(id))
            .map_err(|_| Localized(ApiError::NotFound, tr))
    }
}

/// Query parameters whose errors follow the API contract (422 naming the parameter).
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for QueryParams<T> {
    type Rejection = Localized;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(Lang(tr)) = Lang::from_request_parts(parts, state).await;
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                Localized(ApiError::Invalid(shape_error(&path, &inner)), tr)
            })
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// Deserializes an optional value where an empty string (an "All" option in a filter form)
/// means absent.
pub fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let raw: Option<String> = serde::Deserialize::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Deserializes a field that may be absent (`None`, with `#[serde(default)]`), `null`
/// (`Some(None)`) or a value (`Some(Some(v))`), for partial updates that can clear a value.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field() {
        assert_eq!(
            shape_error("", "missing field `name` at line 1").get("name"),
            Some("required")
        );
        assert_eq!(
            shape_error("amount", "invalid type: string").get("amount"),
            Some("invalid_type")
        );
        assert_eq!(
            shape_error("Bad-Key", "invalid type").get("body"),
            Some("invalid_type")
        );
    }
}
