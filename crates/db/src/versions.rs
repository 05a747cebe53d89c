//! The versions of what a view of many deals shows (migration 0009): read before a view is
//! built, kept with it, and compared on the next request to tell whether it may be served again.

use crate::{Db, Result, Viewer, bind_viewer, read};

/// Where the deals a viewer may see stand, with everything else a board shows. Equal twice only
/// if nothing the viewer's board shows changed in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct DealsVersion {
    /// Processes, stages, people, teams, shares and account names: also who sees which deals.
    pub all: i64,
    /// The sum of the versions of the owners and teams whose deals the viewer sees.
    pub deals: i64,
}

/// The viewer's [`DealsVersion`], by the rule of `controls!`: an admin sees every owner's deals, a
/// manager the deals held by the teams of their subtree and their own, a rep their own; and all
/// see the deals shared with them, whose owners are summed too.
pub async fn deals(db: &Db, v: &Viewer) -> Result<DealsVersion> {
    const SQL: &str = concat!(
        "SELECT (SELECT version FROM view_versions WHERE scope = 'all' AND id = 0) AS \"all\", ",
        "CAST(COALESCE((SELECT SUM(version) FROM view_versions WHERE scope = 'owner' AND ($2 = 'admin' OR id = $1 OR id IN (",
        "SELECT d.owner_id FROM shares s JOIN opportunities d ON d.id = s.record_id WHERE s.user_id = $1 AND s.record_kind = 'opportunity'",
        "))), 0) + COALESCE((SELECT SUM(version) FROM view_versions WHERE scope = 'team' AND $2 = 'manager' AND id IN (",
        "SELECT descendant_id FROM team_closure WHERE ancestor_id = $3",
        ")), 0) AS BIGINT) AS deals"
    );
    Ok(read!(db, c => bind_viewer!(sqlx::query_as(SQL), v).fetch_one(c).await)?)
}
