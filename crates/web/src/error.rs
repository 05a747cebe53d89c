//! The API's error surface: one enum, stable codes, messages from the catalogue.
//!
//! Body: `{"error": {"code": "...", "message": "...", "fields": {"name": {"code": "...", "message": "..."}}}}`.

use crate::AppState;
use crate::i18n::Tr;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use opportune_app::Refusal;
use opportune_core::FieldErrors;
use opportune_core::records::Locale;
use opportune_db::DbError;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex, OnceLock};

/// What went wrong inside, for the log: any error, with the errors it wraps.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON, or not the JSON shape expected.
    Malformed(String),
    /// 401: no or bad credentials.
    Unauthorized,
    /// 403: signed in but not allowed (e.g. a rep on an admin route).
    Forbidden,
    /// 403: the record is shared with the caller read-only.
    ReadOnly,
    /// 404: no such record, or not one the caller may see.
    NotFound,
    /// 409: the record changed since the version the caller read; carries the current record.
    Stale(Value),
    /// 409: the stage move was refused; carries the unmet criteria of each stage.
    MoveRefused(Refusal),
    /// 409: the record is still referenced by others.
    InUse,
    /// 422: values that parse but are not acceptable, by field.
    Invalid(FieldErrors),
    /// 500: the cause, kept whole (its `source()` chain) for the log, never shown.
    Internal(Cause),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::ReadOnly => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Stale(_) | ApiError::MoveRefused(_) | ApiError::InUse => StatusCode::CONFLICT,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::ReadOnly => "read_only",
            ApiError::NotFound => "not_found",
            ApiError::Stale(_) => "stale_version",
            ApiError::MoveRefused(refusal) => refusal.code,
            ApiError::InUse => "in_use",
            ApiError::Invalid(_) => "invalid",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The JSON body in the caller's language.
    pub fn body(&self, tr: Tr) -> Value {
        let mut err = Map::new();
        err.insert("code".into(), json!(self.code()));
        let mut message = tr.t(&format!("error-{}", self.code().replace('_', "-")));
        if let ApiError::Malformed(detail) = self {
            message = format!("{message}: {detail}");
        }
        err.insert("message".into(), json!(message));
        match self {
            ApiError::Invalid(fields) => {
                err.insert("fields".into(), fields_json(fields, tr));
            }
            ApiError::Stale(current) => {
                err.insert("current".into(), current.clone());
            }
            ApiError::MoveRefused(refusal) => {
                err.insert("unmet_criteria".into(), unmet_json(refusal, tr));
            }
            _ => {}
        }
        json!({ "error": err })
    }

    /// A 500 for `cause`, which the log will show with its whole chain.
    pub fn internal(cause: impl Into<Cause>) -> ApiError {
        ApiError::Internal(cause.into())
    }

    pub fn invalid(field: &'static str, code: &'static str) -> ApiError {
        let mut e = FieldErrors::new();
        e.add(field, code);
        ApiError::Invalid(e)
    }
}

/// One entry per unmet criterion, each naming the stage it guards (a jump past several stages
/// lists each stage's): `[{"id", "label", "stage_id", "stage"}]`.
fn unmet_json(refusal: &Refusal, tr: Tr) -> Value {
    refusal
        .unmet
        .iter()
        .flat_map(|stage| {
            let name = tr.pick(&stage.name_zh, &stage.name_en);
            stage.criteria.iter().map(move |(id, zh, en)| {
                json!({
                    "id": id,
                    "label": tr.pick(zh, en),
                    "stage_id": stage.stage_id,
                    "stage": name,
                })
            })
        })
        .collect()
}

/// `{"field": {"code": "...", "message": "..."}}`, messages from the `field-<code>` keys.
pub fn fields_json(fields: &FieldErrors, tr: Tr) -> Value {
    let map: Map<String, Value> = fields
        .iter()
        .map(|f| {
            let msg = field_message(tr, f.code);
            (
                f.field.to_owned(),
                json!({ "code": f.code, "message": msg }),
            )
        })
        .collect();
    Value::Object(map)
}

pub fn field_message(tr: Tr, code: &str) -> String {
    tr.t(&format!("field-{}", code.replace('_', "-")))
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ApiError::NotFound,
            DbError::Stale => ApiError::Stale(Value::Null),
            DbError::InUse => ApiError::InUse,
            DbError::ReadOnly => ApiError::ReadOnly,
            DbError::Field(field, code) => ApiError::invalid(field, code),
            DbError::Duplicate(field) => ApiError::invalid(field, "duplicate"),
            DbError::Cycle => ApiError::invalid("parent_id", "cycle"),
            other => ApiError::internal(other),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Invalid(e)
    }
}

/// Logs an internal error once, at error level, with its whole chain. Called where the 500 is
/// made, inside the request span, so the line carries the route and the user id; the request's
/// own line (`web::app`) gives only the status, never the cause.
pub fn log_internal(cause: &(dyn std::error::Error + 'static)) {
    tracing::error!(cause = %chain(cause), "internal error");
}

/// `error: its source: the source's source…`, leaving out a source whose text the chain
/// already holds (as `DbError`'s `database: {0}` already holds its sqlx error's).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = source.source();
    }
    out
}

/// An API handler's error before it is said: its status, and the error itself for
/// [`localize`] to turn into the JSON body in the caller's language. So a handler returns
/// `Result<_, ApiError>` and uses `?` on any operation's, storage's or validation's error.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status().into_response();
        resp.extensions_mut()
            .insert(Unsaid(Arc::new(Mutex::new(Some(self)))));
        resp
    }
}

/// An error a handler answered with, not yet put into words (see [`localize`]).
#[derive(Clone)]
struct Unsaid(Arc<Mutex<Option<ApiError>>>);

/// The language the caller is answered in, once the API's extractors know who they are
/// ([`crate::auth::ApiUser`]); [`localize`] puts it in the request and reads it back.
#[derive(Clone, Default)]
pub struct CallerLocale(Arc<OnceLock<Locale>>);

impl CallerLocale {
    /// Records the caller's language (the first one recorded stands).
    pub fn set(&self, locale: Locale) {
        let _ = self.0.set(locale);
    }
}

/// The API's middleware that says every handler's [`ApiError`] in the caller's language: the
/// signed-in user's, else the request's (cookie, `Accept-Language`), else the organization's.
pub async fn localize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = CallerLocale::default();
    req.extensions_mut().insert(caller.clone());
    let mut headers = HeaderMap::new();
    for name in [header::ACCEPT_LANGUAGE, header::COOKIE] {
        if let Some(v) = req.headers().get(&name) {
            headers.insert(name, v.clone());
        }
    }
    let mut resp = next.run(req).await;
    let Some(Unsaid(err)) = resp.extensions_mut().remove::<Unsaid>() else {
        return resp;
    };
    let Some(err) = err.lock().ok().and_then(|mut e| e.take()) else {
        return resp;
    };
    let locale = match caller.0.get() {
        Some(l) => *l,
        None => crate::auth::locale_of(None, &headers, state.org_locale().await),
    };
    Localized(err, Tr::new(locale)).into_response()
}

/// An error with the language to say it in, for the extractors' rejections.
#[derive(Debug)]
pub struct Localized(pub ApiError, pub Tr);

impl IntoResponse for Localized {
    fn into_response(self) -> Response {
        let Localized(err, tr) = self;
        if let ApiError::Internal(cause) = &err {
            log_internal(cause.as_ref());
        }
        let mut resp = (err.status(), Json(err.body(tr))).into_response();
        if matches!(err, ApiError::Unauthorized) {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opportune_core::records::Locale;

    const ALL: [&str; 10] = [
        "malformed",
        "unauthorized",
        "forbidden",
        "not_found",
        "stale_version",
        "in_use",
        "invalid",
        "internal",
        "criteria_unmet",
        "read_only",
    ];
    const FIELD_CODES: [&str; 20] = [
        "other_account",
        "required",
        "too_long",
        "invalid_email",
        "invalid_date",
        "invalid_number",
        "negative",
        "too_many_decimals",
        "too_large",
        "invalid_choice",
        "invalid_certainty",
        "out_of_range",
        "duplicate",
        "not_found",
        "invalid_type",
        "is_owner",
        "converted",
        "too_short",
        "self_lockout",
        "cycle",
    ];

    #[test]
    fn every_code_is_translated_in_both_languages() {
        for l in [Locale::ZhCn, Locale::En] {
            let tr = Tr::new(l);
            for code in ALL
                .iter()
                .chain(["same_stage", "other_process", "closed"].iter())
            {
                assert!(
                    tr.has(&format!("error-{}", code.replace('_', "-"))),
                    "{l:?} error {code}"
                );
            }
            for code in FIELD_CODES {
                assert!(
                    tr.has(&format!("field-{}", code.replace('_', "-"))),
                    "{l:?} field {code}"
                );
            }
        }
    }

    #[test]
    fn an_internal_error_keeps_its_chain_for_the_log_only() {
        let io = std::io::Error::other("disk on fire");
        let err = ApiError::from(DbError::Sqlx(sqlx::Error::Io(io)));
        let ApiError::Internal(cause) = &err else {
            panic!("a database failure is internal: {err:?}");
        };
        // Each level once, though `DbError` and sqlx repeat their source in their own text.
        assert_eq!(
            chain(cause.as_ref()),
            "database: error communicating with database: disk on fire"
        );
        let body = err.body(Tr::new(Locale::En)).to_string();
        assert!(!body.contains("disk"), "the cause is never shown: {body}");

        let outer = anyhow::Error::new(std::io::Error::other("no space left"))
            .context("writing the export")
            .context("exporting deals");
        let ApiError::Internal(cause) = ApiError::internal(outer) else {
            unreachable!()
        };
        assert_eq!(
            chain(cause.as_ref()),
            "exporting deals: writing the export: no space left"
        );
    }

    #[test]
    fn invalid_body_names_the_field() {
        let body = ApiError::invalid("name", "required").body(Tr::new(Locale::En));
        assert_eq!(body["error"]["code"], "invalid");
        assert_eq!(body["error"]["fields"]["name"]["code"], "required");
        assert!(
            body["error"]["fields"]["name"]["message"]
                .as_str()
                .is_some_and(|m| !m.starts_with("field-"))
        );
    }
}
