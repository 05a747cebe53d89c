//! Who may see a record and who controls it (SPEC §1), and every SQL text that says so.
//!
//! **The rule.** An admin sees and controls every record. A record's owner controls it. A
//! manager controls the records whose team lies in the subtree of their own team, found through
//! `team_closure` (every ancestor/descendant pair of the team tree; a team is in its own
//! subtree); a record's team is its owner's team. Whoever controls a record may see, edit,
//! delete and share it. Besides, a user sees, read only, the records shared with them (`shares`)
//! and what hangs on them: a shared account's contacts, a shared deal's account and activities.
//! A record the viewer cannot see does not exist for them (404, never 403).
//!
//! Every text below takes the viewer as the fixed parameters `$1` (user id), `$2` (role) and
//! `$3` (team), bound first by [`bind_viewer!`]; a query's own parameters start at `$4`.
//!
//! **Its forms.** The rule is written several times, each for a reason of performance, and all
//! of them live in this module so that one test ([`tests`]) can hold each to the rule:
//!
//! - [`controls!`]: one text for every viewer, for the writes (`UPDATE … WHERE id = $n AND`
//!   it) and the `editable` column. A write or read of one record finds it by its key, so one
//!   text for all roles costs nothing there.
//! - [`sees!`] (built by [`visible!`] from `controls!` and the ways in through shares,
//!   [`shared_ids!`] and [`deal_shared_accounts!`]): one text for every viewer, for the reads of
//!   one record, the parts of a deal, and the share checks.
//! - [`for_role`] (with [`shared`] and, for a rep, [`rep_own`] and [`rep_only_shared`]): the
//!   same rule written for the viewer's role only, for the lists and boards. One text with
//!   `$2 = 'admin' OR …` left the planners no index to use, so every list read its whole table
//!   (docs/PERFORMANCE.md, fixes 1 and 7); each term here can be read from an index on the
//!   owner or the team, and a rep's own records are read apart from those only shared with them
//!   (fix 27). The id lists are written for each planner ([`crate::scope::among`]).
//! - [`counted_owners`] and [`only_shared`]: the owners whose `record_counts` rows (kept by
//!   triggers) a list's total sums, plus the records only shared with the viewer, counted one
//!   by one (fix 7). [`totals_owners`] and [`only_shared_deals`] do the same for the board's
//!   column heads from `board_totals` (fix 28). A record's team is its owner's, so the team
//!   subtree becomes its members ([`subtree_owners!`]).
//! - [`deals_version!`]: the version of the deals a viewer sees, for kept boards and deal lists
//!   (`versions`): the sum of the versions of the owners and teams whose deals they see, which
//!   triggers move with every change of a deal.

use crate::Db;
use crate::scope::among;
use opportune_core::records::Role;

/// Binds the viewer as `$1..$3`, the fixed parameters of every text of this module.
#[macro_export]
macro_rules! bind_viewer {
    ($q:expr, $v:expr) => {
        $q.bind($v.user_id).bind($v.role.as_str()).bind($v.team_id)
    };
}

/// Who controls a record aliased `$a`: admins, its owner, and the managers of its team
/// subtree. They may see, edit, delete and share it. One text for every viewer.
#[macro_export]
macro_rules! controls {
    ($a:literal) => {
        concat!(
            "($2 = 'admin' OR ",
            $a,
            ".owner_id = $1 OR ($2 = 'manager' AND ",
            $a,
            ".team_id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = $3)))"
        )
    };
}

/// The ids of the `kind` records shared with the viewer `$1`.
#[macro_export]
macro_rules! shared_ids {
    ($kind:literal) => {
        concat!(
            "SELECT record_id FROM shares WHERE user_id = $1 AND record_kind = '",
            $kind,
            "'"
        )
    };
}

/// The accounts of the deals shared with the viewer `$1`: they need to know the customer.
#[macro_export]
macro_rules! deal_shared_accounts {
    () => {
        "SELECT d.account_id FROM shares s JOIN opportunities d ON d.id = s.record_id WHERE s.user_id = $1 AND s.record_kind = 'opportunity'"
    };
}

/// Who may see a record aliased `$a`: those who [`controls!`] it, and those it is shared with
/// (read only). Each `column => ids` pair makes the record visible when `column` holds one of
/// the ids the subquery `ids` selects (an activity through its shared deal, a contact through
/// its shared account).
#[macro_export]
macro_rules! visible {
    ($a:literal, $($col:literal => $ids:expr),+) => {
        concat!("(", $crate::controls!($a), $(" OR ", $col, " IN (", $ids, ")",)+ ")")
    };
}

/// Who may see a record of each kind, aliased `o`, as one text for every viewer: for the reads
/// of one record and the share checks. The ways in through shares are those of
/// [`Kind::shared`].
#[macro_export]
macro_rules! sees {
    (account) => {
        $crate::visible!("o", "o.id" => $crate::shared_ids!("account"), "o.id" => $crate::deal_shared_accounts!())
    };
    (contact) => {
        $crate::visible!("o", "o.id" => $crate::shared_ids!("contact"), "o.account_id" => $crate::shared_ids!("account"))
    };
    (lead) => {
        $crate::visible!("o", "o.id" => $crate::shared_ids!("lead"))
    };
    (opportunity) => {
        $crate::visible!("o", "o.id" => $crate::shared_ids!("opportunity"))
    };
    (activity) => {
        $crate::visible!("o", "o.opportunity_id" => $crate::shared_ids!("opportunity"))
    };
}

/// The columns `all` and `part` of the [`crate::versions::ViewVersion`] of the viewer whose id,
/// role and team are the SQL expressions `$id`, `$role` and `$team` (a sign-in reads it with the
/// caller): an admin sums every owner's version, a manager their own and their team subtree's
/// teams', a rep their own; and all the owners of the deals shared with them (which moves with
/// more than those deals, never with less).
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

/// The users whose team lies in the subtree of the team `$team` (an SQL expression): the owners
/// of that subtree's records, for the tables kept per owner.
macro_rules! subtree_owners {
    ($team:literal) => {
        concat!(
            "SELECT u.id FROM users u WHERE u.team_id IN (SELECT descendant_id FROM team_closure WHERE ancestor_id = ",
            $team,
            ")"
        )
    };
}
pub(crate) use subtree_owners;

/// The kinds of record a list reads, for their visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Account,
    Contact,
    Lead,
    Opportunity,
    Activity,
}

impl Kind {
    /// The table of this kind and its name in `record_counts` (which does not count deals:
    /// `board_totals` does).
    pub(crate) fn counted(self) -> (&'static str, &'static str) {
        match self {
            Kind::Account => ("accounts", "account"),
            Kind::Contact => ("contacts", "contact"),
            Kind::Lead => ("leads", "lead"),
            Kind::Opportunity => ("opportunities", "opportunity"),
            Kind::Activity => ("activities", "activity"),
        }
    }

    /// The ways into a record of this kind through shares: the record is visible when the
    /// column holds one of the ids the subquery selects. The same pairs as [`sees!`].
    fn shared(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Account => &[
                ("o.id", shared_ids!("account")),
                ("o.id", deal_shared_accounts!()),
            ],
            Kind::Contact => &[
                ("o.id", shared_ids!("contact")),
                ("o.account_id", shared_ids!("account")),
            ],
            Kind::Lead => &[("o.id", shared_ids!("lead"))],
            Kind::Opportunity => &[("o.id", shared_ids!("opportunity"))],
            Kind::Activity => &[("o.opportunity_id", shared_ids!("opportunity"))],
        }
    }
}

/// Who may see a record of `kind` aliased `o` (`None`: not counting shares, i.e. who controls
/// it), for the viewer's role only: the rep's own records, a manager's and their team
/// subtree's, everything for an admin, and the records shared with the viewer. Each term can be
/// read from an index on the owner or team.
pub(crate) fn for_role(db: &Db, role: Role, kind: Option<Kind>) -> String {
    let shares = kind.map_or_else(String::new, |kind| format!(" OR {}", shared(db, kind)));
    match role {
        Role::Admin => "TRUE".to_owned(),
        Role::Manager => format!(
            "(o.owner_id = $1 OR {}{shares})",
            among(
                db,
                "o.team_id",
                "SELECT descendant_id FROM team_closure WHERE ancestor_id = $3"
            )
        ),
        Role::Rep => format!("(o.owner_id = $1{shares})"),
    }
}

/// The ways into a record of `kind` through shares, as one `OR` of [`among`] terms.
pub(crate) fn shared(db: &Db, kind: Kind) -> String {
    kind.shared()
        .iter()
        .map(|(column, ids)| among(db, column, ids))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A rep's own records: with [`rep_only_shared`], [`for_role`] of a rep in two parts that do not
/// overlap, so that their own can be read from the owner's index in a list's order.
pub(crate) const fn rep_own() -> &'static str {
    "o.owner_id = $1"
}

/// The records of `kind` only shared with a rep (see [`rep_own`]).
pub(crate) fn rep_only_shared(db: &Db, kind: Kind) -> String {
    format!("o.owner_id <> $1 AND ({})", shared(db, kind))
}

/// The owners, aliased `t.owner_id`, whose rows of a table kept per owner (`record_counts`)
/// hold the records the viewer controls, as ` AND …` (nothing for an admin).
pub(crate) fn counted_owners(role: Role) -> &'static str {
    match role {
        Role::Admin => "",
        Role::Manager => concat!(
            " AND (t.owner_id = $1 OR t.owner_id IN (",
            subtree_owners!("$3"),
            "))"
        ),
        Role::Rep => " AND t.owner_id = $1",
    }
}

/// The records of `kind` aliased `o` shared with the viewer that they do not control: what a
/// count from the owners' rows ([`counted_owners`]) leaves out. Not for an admin.
pub(crate) fn only_shared(db: &Db, role: Role, kind: Kind) -> String {
    format!(
        "({}) AND NOT COALESCE({}, FALSE)",
        shared(db, kind),
        for_role(db, role, None)
    )
}

/// The owners, aliased `t.owner_id`, whose rows of `board_totals` hold the deals the viewer
/// controls, as one list of owners for a manager (PostgreSQL then reads them from an index,
/// where `OR … IN` had it scan or re-check the table, docs/PERFORMANCE.md fix 28); `None` for an
/// admin (every row).
pub(crate) fn totals_owners(db: &Db, role: Role) -> Option<String> {
    match role {
        Role::Admin => None,
        Role::Manager => Some(among(
            db,
            "t.owner_id",
            concat!("SELECT $1 UNION ALL ", subtree_owners!("$3")),
        )),
        Role::Rep => Some("t.owner_id = $1".to_owned()),
    }
}

/// The deals aliased `o` shared with the viewer that they do not control: what the board's
/// totals from the owners' rows ([`totals_owners`]) leave out. Not for an admin.
pub(crate) fn only_shared_deals(db: &Db, role: Role) -> String {
    format!(
        concat!(
            "o.id IN (",
            shared_ids!("opportunity"),
            ") AND NOT COALESCE({}, FALSE)"
        ),
        for_role(db, role, None)
    )
}

#[cfg(test)]
mod tests {
    //! The rule, stated once more as the test's own oracle over a small organization, and every
    //! form above held to it: each must say the same about every record of every kind, for a
    //! viewer of each role.

    use super::*;
    use crate::accounts::{self, AccountInput};
    use crate::activities::{self, ActivityInput};
    use crate::contacts::{self, ContactInput};
    use crate::leads::{self, LeadInput};
    use crate::opportunities::{self, OppFilter, OppInput};
    use crate::shares::{self, ShareKind};
    use crate::users::{self, NewUser};
    use crate::{Viewer, processes, read, scope, write};
    use chrono::NaiveDate;
    use opportune_core::records::{AccountStatus, ActivityKind, LeadStatus, OppStatus};
    use sqlx::{AssertSqlSafe, Connection};
    use std::collections::BTreeSet;

    const KINDS: [Kind; 5] = [
        Kind::Account,
        Kind::Contact,
        Kind::Lead,
        Kind::Opportunity,
        Kind::Activity,
    ];

    /// The people, by their place in [`Org::people`].
    const ADMIN: usize = 0;
    const MGR_EAST: usize = 1;
    const REP_EAST: usize = 2;
    const REP_SH: usize = 3;
    const MGR_WEST: usize = 4;
    const REP_WEST: usize = 5;

    /// ```text
    /// HQ (admin)
    /// ├── East (mgr_east, rep_east)
    /// │   └── Shanghai (rep_sh)
    /// └── West (mgr_west, rep_west)
    /// ```
    /// Each person owns one record of each kind: an account, a contact and a deal at it, an
    /// activity about the deal, a lead.
    struct Org {
        /// Each team with its parent.
        teams: Vec<(i64, Option<i64>)>,
        people: Vec<Viewer>,
        /// Each person's records, in the order of [`KINDS`].
        records: Vec<[i64; 5]>,
        /// (with whom, what, whose), by place in `people`.
        shares: Vec<(usize, ShareKind, usize)>,
    }

    /// Every way in through a share (each distinct, so that each is needed), and shares of
    /// records the viewer controls anyway (which no count may count twice), one of them their
    /// own (a share that outlived a change of owner).
    const SHARES: [(usize, ShareKind, usize); 9] = [
        (REP_EAST, ShareKind::Account, REP_WEST),
        (REP_EAST, ShareKind::Opportunity, MGR_WEST),
        (MGR_EAST, ShareKind::Contact, REP_WEST),
        (REP_SH, ShareKind::Lead, REP_WEST),
        (MGR_WEST, ShareKind::Opportunity, REP_SH),
        (REP_WEST, ShareKind::Account, ADMIN),
        (MGR_EAST, ShareKind::Lead, REP_SH),
        (MGR_EAST, ShareKind::Opportunity, REP_EAST),
        (REP_SH, ShareKind::Account, REP_SH),
    ];

    fn place(kind: Kind) -> usize {
        KINDS.iter().position(|k| *k == kind).unwrap_or_default()
    }

    impl Org {
        /// Whether `team` lies in the subtree of `of`.
        fn in_subtree(&self, team: Option<i64>, of: Option<i64>) -> bool {
            let mut at = team;
            while let Some(t) = at {
                if Some(t) == of {
                    return true;
                }
                at = self.teams.iter().find(|(id, _)| *id == t).and_then(|x| x.1);
            }
            false
        }

        /// The rule (SPEC §1): the records of `kind` that `viewer` controls, and with `shared`
        /// also those shared with them.
        fn sees(&self, viewer: usize, kind: Kind, shared: bool) -> BTreeSet<i64> {
            let v = self.people[viewer];
            (0..self.people.len())
                .filter(|&owner| {
                    let o = self.people[owner];
                    let controls = v.role == Role::Admin
                        || owner == viewer
                        || (v.role == Role::Manager && self.in_subtree(o.team_id, v.team_id));
                    let has = |k| self.shares.contains(&(viewer, k, owner));
                    let through_share = match kind {
                        Kind::Account => has(ShareKind::Account) || has(ShareKind::Opportunity),
                        Kind::Contact => has(ShareKind::Contact) || has(ShareKind::Account),
                        Kind::Lead => has(ShareKind::Lead),
                        Kind::Opportunity | Kind::Activity => has(ShareKind::Opportunity),
                    };
                    controls || (shared && through_share)
                })
                .map(|owner| self.records[owner][place(kind)])
                .collect()
        }
    }

    async fn org(db: &Db) -> Org {
        let mut tx = db.begin().await.expect("begin");
        let mut teams: Vec<(i64, Option<i64>)> = Vec::new();
        for (name, parent) in [
            ("HQ", None),
            ("East", Some(0)),
            ("Shanghai", Some(1)),
            ("West", Some(0)),
        ] {
            let parent = parent.map(|p: usize| teams[p].0);
            let id = users::create_team(&mut tx, name, parent)
                .await
                .expect("team");
            teams.push((id, parent));
        }
        let mut people = Vec::new();
        for (email, role, team) in [
            ("admin@example.com", Role::Admin, 0),
            ("mgr_east@example.com", Role::Manager, 1),
            ("rep_east@example.com", Role::Rep, 1),
            ("rep_sh@example.com", Role::Rep, 2),
            ("mgr_west@example.com", Role::Manager, 3),
            ("rep_west@example.com", Role::Rep, 3),
        ] {
            let team_id = Some(teams[team].0);
            let user_id = users::create(
                &mut tx,
                &NewUser {
                    email,
                    name: email,
                    password_hash: "not-a-real-hash",
                    role,
                    team_id,
                },
            )
            .await
            .expect("user");
            people.push(Viewer {
                user_id,
                role,
                team_id,
            });
        }
        tx.commit().await.expect("commit the organization");
        let process = processes::list(db).await.expect("processes").remove(0);
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date");
        let mut records = Vec::new();
        for v in &people {
            let name = format!("of {}", v.user_id);
            let account = accounts::create(
                db,
                v,
                &AccountInput {
                    name: name.clone(),
                    status: AccountStatus::Prospect,
                    owner_id: v.user_id,
                    ..AccountInput::default()
                },
            )
            .await
            .expect("account")
            .id;
            let contact = contacts::create(
                db,
                v,
                &ContactInput {
                    account_id: account,
                    name: name.clone(),
                    owner_id: v.user_id,
                    ..ContactInput::default()
                },
            )
            .await
            .expect("contact")
            .id;
            let lead = leads::create(
                db,
                v,
                &LeadInput {
                    name: name.clone(),
                    status: LeadStatus::New,
                    owner_id: v.user_id,
                    ..LeadInput::default()
                },
            )
            .await
            .expect("lead")
            .id;
            let deal = opportunities::create(
                db,
                v,
                &OppInput {
                    account_id: account,
                    name: name.clone(),
                    owner_id: v.user_id,
                    amount_minor: 100,
                    expected_close_date: day,
                    certainty: 0,
                    certainty_evidence: 0,
                    smart_goal: String::new(),
                    source: String::new(),
                    competitors: String::new(),
                    status: OppStatus::Open,
                    close_reason: String::new(),
                    tracked: false,
                    grade: None,
                    first_meeting_date: None,
                    next_review_date: None,
                },
                process.row.id,
                process.stages[0].row.id,
                "CNY",
            )
            .await
            .expect("deal")
            .id;
            let activity = activities::create(
                db,
                v,
                &ActivityInput {
                    opportunity_id: Some(deal),
                    account_id: account,
                    contact_id: None,
                    kind: ActivityKind::Call,
                    occurred_on: day,
                    participants: String::new(),
                    notes: String::new(),
                    outcome: String::new(),
                    next_step: String::new(),
                    next_step_date: None,
                    owner_id: v.user_id,
                },
            )
            .await
            .expect("activity")
            .id;
            records.push([account, contact, lead, deal, activity]);
        }
        for (with, kind, whose) in SHARES {
            let record = match kind {
                ShareKind::Account => records[whose][0],
                ShareKind::Contact => records[whose][1],
                ShareKind::Lead => records[whose][2],
                ShareKind::Opportunity => records[whose][3],
            };
            if with == whose {
                let mut tx = db.begin().await.expect("begin");
                write!(&mut tx, c => sqlx::query("INSERT INTO shares (record_kind, record_id, user_id, granted_by, created_at) VALUES ($1, $2, $3, $3, $4)")
                    .bind(kind.as_str()).bind(record).bind(people[with].user_id).bind(crate::now())
                    .execute(c).await.map(|r| r.rows_affected()))
                .expect("a share with the owner");
                tx.commit().await.expect("commit");
            } else {
                shares::add(db, &people[whose], kind, record, people[with].user_id)
                    .await
                    .expect("share");
            }
        }
        Org {
            teams,
            people,
            records,
            shares: SHARES.to_vec(),
        }
    }

    /// The ids of the records of `table` aliased `o` that `clause` admits for `v`.
    async fn ids(db: &Db, v: &Viewer, table: &str, clause: &str) -> BTreeSet<i64> {
        let sql = AssertSqlSafe(format!("SELECT o.id FROM {table} o WHERE {clause}"));
        let ids: Vec<i64> =
            read!(db, c => crate::bind_viewer!(sqlx::query_scalar(sql), v).fetch_all(c).await)
                .expect("the clause reads");
        ids.into_iter().collect()
    }

    fn sees(kind: Kind) -> &'static str {
        match kind {
            Kind::Account => crate::sees!(account),
            Kind::Contact => crate::sees!(contact),
            Kind::Lead => crate::sees!(lead),
            Kind::Opportunity => crate::sees!(opportunity),
            Kind::Activity => crate::sees!(activity),
        }
    }

    /// The `part` of the viewer's deals version ([`deals_version!`]), as a sign-in reads it.
    async fn deals_part(db: &Db, v: &Viewer) -> i64 {
        const SQL: &str = concat!(
            "SELECT ",
            deals_version!("u.id", "u.role", "u.team_id"),
            " FROM users u WHERE u.id = $1"
        );
        let (_, part): (i64, i64) =
            read!(db, c => sqlx::query_as(SQL).bind(v.user_id).fetch_one(c).await)
                .expect("the version reads");
        part
    }

    /// Every form of the rule against the oracle, for each person and kind.
    async fn every_form_holds(db: Db) {
        let org = org(&db).await;
        let db = &db;
        for (p, v) in org.people.iter().enumerate() {
            for kind in KINDS {
                let at = format!("{} {:?} {p} {kind:?}", db.backend(), v.role);
                let table = kind.counted().0;
                let want = org.sees(p, kind, true);
                let controlled = org.sees(p, kind, false);
                assert_eq!(ids(db, v, table, sees(kind)).await, want, "sees!: {at}");
                let listed = ids(db, v, table, &for_role(db, v.role, Some(kind))).await;
                assert_eq!(listed, want, "for_role: {at}");
                let written = ids(db, v, table, controls!("o")).await;
                assert_eq!(written, controlled, "controls!: {at}");
                let unshared = ids(db, v, table, &for_role(db, v.role, None)).await;
                assert_eq!(unshared, controlled, "for_role without shares: {at}");
                if v.role == Role::Rep {
                    let own = ids(db, v, table, rep_own()).await;
                    let only = ids(db, v, table, &rep_only_shared(db, kind)).await;
                    assert!(own.is_disjoint(&only), "a rep's parts overlap: {at}");
                    assert_eq!(&own | &only, want, "a rep's parts: {at}");
                }
                let counted = if kind == Kind::Opportunity {
                    let f = OppFilter::default();
                    let scanned: i64 = opportunities::stage_sums_scanned(db, v, &f)
                        .await
                        .expect("the deals are summed")
                        .iter()
                        .map(|s| s.count)
                        .sum();
                    assert_eq!(
                        scanned,
                        i64::try_from(want.len()).unwrap_or(-1),
                        "deals summed: {at}"
                    );
                    opportunities::stage_sums(db, v, &f)
                        .await
                        .expect("the totals are summed")
                        .iter()
                        .map(|s| s.count)
                        .sum()
                } else {
                    scope::count_visible(db, v, kind, None)
                        .await
                        .expect("the records are counted")
                        .matches
                };
                assert_eq!(
                    counted,
                    i64::try_from(want.len()).unwrap_or(-1),
                    "counted: {at}"
                );
            }
        }
        // A kept view of deals may be served again only while its version stands: a change of any
        // deal the viewer sees must move it, and here (one deal per owner) no other change does.
        for (owner, records) in org.records.iter().enumerate() {
            let deal = records[place(Kind::Opportunity)];
            let mut before = Vec::new();
            for v in &org.people {
                before.push(deals_part(db, v).await);
            }
            let mut tx = db.begin().await.expect("begin");
            write!(&mut tx, c => sqlx::query("UPDATE opportunities SET amount_minor = amount_minor + 1 WHERE id = $1")
                .bind(deal).execute(c).await.map(|r| r.rows_affected())).expect("the deal changes");
            tx.commit().await.expect("commit");
            for (p, v) in org.people.iter().enumerate() {
                let moved = deals_part(db, v).await != before[p];
                let seen = org.sees(p, Kind::Opportunity, true).contains(&deal);
                assert_eq!(
                    moved,
                    seen,
                    "deals_version!: {} {:?} {p}, the deal of {owner}",
                    db.backend(),
                    v.role
                );
            }
        }
    }

    #[tokio::test]
    async fn every_form_of_the_rule_says_who_sees_what() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::connect(None, dir.path()).await.expect("SQLite opens");
        crate::prepare(&db).await.expect("SQLite prepares");
        every_form_holds(db.clone()).await;
        db.close().await;
        // And on PostgreSQL, whose lists write their id lists for its planner, when there is one
        // to test on (a database of its own, dropped after).
        let Ok(server) = std::env::var("OPPORTUNE_TEST_POSTGRES_URL") else {
            return;
        };
        let name = format!("opp_visibility_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .expect("the PostgreSQL test server accepts connections");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("a database for the test");
        let (base, query) = server.split_once('?').unwrap_or((&server, ""));
        let at = base.find("://").map_or(0, |i| i + 3);
        let host = base[at..].find('/').map_or(base, |i| &base[..at + i]);
        let url = format!(
            "{host}/{name}{}{query}",
            if query.is_empty() { "" } else { "?" }
        );
        let db = Db::connect(Some(&url), std::path::Path::new("."))
            .await
            .expect("the test database opens");
        let prepared = crate::prepare(&db).await;
        let outcome = match &prepared {
            Ok(()) => tokio::spawn(every_form_holds(db.clone())).await,
            Err(_) => Ok(()),
        };
        db.close().await;
        let _ = sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
        prepared.expect("the test database prepares");
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}
