//! The HTTP integration suite: the application served in-process on a free port, driven with a
//! real HTTP client, on a fresh SQLite database per test and, when
//! `OPPORTUNE_TEST_POSTGRES_URL` is set, again on a fresh PostgreSQL database per test.
//!
//! Each module lists its tests in `http_tests!`, which makes `<module>::sqlite::<test>` and
//! `<module>::postgres::<test>`.

/// For each named `async fn(TestApp)` in the module, a test on SQLite and one on PostgreSQL.
macro_rules! http_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::helpers::run(crate::backend::Backend::Sqlite, super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::helpers::run(crate::backend::Backend::Postgres, super::$name).await;
                }
            )+
        }
    };
}

/// The storage suite's backends, shared so both suites run on the same kinds of database.
#[path = "../../../db/tests/it/backend.rs"]
mod backend;

mod admin_users;
mod api_contract;
mod auth;
mod board;
mod convert;
mod helpers;
mod history;
mod kept_boards;
mod logs;
mod pages;
mod records;
mod sharing;
mod stages;
mod visibility;
