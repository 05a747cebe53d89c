//! Who sees what (SPEC §1), enforced in the SQL of every record kind: a rep their own records,
//! a manager their team's subtree (sub-teams included, sibling teams not), an admin everything
//! — on list, get, update and delete alike. Someone else's record is simply not there: updating
//! or deleting it is `NotFound` and leaves it untouched.

use crate::fixtures::{Org, account, activity_input, d, org, process};
use opportune_core::records::{ActivityKind, LeadStatus};
use opportune_db::accounts::{self, AccountFilter, AccountInput};
use opportune_db::activities::{self, ActivityFilter, ActivityInput};
use opportune_db::contacts::{self, ContactFilter, ContactInput};
use opportune_db::leads::{self, LeadFilter, LeadInput};
use opportune_db::opportunities::{self, OppFilter, OppInput, Sort};
use opportune_db::shares::{self, ShareKind};
use opportune_db::{Db, DbError, Paging, Viewer};

/// One kind of record, driven through its repository.
trait Kind {
    /// Creates a record owned by `owner`; returns its id.
    async fn create(db: &Db, owner: &Viewer) -> i64;
    async fn list(db: &Db, v: &Viewer) -> Vec<i64>;
    /// The record's version as `v` reads it.
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError>;
    /// Edits the record as `v`, at the version it has now; returns the new version.
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError>;
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError>;
}

fn paging() -> Paging {
    Paging::new(Some(500), None)
}

async fn check<K: Kind>(db: &Db) {
    let o: Org = org(db).await;
    let east = K::create(db, &o.rep_east).await;
    let sh = K::create(db, &o.rep_sh).await;
    let west = K::create(db, &o.rep_west).await;
    let all = [east, sh, west];
    let cases: [(&str, Viewer, Vec<i64>); 6] = [
        ("rep_east", o.rep_east, vec![east]),
        ("rep_sh", o.rep_sh, vec![sh]),
        ("rep_west", o.rep_west, vec![west]),
        ("mgr_east", o.mgr_east, vec![east, sh]),
        ("mgr_west", o.mgr_west, vec![west]),
        ("admin", o.admin, vec![east, sh, west]),
    ];
    for (who, v, sees) in &cases {
        let mut listed = K::list(db, v).await;
        listed.sort_unstable();
        assert_eq!(&listed, sees, "{who} lists");
        for id in all {
            let before = K::get(db, &o.admin, id)
                .await
                .expect("the admin reads everything");
            if sees.contains(&id) {
                assert_eq!(
                    K::get(db, v, id).await.ok(),
                    Some(before),
                    "{who} reads {id}"
                );
                let after = K::update(db, v, &o.admin, id).await;
                assert_eq!(after.ok(), Some(before + 1), "{who} edits {id}");
            } else {
                let got = K::get(db, v, id).await;
                assert!(
                    matches!(got, Err(DbError::NotFound)),
                    "{who} must not read {id}: {got:?}"
                );
                let upd = K::update(db, v, &o.admin, id).await;
                assert!(
                    matches!(upd, Err(DbError::NotFound)),
                    "{who} must not edit {id}: {upd:?}"
                );
                let del = K::delete(db, v, id).await;
                assert!(
                    matches!(del, Err(DbError::NotFound)),
                    "{who} must not delete {id}: {del:?}"
                );
                assert_eq!(
                    K::get(db, &o.admin, id).await.ok(),
                    Some(before),
                    "{id} untouched by {who}"
                );
            }
        }
    }
    K::delete(db, &o.rep_east, east)
        .await
        .expect("the owner deletes");
    K::delete(db, &o.mgr_east, sh)
        .await
        .expect("the manager deletes in a sub-team");
    K::delete(db, &o.admin, west)
        .await
        .expect("the admin deletes");
    assert!(K::list(db, &o.admin).await.is_empty());
}

struct Accounts;
impl Kind for Accounts {
    async fn create(db: &Db, owner: &Viewer) -> i64 {
        account(db, owner, "Account").await.id
    }
    async fn list(db: &Db, v: &Viewer) -> Vec<i64> {
        let page = accounts::list(db, v, &AccountFilter::default(), paging())
            .await
            .expect("list");
        page.items.into_iter().map(|x| x.id).collect()
    }
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError> {
        accounts::get(db, v, id).await.map(|x| x.version)
    }
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError> {
        let cur = accounts::get(db, admin, id).await?;
        let input = AccountInput {
            region: format!("{}+", cur.region),
            ..AccountInput::from(&cur)
        };
        accounts::update(db, v, id, cur.version, &input)
            .await
            .map(|x| x.version)
    }
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError> {
        accounts::delete(db, v, id).await
    }
}

struct Contacts;
impl Kind for Contacts {
    async fn create(db: &Db, owner: &Viewer) -> i64 {
        let a = account(db, owner, "Account").await;
        let input = ContactInput {
            account_id: a.id,
            name: "Contact".into(),
            owner_id: owner.user_id,
            ..ContactInput::default()
        };
        contacts::create(db, owner, &input)
            .await
            .expect("create contact")
            .id
    }
    async fn list(db: &Db, v: &Viewer) -> Vec<i64> {
        let page = contacts::list(db, v, &ContactFilter::default(), paging())
            .await
            .expect("list");
        page.items.into_iter().map(|x| x.id).collect()
    }
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError> {
        contacts::get(db, v, id).await.map(|x| x.version)
    }
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError> {
        let cur = contacts::get(db, admin, id).await?;
        let input = ContactInput {
            title: format!("{}+", cur.title),
            ..ContactInput::from(&cur)
        };
        contacts::update(db, v, id, cur.version, &input)
            .await
            .map(|x| x.version)
    }
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError> {
        contacts::delete(db, v, id).await
    }
}

struct Leads;
impl Kind for Leads {
    async fn create(db: &Db, owner: &Viewer) -> i64 {
        let input = LeadInput {
            name: "Lead".into(),
            status: LeadStatus::New,
            owner_id: owner.user_id,
            ..LeadInput::default()
        };
        leads::create(db, owner, &input)
            .await
            .expect("create lead")
            .id
    }
    async fn list(db: &Db, v: &Viewer) -> Vec<i64> {
        let page = leads::list(db, v, &LeadFilter::default(), paging())
            .await
            .expect("list");
        page.items.into_iter().map(|x| x.id).collect()
    }
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError> {
        leads::get(db, v, id).await.map(|x| x.version)
    }
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError> {
        let cur = leads::get(db, admin, id).await?;
        let input = LeadInput {
            notes: format!("{}+", cur.notes),
            ..LeadInput::from(&cur)
        };
        leads::update(db, v, id, cur.version, &input)
            .await
            .map(|x| x.version)
    }
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError> {
        leads::delete(db, v, id).await
    }
}

struct Activities;
impl Kind for Activities {
    async fn create(db: &Db, owner: &Viewer) -> i64 {
        let a = account(db, owner, "Account").await;
        let input = ActivityInput {
            next_step: "Meet again".into(),
            ..activity_input(owner, a.id, None, ActivityKind::Call, d(2026, 11, 20))
        };
        activities::create(db, owner, &input)
            .await
            .expect("create activity")
            .id
    }
    async fn list(db: &Db, v: &Viewer) -> Vec<i64> {
        let page = activities::list(db, v, &ActivityFilter::default(), paging())
            .await
            .expect("list");
        page.items.into_iter().map(|x| x.id).collect()
    }
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError> {
        activities::get(db, v, id).await.map(|x| x.version)
    }
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError> {
        let cur = activities::get(db, admin, id).await?;
        let input = ActivityInput {
            notes: format!("{}+", cur.notes),
            ..ActivityInput::from(&cur)
        };
        activities::update(db, v, id, cur.version, &input)
            .await
            .map(|x| x.version)
    }
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError> {
        activities::delete(db, v, id).await
    }
}

struct Opportunities;
impl Kind for Opportunities {
    async fn create(db: &Db, owner: &Viewer) -> i64 {
        let a = account(db, owner, "Account").await;
        let sales = process(db, "sales_cycle").await;
        crate::fixtures::opportunity(db, owner, a.id, &sales, "Deal", 100, d(2027, 1, 1))
            .await
            .id
    }
    async fn list(db: &Db, v: &Viewer) -> Vec<i64> {
        let page = opportunities::list(db, v, &OppFilter::default(), Sort::CloseAsc, paging())
            .await
            .expect("list");
        page.items.into_iter().map(|x| x.id).collect()
    }
    async fn get(db: &Db, v: &Viewer, id: i64) -> Result<i64, DbError> {
        opportunities::get(db, v, id).await.map(|x| x.version)
    }
    async fn update(db: &Db, v: &Viewer, admin: &Viewer, id: i64) -> Result<i64, DbError> {
        let cur = opportunities::get(db, admin, id).await?;
        let input = OppInput {
            amount_minor: cur.amount_minor + 1,
            ..OppInput::from(&cur)
        };
        opportunities::update(db, v, &cur, &input)
            .await
            .map(|x| x.version)
    }
    async fn delete(db: &Db, v: &Viewer, id: i64) -> Result<(), DbError> {
        opportunities::delete(db, v, id).await
    }
}

async fn accounts_are_visible_by_role(db: Db) {
    check::<Accounts>(&db).await;
}

async fn contacts_are_visible_by_role(db: Db) {
    check::<Contacts>(&db).await;
}

async fn leads_are_visible_by_role(db: Db) {
    check::<Leads>(&db).await;
}

async fn activities_are_visible_by_role(db: Db) {
    check::<Activities>(&db).await;
}

async fn opportunities_are_visible_by_role(db: Db) {
    check::<Opportunities>(&db).await;
}

/// Stage moves and criteria ticks go through the same clause as edits.
async fn moves_and_ticks_respect_visibility(db: Db) {
    let o = org(&db).await;
    let a = account(&db, &o.rep_west, "West Co").await;
    let sales = process(&db, "sales_cycle").await;
    let deal =
        crate::fixtures::opportunity(&db, &o.rep_west, a.id, &sales, "Deal", 100, d(2027, 1, 1))
            .await;
    let to = &sales.stages[1].row;
    for v in [o.rep_east, o.mgr_east] {
        let moved = opportunities::move_stage(&db, &v, &deal, to, Some("not mine"), &[]).await;
        assert!(
            matches!(moved, Err(DbError::Stale | DbError::NotFound)),
            "{moved:?}"
        );
        let ticked =
            opportunities::set_checks(&db, &v, deal.id, 1, &sales.stages[1].entry_ids()).await;
        assert!(matches!(ticked, Err(DbError::NotFound)), "{ticked:?}");
    }
    let now = opportunities::get(&db, &o.admin, deal.id)
        .await
        .expect("get");
    assert_eq!(
        (now.stage_id, now.version),
        (deal.stage_id, 1),
        "nothing moved"
    );
    assert_eq!(
        opportune_db::history::of_deal(&db, deal.id)
            .await
            .expect("history")
            .len(),
        1
    );
    let moved = opportunities::move_stage(&db, &o.mgr_west, &deal, to, Some("manager's call"), &[])
        .await
        .expect("the manager moves it");
    assert_eq!(moved.stage_id, to.id);
}

/// What a deal's page reads besides the deal, each in one query: its newest activities and whom
/// it is shared with — only for those who see the deal, nothing for anyone else.
async fn a_deal_page_reads_only_what_its_viewer_sees(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let a = account(&db, &o.rep_sh, "Ruijin").await;
    let deal =
        crate::fixtures::opportunity(&db, &o.rep_sh, a.id, &sales, "MRI", 100, d(2027, 3, 1)).await;
    let mut ids = Vec::new();
    for day in [20, 22, 21] {
        let input = activity_input(
            &o.rep_sh,
            a.id,
            Some(deal.id),
            ActivityKind::Visit,
            d(2026, 11, day),
        );
        ids.push(
            activities::create(&db, &o.rep_sh, &input)
                .await
                .expect("log a visit")
                .id,
        );
    }
    shares::add(
        &db,
        &o.rep_sh,
        ShareKind::Opportunity,
        deal.id,
        o.rep_west.user_id,
    )
    .await
    .expect("share");
    let of_deal = ActivityFilter {
        opportunity_id: Some(deal.id),
        ..ActivityFilter::default()
    };
    let recent = |v: Viewer, n: i64| {
        let (db, f) = (db.clone(), of_deal.clone());
        async move {
            activities::recent(&db, &v, &f, n)
                .await
                .expect("recent")
                .iter()
                .map(|x| x.id)
                .collect::<Vec<_>>()
        }
    };
    let shared_with = |v: Viewer| {
        let db = db.clone();
        async move {
            shares::of_visible(&db, &v, ShareKind::Opportunity, deal.id)
                .await
                .expect("shares")
                .iter()
                .map(|s| s.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        recent(o.rep_sh, 5).await,
        [ids[1], ids[2], ids[0]],
        "newest first"
    );
    assert_eq!(
        recent(o.rep_sh, 2).await,
        [ids[1], ids[2]],
        "the newest two"
    );
    assert_eq!(
        recent(o.rep_west, 5).await,
        [ids[1], ids[2], ids[0]],
        "shared with them"
    );
    assert_eq!(recent(o.mgr_east, 1).await, [ids[1]], "the manager above");
    for outsider in [o.rep_east, o.mgr_west] {
        assert!(recent(outsider, 5).await.is_empty(), "{outsider:?}");
        assert!(shared_with(outsider).await.is_empty(), "{outsider:?}");
        assert!(matches!(
            shares::list(&db, &outsider, ShareKind::Opportunity, deal.id).await,
            Err(DbError::NotFound)
        ));
    }
    for insider in [o.rep_sh, o.rep_west, o.mgr_east, o.admin] {
        assert_eq!(
            shared_with(insider).await,
            [o.rep_west.user_id],
            "{insider:?}"
        );
        assert_eq!(
            shares::list(&db, &insider, ShareKind::Opportunity, deal.id)
                .await
                .expect("list")
                .len(),
            1
        );
    }
}

conformance!(
    accounts_are_visible_by_role,
    contacts_are_visible_by_role,
    leads_are_visible_by_role,
    activities_are_visible_by_role,
    opportunities_are_visible_by_role,
    moves_and_ticks_respect_visibility,
    a_deal_page_reads_only_what_its_viewer_sees,
);
