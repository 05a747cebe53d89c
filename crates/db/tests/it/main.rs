//! The storage conformance suite: one set of tests driving the repository API, run on SQLite
//! always and on PostgreSQL when `OPPORTUNE_TEST_POSTGRES_URL` is set (see `backend`).
//!
//! Each module lists its tests in `conformance!`, which makes `<module>::sqlite::<test>` and
//! `<module>::postgres::<test>`; `cargo test -p opportune-db --test it sqlite` runs one backend.

/// For each named `async fn(Db)` in the module, a test on SQLite and one on PostgreSQL.
macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::backend::run(crate::backend::Backend::Sqlite, super::$name).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::backend::run(crate::backend::Backend::Postgres, super::$name).await;
                }
            )+
        }
    };
}

mod administration;
mod backend;
mod board;
mod bulk;
mod fixtures;
mod migration;
mod opportunities;
mod paging;
mod people;
mod processes;
mod records;
mod versions;
mod visibility;
mod writes;
