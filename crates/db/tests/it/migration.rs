//! Migration 0013 on a database that already has history: a deal and its events written in the
//! shape of 0012 (the stage only on the creation, from/to as text) get the deal's state after
//! each event, and the history replays to the deal. On SQLite, and on PostgreSQL when
//! `OPPORTUNE_TEST_POSTGRES_URL` is set.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use opportune_core::history::EventKind as K;
use opportune_core::history::{ActorKind, EventKind};
use opportune_core::records::OppStatus;
use opportune_core::records::OppStatus::{Open, Won};
use opportune_db::Db;
use sqlx::migrate::Migrator;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::path::{Path, PathBuf};

/// The migrations of `backend` before 0013, copied into `dir`.
fn migrations_before_0013(backend: &str, dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let target = dir.join(format!("migrations-{backend}"));
    std::fs::create_dir_all(&target).expect("a folder for the migrations");
    for entry in std::fs::read_dir(&source).expect("the migrations") {
        let path = entry.expect("a migration").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name
            .as_bytes()
            .get(..4)
            .is_some_and(|v| v < b"0013".as_slice())
        {
            std::fs::copy(&path, target.join(name)).expect("copied");
        }
    }
    target
}

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("an instant")
        + Duration::minutes(minutes)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a date")
}

/// Writes, on `$pool`, two reps, an account, a process of two stages and a won deal of rep 902
/// whose history in the old shape says: created at stage 901 for 100 by rep 901, amount to 200,
/// stage 901 → 902, amount to 300, owner 901 → 902, certainty 10 → 30, close date moved out, won.
macro_rules! old_history {
    ($pool:expr) => {{
        let pool = $pool;
        for sql in [
            "INSERT INTO users (id, email, name, password_hash, role, created_at) VALUES (901, 'a@x.cn', 'A', 'h', 'rep', $1), (902, 'b@x.cn', 'B', 'h', 'rep', $1)",
            "INSERT INTO accounts (id, name, owner_id, created_at, updated_at) VALUES (901, 'Hospital', 902, $1, $1)",
        ] {
            sqlx::query(sql).bind(t(0)).execute(pool).await.expect(sql);
        }
        sqlx::query("INSERT INTO processes (id, name_zh, name_en) VALUES (901, '流程', 'Process')")
            .execute(pool)
            .await
            .expect("process");
        sqlx::query("INSERT INTO stages (id, process_id, position, key, name_zh, name_en, probability) VALUES (901, 901, 0, 'a', '一', 'One', 10), (902, 901, 1, 'b', '二', 'Two', 40)")
            .execute(pool)
            .await
            .expect("stages");
        sqlx::query("INSERT INTO opportunities (id, account_id, name, owner_id, amount_minor, expected_close_date, process_id, stage_id, stage_entered_at, certainty, status, closed_at, created_at, updated_at) VALUES (901, 901, 'Deal', 902, 300, $1, 901, 902, $2, 30, 'won', $3, $4, $3)")
            .bind(d(2027, 5, 31))
            .bind(t(3))
            .bind(t(8))
            .bind(t(1))
            .execute(pool)
            .await
            .expect("deal");
        let events: [(i64, &str, Option<&str>, &str); 8] = [
            (1, "created", None, "901"),
            (2, "amount", Some("100"), "200"),
            (3, "stage", Some("901"), "902"),
            (4, "amount", Some("200"), "300"),
            (5, "owner", Some("901"), "902"),
            (6, "certainty", Some("10"), "30"),
            (7, "close_date", Some("2027-03-31"), "2027-05-31"),
            (8, "status", Some("open"), "won"),
        ];
        for (at, kind, from, to) in events {
            sqlx::query("INSERT INTO opportunity_events (opportunity_id, actor_id, at, kind, from_value, to_value) VALUES (901, 901, $1, $2, $3, $4)")
                .bind(t(at))
                .bind(kind)
                .bind(from)
                .bind(to)
                .execute(pool)
                .await
                .expect(kind);
        }
    }};
}

/// An event as the check reads it: kind, stage, probability, amount, owner, certainty, close date
/// and status after it.
type State = (EventKind, i64, i64, i64, i64, i64, NaiveDate, OppStatus);

/// What 0013 must have made of the old history, oldest first, and that it replays.
async fn check(db: &Db) {
    let mut h = opportune_db::history::of_deal(db, 901)
        .await
        .expect("history");
    h.reverse();
    let states: Vec<State> = h
        .iter()
        .map(|e| {
            (
                e.kind,
                e.stage_id,
                e.probability,
                e.amount_minor,
                e.owner_id,
                e.certainty,
                e.expected_close_date,
                e.status,
            )
        })
        .collect();
    let (march, may) = (d(2027, 3, 31), d(2027, 5, 31));
    assert_eq!(
        states,
        [
            (K::Created, 901, 10, 100, 901, 10, march, Open),
            (K::Amount, 901, 10, 200, 901, 10, march, Open),
            (K::Stage, 902, 40, 200, 901, 10, march, Open),
            (K::Amount, 902, 40, 300, 901, 10, march, Open),
            (K::Owner, 902, 40, 300, 902, 10, march, Open),
            (K::Certainty, 902, 40, 300, 902, 30, march, Open),
            (K::CloseDate, 902, 40, 300, 902, 30, may, Open),
            (K::Status, 902, 40, 300, 902, 30, may, Won),
        ]
    );
    assert!(
        h.iter()
            .all(|e| e.actor_id == Some(901) && e.actor_kind == ActorKind::User)
    );
    let report = opportune_db::history::check_replay(db)
        .await
        .expect("replay");
    assert_eq!(
        (report.deals, report.events, report.failed),
        (1, 8, 0),
        "{:?}",
        report.failures
    );
}

#[tokio::test]
async fn sqlite_history_before_0013_gets_its_state() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let old = Migrator::new(migrations_before_0013("sqlite", dir.path()))
        .await
        .expect("the old migrations");
    let file = dir.path().join("opportune.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("SQLite");
    old.run(&pool).await.expect("migrated to 0012");
    old_history!(&pool);
    pool.close().await;
    let db = Db::connect(None, dir.path()).await.expect("opens");
    opportune_db::prepare(&db)
        .await
        .expect("migrates to 0013 and on");
    check(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_history_before_0013_gets_its_state() {
    let Ok(server) = std::env::var(crate::backend::POSTGRES_URL_VAR) else {
        eprintln!("note: the PostgreSQL run is skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let old = Migrator::new(migrations_before_0013("postgres", dir.path()))
        .await
        .expect("the old migrations");
    let name = format!("opp_mig_{:016x}", rand::random::<u64>());
    let mut admin = PgConnection::connect(&server).await.expect("the server");
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("a database");
    let url = crate::backend::database_url(&server, &name);
    let pool = sqlx::PgPool::connect(&url).await.expect("PostgreSQL");
    old.run(&pool).await.expect("migrated to 0012");
    old_history!(&pool);
    pool.close().await;
    let db = Db::connect(Some(&url), Path::new("."))
        .await
        .expect("opens");
    opportune_db::prepare(&db)
        .await
        .expect("migrates to 0013 and on");
    check(&db).await;
    db.close().await;
    let _ = sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}
