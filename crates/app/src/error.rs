//! The one error of the operations. Its stale case carries the record as it now stands, as a
//! domain value: each surface shows it in its own shape (the API's JSON, the page's form).

use opportune_core::FieldErrors;
use opportune_db::DbError;
use opportune_db::accounts::Account;
use opportune_db::activities::Activity;
use opportune_db::contacts::Contact;
use opportune_db::leads::Lead;
use opportune_db::opportunities::Opportunity;
use opportune_db::org::OrgSettings;
use opportune_db::users::{TeamNode, UserRecord};

/// What went wrong inside, for the log: any error, with the errors it wraps.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record, or not one the viewer may see.
    #[error("not found")]
    NotFound,
    /// The viewer may not do this (e.g. a rep administering users).
    #[error("forbidden")]
    Forbidden,
    /// The record is shared with the viewer to read only.
    #[error("read only")]
    ReadOnly,
    /// The record changed since the version the viewer read: here it is as it stands now
    /// (none when it could not be read again).
    #[error("stale version")]
    Stale(Option<Box<Current>>),
    /// A stage move was refused.
    #[error("move refused: {}", .0.code)]
    Refused(Refusal),
    /// The record is still referenced by others.
    #[error("in use")]
    InUse,
    /// Values that parse but are not acceptable, by field.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// A failure inside, kept whole (its `source()` chain) for the log, never shown.
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl Error {
    /// A failure inside, which the log will show with its whole chain.
    pub fn internal(cause: impl Into<Cause>) -> Error {
        Error::Internal(cause.into())
    }

    /// One field's problem.
    pub fn invalid(field: &'static str, code: &'static str) -> Error {
        let mut e = FieldErrors::new();
        e.add(field, code);
        Error::Invalid(e)
    }

    /// Stale, with the record as it stands now.
    pub fn stale(current: impl Into<Current>) -> Error {
        Error::Stale(Some(Box::new(current.into())))
    }
}

/// A record as it stands, carried by a stale edit's refusal.
#[derive(Debug, Clone)]
pub enum Current {
    Opportunity(Opportunity),
    Account(Account),
    Contact(Contact),
    Lead(Lead),
    Activity(Activity),
    User(UserRecord),
    Team(TeamNode),
    Settings(OrgSettings),
}

macro_rules! current_from {
    ($($kind:ident),+) => {
        $(impl From<$kind> for Current {
            fn from(r: $kind) -> Current {
                Current::$kind(r)
            }
        })+
    };
}
current_from!(Opportunity, Account, Contact, Lead, Activity);

impl From<UserRecord> for Current {
    fn from(r: UserRecord) -> Current {
        Current::User(r)
    }
}

impl From<TeamNode> for Current {
    fn from(r: TeamNode) -> Current {
        Current::Team(r)
    }
}

impl From<OrgSettings> for Current {
    fn from(r: OrgSettings) -> Current {
        Current::Settings(r)
    }
}

/// Why a stage move was refused.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// `same_stage`, `other_process`, `closed` or `criteria_unmet`.
    pub code: &'static str,
    /// The unmet entry criteria of each stage the move would enter, in order.
    pub unmet: Vec<UnmetStage>,
}

/// A stage a refused move would enter, with its entry criteria not met.
#[derive(Debug, Clone)]
pub struct UnmetStage {
    pub stage_id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// The unmet criteria, as (id, zh, en).
    pub criteria: Vec<(i64, String, String)>,
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => Error::NotFound,
            DbError::Stale => Error::Stale(None),
            DbError::InUse => Error::InUse,
            DbError::ReadOnly => Error::ReadOnly,
            DbError::Field(field, code) => Error::invalid(field, code),
            DbError::Duplicate(field) => Error::invalid(field, "duplicate"),
            DbError::Cycle => Error::invalid("parent_id", "cycle"),
            other => Error::internal(other),
        }
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Self {
        Error::Invalid(e)
    }
}
