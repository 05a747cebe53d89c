//! The versions of what a view of many deals shows (migration 0009): read with the caller on
//! every request, kept with a view, and compared on the next request to tell whether the view
//! may be served again.

/// Which view versions a sign-in reads with the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// None: the caller alone.
    None,
    /// The `'all'` version only: for pages that keep copies of what only `'all'` moves (the
    /// processes, the people).
    All,
    /// The `'all'` version and the deals the caller sees ([`DealsVersion`]): for kept boards and
    /// deal lists.
    Deals,
}

/// Where the deals a viewer may see stand, with everything else a board shows. Equal twice only
/// if nothing the viewer's board shows changed in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct DealsVersion {
    /// Processes, stages, people, teams, shares and account names: also who sees which deals.
    pub all: i64,
    /// The sum of the versions of the owners and teams whose deals the viewer sees.
    pub deals: i64,
}

/// The columns `all` and `deals` of the [`DealsVersion`] of the viewer whose id, role and team are
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
            ")), 0) AS BIGINT) AS deals"
        )
    };
}
