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
    /// viewer sees (a board, a deal list), or the version of a kind of record (a record list).
    pub part: i64,
}

/// The columns `all` and `part` of the [`ViewVersion`] of the viewer whose id, role and team are
/// the SQL expressions `$id`, `$role` and `$team`, by the rule of `controls!`: an admin sees every
/// owner's deals, a manager the deals held by the teams of their subtree and their own, a rep
/// their own; and all see the deals shared with them, whose owners are summed too.
#[macro_export]
macro_rules! deals_version {
    ($id:literal, $role:literal, $team:literal) => {
        concat!(
            "(SELECT version FROM view_versions WHERE scope = 'all' AND id = 0) AS \"all\", ",
            "CAST(COALESCE((SELECT SUM(version) FROM view_versions WHERE scope = 'owner' AND (",
            $role,
            " = 'admin' OR id = ",
            $id,
            " OR id IN (SELECT d.owner_id FROM shares s JOIN opportunities d ON d.id = s.record_id WHERE s.user_id = ",
            $id,
            " AND s.record_kind = 'opportunity'))), 0) + COALESCE((SELECT SUM(version) FROM view_versions WHERE scope = 'team' AND ",
            $role,
            " = 'manager' AND id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = ",
            $team,
            ")), 0) AS BIGINT) AS part"
        )
    };
}
