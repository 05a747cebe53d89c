//! The versions of what a view of many deals or records shows (migrations 0009 and 0012): read
//! with the caller on every request, kept with a view, and compared on the next request to tell
//! whether the view may be served again.

/// Which view versions a sign-in reads with the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// None: the caller alone.
    None,
    /// The `'all'` version only: for pages that keep copies of what only `'all'` moves (the
    /// processes, the people).
    All,
    /// The `'all'` version and the deals the caller sees ([`ViewVersion`]): for kept boards and
    /// deal lists.
    Deals,
    /// The `'all'` version and the records of one kind ([`ViewVersion`]): for kept record lists.
    Records(RecordKind),
}

/// The kinds of record whose lists are kept, each with its key in `view_versions` (migration
/// 0012): it moves with every change of a record of the kind, and the accounts' with a deal's
/// account too. A contact list's version adds the accounts' (its page offers them as a filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Account,
    Contact,
    Lead,
    Activity,
}

/// Where what a kept view shows stands. Equal twice only if nothing the view shows changed in
/// between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct ViewVersion {
    /// Processes, stages, people, teams, shares and account names: also who sees which records.
    pub all: i64,
    /// What the view lists: the sum of the versions of the owners and teams whose deals the
    /// viewer sees (a board, a deal list: `deals_version!`, in `visibility`), or the version of a
    /// kind of record (a record list).
    pub part: i64,
}
