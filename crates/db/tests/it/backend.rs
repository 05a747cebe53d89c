//! Where a test runs: a fresh SQLite file in a temporary directory, or a fresh PostgreSQL
//! database created for the test on the server named by `OPPORTUNE_TEST_POSTGRES_URL` and
//! dropped after it. Both are prepared (migrations, settings, built-in processes) as `serve`
//! prepares them.
//!
//! The storage suite and the HTTP suite (`crates/web/tests/it`, which includes this file with
//! `#[path]`) share it, so both run on exactly the same kinds of database.

use opportune_db::Db;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::future::Future;
use std::path::Path;

/// The variable naming a PostgreSQL server the suites may create databases on, e.g.
/// `postgres://postgres@127.0.0.1:55433/postgres`.
pub const POSTGRES_URL_VAR: &str = "OPPORTUNE_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `test` on a freshly prepared database of `backend`. The PostgreSQL run is skipped, with
/// a note, when `OPPORTUNE_TEST_POSTGRES_URL` is unset. The database is closed (and on
/// PostgreSQL dropped, best effort) whether the test passes or panics; a panic is then passed on.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory for SQLite");
            let db = Db::connect(None, dir.path())
                .await
                .expect("SQLite opens in the temporary directory");
            opportune_db::prepare(&db).await.expect("SQLite prepares");
            let outcome = tokio::spawn(test(db.clone())).await;
            db.close().await;
            finish(outcome);
        }
        Backend::Postgres => {
            let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
                eprintln!("note: {POSTGRES_URL_VAR} is not set; the PostgreSQL run is skipped");
                return;
            };
            let name = format!("opp_test_{:016x}", rand::random::<u64>());
            let mut admin = PgConnection::connect(&server)
                .await
                .expect("the PostgreSQL test server accepts connections");
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("a database for the test can be created");
            let db = Db::connect(Some(&database_url(&server, &name)), Path::new("."))
                .await
                .expect("the test database opens");
            let prepared = opportune_db::prepare(&db).await;
            let outcome = match prepared {
                Ok(()) => Some(tokio::spawn(test(db.clone())).await),
                Err(e) => {
                    eprintln!("preparing {name} failed: {e}");
                    None
                }
            };
            db.close().await;
            if let Err(e) = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await
            {
                eprintln!("note: could not drop the test database {name}: {e}");
            }
            let _ = admin.close().await;
            finish(outcome.expect("the test database prepares"));
        }
    }
}

/// Passes a panic of the test task on to the test harness.
fn finish(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the test task did not finish: {e}"),
        }
    }
}

/// The server URL with its database replaced by `name` (query parameters kept).
pub fn database_url(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[test]
fn database_url_replaces_only_the_database() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:55433/postgres", "t1"),
        "postgres://postgres@127.0.0.1:55433/t1"
    );
    assert_eq!(
        database_url("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        database_url("postgres://h:5432", "t3"),
        "postgres://h:5432/t3"
    );
}
