//! Opportune's web surface: the server-rendered pages and the JSON API under `/api/v1`.

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use opportune_core::records::Locale;
use opportune_db::org::OrgSettings;
use opportune_db::processes::Process;
use opportune_db::users::Person;
use opportune_db::{Db, DbError};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tower_http::csrf::CsrfLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub mod admin_forms;
pub mod api;
pub mod assets;
pub mod auth;
pub mod convert;
pub mod deals;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod json;
pub mod pages;
pub mod record_forms;
pub mod views;

/// What every handler shares. Sessions are in the database; the kept views and processes are
/// copies served only while the versions the database keeps say they are current, and the
/// organization settings a copy re-read every `ORG_TTL`: so any number of servers can run
/// behind one load balancer.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub secure_cookies: bool,
    /// Boards and deal lists rendered and kept while what they show stands.
    pub views: views::Views,
    org: Arc<RwLock<(Instant, Arc<OrgSettings>)>>,
    /// The processes with their stages and criteria: any change of them moves `'all'`
    /// (migrations 0009 and 0010).
    processes: KeptByAll<Vec<Process>>,
    /// The active users, the colleagues a record can be shared with: any change of a user moves
    /// `'all'` (migration 0009).
    people: KeptByAll<Vec<Person>>,
}

/// A copy of something every page of a kind reads, kept with the `'all'` view version it was
/// read after.
struct KeptByAll<T>(Arc<RwLock<Option<Kept<T>>>>);

/// What was read, and the `'all'` version it was read after.
type Kept<T> = (i64, Arc<T>);

impl<T> Clone for KeptByAll<T> {
    fn clone(&self) -> Self {
        KeptByAll(Arc::clone(&self.0))
    }
}

impl<T> Default for KeptByAll<T> {
    fn default() -> Self {
        KeptByAll(Arc::new(RwLock::new(None)))
    }
}

impl<T> KeptByAll<T> {
    /// The copy read after the caller's `'all'` version `all` (read at sign-in:
    /// [`auth::WithAll`], [`auth::WithDeals`]) when that still stands (a copy read after it is
    /// at least as new), else what `read` gives, kept for the next caller at `all`. Without a
    /// version, read and not kept.
    async fn get<F>(&self, all: Option<i64>, read: F) -> Result<Arc<T>, DbError>
    where
        F: Future<Output = Result<T, DbError>>,
    {
        let kept = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let (Some(all), Some((at, kept))) = (all, kept)
            && at == all
        {
            return Ok(kept);
        }
        let fresh = Arc::new(read.await?);
        if let Some(all) = all {
            *self
                .0
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((all, Arc::clone(&fresh)));
        }
        Ok(fresh)
    }
}

/// How long a server trusts its copy of the organization settings before reading them again,
/// so a change made through another server reaches this one within that time.
const ORG_TTL: Duration = Duration::from_secs(10);

impl AppState {
    /// Loads the organization settings the handlers need from a prepared database.
    pub async fn load(db: Db, secure_cookies: bool) -> anyhow::Result<AppState> {
        let org = opportune_db::org::get(&db).await?;
        Ok(AppState {
            db,
            secure_cookies,
            views: views::Views::default(),
            org: Arc::new(RwLock::new((Instant::now(), Arc::new(org)))),
            processes: KeptByAll::default(),
            people: KeptByAll::default(),
        })
    }

    /// Every process with its stages and criteria (three queries), or the copy kept while the
    /// caller's `'all'` version `all` stands. Without a version, read and not kept.
    pub async fn processes(&self, all: Option<i64>) -> Result<Arc<Vec<Process>>, DbError> {
        self.processes
            .get(all, opportune_db::processes::list(&self.db))
            .await
    }

    /// The process `id` (active or not) from [`processes`](AppState::processes).
    pub async fn process(&self, all: Option<i64>, id: i64) -> Result<Option<Process>, DbError> {
        Ok(self
            .processes(all)
            .await?
            .iter()
            .find(|p| p.row.id == id)
            .cloned())
    }

    /// The active users by name (whom a record can be shared with), or the copy kept while the
    /// caller's `'all'` version `all` stands. Without a version, read and not kept.
    pub async fn people(&self, all: Option<i64>) -> Result<Arc<Vec<Person>>, DbError> {
        self.people
            .get(all, opportune_db::shares::candidates(&self.db))
            .await
    }

    /// The organization settings, re-read from the database at most every `ORG_TTL`.
    pub async fn org(&self) -> Arc<OrgSettings> {
        let (at, cached) = {
            let guard = self
                .org
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (guard.0, Arc::clone(&guard.1))
        };
        if at.elapsed() < ORG_TTL {
            return cached;
        }
        match opportune_db::org::get(&self.db).await {
            Ok(fresh) => self.remember_org(fresh),
            Err(e) => {
                tracing::warn!(error = %e, "reading organization settings failed; using the last copy");
                cached
            }
        }
    }

    /// Keeps settings just read or saved.
    pub fn remember_org(&self, s: OrgSettings) -> Arc<OrgSettings> {
        let s = Arc::new(s);
        *self
            .org
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = (Instant::now(), Arc::clone(&s));
        s
    }

    /// The date it is now in the organization's time zone.
    pub async fn today(&self) -> chrono::NaiveDate {
        self.org().await.today()
    }

    /// The organization's default language.
    pub async fn org_locale(&self) -> Locale {
        Locale::parse(&self.org().await.locale).unwrap_or(Locale::ZhCn)
    }
}

/// The whole application: pages, API, assets, health, behind CSRF protection.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi_json = openapi.to_pretty_json().unwrap_or_default();
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    openapi_json.clone(),
                )
            }),
        )
        .merge(api_router)
        .merge(pages::router())
        .merge(assets::router())
        .fallback(pages::not_found)
        .with_state(state)
        .layer(CsrfLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(request_line)
                .on_body_chunk(())
                .on_eos(())
                // One line per request; a 5xx's cause is logged where it is made, not again here.
                .on_failure(()),
        )
}

/// The target of the request's span and line: `OPPORTUNE_LOG=info,opportune_web::request=warn`
/// silences the lines.
const REQUEST: &str = "opportune_web::request";

/// A request's span: its method, the route it matched (`/api/v1/opportunities/{id}`, never the
/// path with its ids; `fallback` when none did), and the user id, recorded once sign-in knows
/// it (`auth::identified`). At error level so that any error logged while answering, under any
/// filter that shows errors, names the route and the user.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("fallback", MatchedPath::as_str);
    tracing::error_span!(
        target: REQUEST,
        "request",
        method = %req.method(),
        route = %route,
        user_id = tracing::field::Empty,
    )
}

/// A request's one line, at info, in its span: the status and the latency in milliseconds.
fn request_line<B>(res: &axum::http::Response<B>, latency: Duration, _: &tracing::Span) {
    tracing::info!(
        target: REQUEST,
        status = res.status().as_u16(),
        latency_ms = latency.as_micros() as f64 / 1000.0,
    );
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, backend = state.db.backend(), "Opportune is listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
