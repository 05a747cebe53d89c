//! What the server logs: one line per request, in a span naming the matched route and the
//! signed-in user; an internal error once, with its cause, which the caller never sees.
//!
//! The process gets one global subscriber, installed by the first capture, that writes into the
//! capture of the thread logging, if any. `#[tokio::test]` runs the server task on the test's
//! thread, so a test captures its own server's lines and no other test's. (A subscriber set per
//! thread instead, with `set_default`, loses lines: tracing caches whether a callsite is enabled
//! process-wide, and a callsite first reached on a thread without a subscriber is cached off.)

use crate::helpers::{TestApp, id};
use opportune_core::records::Role;
use opportune_db::Db;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once, PoisonError};

/// What the global subscriber wrote on one thread, as `OPPORTUNE_LOG=info` writes it without
/// colours.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// The global subscriber's writer: the capture of the thread writing, or nowhere.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with_borrow(|c| {
            if let Some(Captured(bytes)) = c {
                bytes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Capturing this thread's logs, until dropped.
struct Capturing;

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURE.set(None);
    }
}

impl Captured {
    /// Captures this thread's logs until the guard is dropped.
    fn start(&self) -> Capturing {
        static GLOBAL: Once = Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
                .with_writer(|| ThreadCapture)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in the HTTP suite");
        });
        CAPTURE.set(Some(self.clone()));
        Capturing
    }

    /// The lines written with `needle` in them.
    fn lines(&self, needle: &str) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

async fn a_request_logs_one_line_with_its_route_user_and_status(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let account = app.account(&rep, "Acme").await;
    let deal = id(&app
        .opportunity(&rep, account, "Mill upgrade", "1000", "2030-01-31")
        .await);

    let logs = Captured::default();
    let guard = logs.start();
    app.get(&format!("/api/v1/opportunities/{deal}"), &rep)
        .await
        .ok(200);
    drop(guard);

    let lines = logs.lines("opportune_web::request");
    assert_eq!(lines.len(), 1, "one line per request: {lines:#?}");
    let line = &lines[0];
    for part in [
        " INFO ",
        "method=GET",
        "route=/api/v1/opportunities/{id}",
        &format!("user_id={}", rep.id),
        "status=200",
        "latency_ms=",
    ] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    assert!(
        !line.contains(&format!("/opportunities/{deal}")),
        "the route, not the path with its id: {line}"
    );
}

async fn an_internal_error_is_logged_once_with_its_route_and_never_shown(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let account = app.account(&rep, "Acme").await;
    let deal = id(&app
        .opportunity(&rep, account, "Mill upgrade", "1000", "2030-01-31")
        .await);
    // The deals' table gone from under the server: reading one fails inside.
    let rename = "ALTER TABLE opportunities RENAME TO opportunities_gone";
    match &app.db {
        Db::Sqlite { write, .. } => sqlx::raw_sql(rename).execute(write).await.map(drop),
        Db::Postgres { pool, .. } => sqlx::raw_sql(rename).execute(pool).await.map(drop),
    }
    .expect("the table is renamed");

    let logs = Captured::default();
    let guard = logs.start();
    let r = app
        .get(&format!("/api/v1/opportunities/{deal}"), &rep)
        .await;
    drop(guard);
    let body = r.text.clone();
    r.err(500, "internal");

    let errors = logs.lines(" ERROR ");
    assert_eq!(errors.len(), 1, "the error is logged once: {errors:#?}");
    let error = &errors[0];
    for part in [
        "route=/api/v1/opportunities/{id}",
        &format!("user_id={}", rep.id),
        "internal error",
        "cause=database: ",
        "opportunities",
    ] {
        assert!(error.contains(part), "{part:?} in {error}");
    }
    assert!(
        !body.contains("database") && !body.contains("opportunities"),
        "the cause is never shown: {body}"
    );
    let lines = logs.lines("opportune_web::request");
    assert_eq!(lines.len(), 1, "one line per request: {lines:#?}");
    assert!(
        lines[0].contains("status=500") && !lines[0].contains("cause"),
        "the request's line has the status, not the cause: {}",
        lines[0]
    );
}

http_tests!(
    a_request_logs_one_line_with_its_route_user_and_status,
    an_internal_error_is_logged_once_with_its_route_and_never_shown,
);
