//! Opportune's application layer: the operations the pages, the JSON API and the command line
//! share. An operation takes the [`App`] (the database and the copies every request reads), the
//! viewer and raw input; it validates the input into domain types, authorises, applies the
//! rules of `opportune-core`, writes through `opportune-db` in one transaction (recording the
//! deal's history), and answers with domain values or one [`Error`]. It imports neither
//! surface: each surface turns the answer into its own response (docs/ARCHITECTURE.md,
//! "Layers").

use opportune_core::board::Calendar;
use opportune_core::records::Locale;
use opportune_db::org::OrgSettings;
use opportune_db::processes::Process;
use opportune_db::users::Person;
use opportune_db::{Db, DbError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub mod admin;
pub mod board;
pub mod convert;
pub mod deals;
mod error;
pub mod forms;
pub mod passwords;
pub mod records;

pub use error::{Current, Error, Refusal, UnmetStage};

/// What every operation reads besides its input: the database, and copies of what every request
/// needs that are served only while the versions the database keeps say they are current (the
/// processes, the people), or re-read every `ORG_TTL` (the organization settings): so any
/// number of servers can run behind one load balancer.
#[derive(Clone)]
pub struct App {
    pub db: Db,
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
    /// The copy read after the caller's `'all'` version `all` (read at sign-in) when that still
    /// stands (a copy read after it is at least as new), else what `read` gives, kept for the
    /// next caller at `all`. Without a version, read and not kept.
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

impl App {
    /// Loads the organization settings the operations need from a prepared database.
    pub async fn load(db: Db) -> Result<App, DbError> {
        let org = opportune_db::org::get(&db).await?;
        Ok(App {
            db,
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

    /// The process `id` (active or not) from [`processes`](App::processes).
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

    /// Today in the organization's time zone, with its fiscal year's first month: what close
    /// periods are reckoned from.
    pub async fn calendar(&self) -> Calendar {
        let org = self.org().await;
        Calendar {
            today: org.today(),
            fiscal_start_month: org.fiscal_year_start_month.clamp(1, 12) as u32,
        }
    }

    /// The organization's default language.
    pub async fn org_locale(&self) -> Locale {
        Locale::parse(&self.org().await.locale).unwrap_or(Locale::ZhCn)
    }
}
