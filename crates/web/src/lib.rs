//! Opportune's web surface: the server-rendered pages and the JSON API under `/api/v1`.

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use opportune_app::App;
use opportune_db::Db;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::csrf::CsrfLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod json;
pub mod pages;
pub mod queries;
pub mod views;

/// What every handler shares: the application layer's context ([`App`], which it derefs to),
/// and the views this server keeps. Sessions are in the database and the kept copies are served
/// only while the versions the database keeps say they are current, so any number of servers
/// can run behind one load balancer.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub secure_cookies: bool,
    /// Boards and deal lists rendered and kept while what they show stands.
    pub views: views::Views,
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    /// Loads the organization settings the handlers need from a prepared database.
    pub async fn load(db: Db, secure_cookies: bool) -> anyhow::Result<AppState> {
        Ok(AppState {
            app: App::load(db).await?,
            secure_cookies,
            views: views::Views::default(),
        })
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
        .merge(api_router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::localize,
        )))
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
