//! A viewer's deals version (what a kept board is checked against, read with the caller when
//! they sign in with a token or a session) moves with every change their board shows — a deal they may see created, moved, edited, reassigned, shared or deleted; a
//! stage, process or account renamed — and stands still for the changes it does not show, so a
//! board kept for one viewer is not thrown away for another team's work.

use crate::fixtures::{account, activity_input, d, opp_input, opportunity, org, process};
use opportune_core::history::Actor;
use opportune_core::records::{AccountStatus, ActivityKind, LeadStatus};
use opportune_db::accounts::{self, AccountInput};
use opportune_db::activities;
use opportune_db::contacts::{self, ContactInput};
use opportune_db::leads::{self, LeadInput};
use opportune_db::opportunities;
use opportune_db::shares::{self, ShareKind};
use opportune_db::users;
use opportune_db::versions::{RecordKind, Versions, ViewVersion};
use opportune_db::{Db, Viewer, bulk};

/// Each viewer's version, as signing in with their token (named after them) reads it.
async fn all(db: &Db, viewers: &[(&'static str, Viewer)]) -> Vec<ViewVersion> {
    let mut out = Vec::new();
    for (name, v) in viewers {
        let caller = users::token_user(db, name, Versions::Deals)
            .await
            .expect("sign in")
            .expect("a token");
        assert_eq!(caller.user.id, v.user_id, "{name}'s token");
        out.push(caller.view().expect("read with the deals"));
    }
    out
}

/// Who of `viewers` has another version than in `before`; `before` becomes the versions now.
async fn moved(
    db: &Db,
    viewers: &[(&'static str, Viewer)],
    before: &mut Vec<ViewVersion>,
) -> Vec<&'static str> {
    let now = all(db, viewers).await;
    let names = viewers
        .iter()
        .zip(now.iter().zip(before.iter()))
        .filter(|(_, (a, b))| a != b)
        .map(|((name, _), _)| *name)
        .collect();
    *before = now;
    names
}

async fn moves_with_what_the_viewer_sees(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let viewers = [
        ("admin", o.admin),
        ("mgr_east", o.mgr_east),
        ("rep_east", o.rep_east),
        ("rep_sh", o.rep_sh),
        ("mgr_west", o.mgr_west),
        ("rep_west", o.rep_west),
    ];
    let everyone: Vec<&str> = viewers.iter().map(|(n, _)| *n).collect();
    for (name, v) in viewers {
        users::create_token(&db, v.user_id, "tests", name)
            .await
            .expect("token");
    }
    let plain = users::token_user(&db, "admin", Versions::None)
        .await
        .expect("sign in")
        .expect("a token");
    assert_eq!(
        (plain.all(), plain.view()),
        (None, None),
        "only read when asked for"
    );
    let with_all = users::token_user(&db, "admin", Versions::All)
        .await
        .expect("sign in")
        .expect("a token");
    let with_deals = users::token_user(&db, "admin", Versions::Deals)
        .await
        .expect("sign in")
        .expect("a token");
    let both = with_deals.view().expect("read with the deals");
    assert_eq!(
        (with_all.all(), with_all.view(), with_deals.all()),
        (Some(both.all), None, Some(both.all)),
        "'all' alone, or with the deals"
    );
    let mut seen = all(&db, &viewers).await;
    assert_eq!(seen, all(&db, &viewers).await, "reading changes nothing");

    let factory = account(&db, &o.rep_sh, "Factory").await;
    assert!(
        moved(&db, &viewers, &mut seen).await.is_empty(),
        "a new account is on no board"
    );

    // Shanghai's deal: its rep, the manager of East (Shanghai's parent) and the admin see it.
    let deal = opportunity(
        &db,
        &o.rep_sh,
        factory.id,
        &sales,
        "Line",
        100,
        d(2027, 1, 1),
    )
    .await;
    let sees_sh = ["admin", "mgr_east", "rep_sh"];
    assert_eq!(moved(&db, &viewers, &mut seen).await, sees_sh, "created");
    let deal =
        opportunities::move_stage(&db, &o.rep_sh, &deal, &sales.stages[1].row, Some("t"), &[])
            .await
            .expect("move");
    assert_eq!(moved(&db, &viewers, &mut seen).await, sees_sh, "moved");
    let mut edit = opp_input(&o.rep_sh, factory.id, "Line 2", 200, d(2027, 2, 1));
    let deal = opportunities::update(&db, &o.rep_sh, &deal, &edit)
        .await
        .expect("edit");
    assert_eq!(moved(&db, &viewers, &mut seen).await, sees_sh, "edited");

    // West's deal moves West's board, not East's.
    let mine = account(&db, &o.rep_west, "Mine").await;
    opportunity(&db, &o.rep_west, mine.id, &sales, "Pit", 5, d(2027, 1, 2)).await;
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        ["admin", "mgr_west", "rep_west"]
    );

    // Shared with rep_west: who sees what changed, so every version moves; from then on a change
    // of the deal moves rep_west's too.
    shares::add(
        &db,
        &o.rep_sh,
        ShareKind::Opportunity,
        deal.id,
        o.rep_west.user_id,
    )
    .await
    .expect("share");
    assert_eq!(moved(&db, &viewers, &mut seen).await, everyone, "shared");
    edit.amount_minor = 300;
    let deal = opportunities::update(&db, &o.rep_sh, &deal, &edit)
        .await
        .expect("edit shared");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        ["admin", "mgr_east", "rep_sh", "rep_west"],
        "the shared deal edited"
    );

    // Reassigned by the manager: whose shared deal it is changes, so every version moves (a sum
    // over other owners could otherwise come back to a value it had).
    edit.owner_id = o.rep_east.user_id;
    let deal = opportunities::update(&db, &o.mgr_east, &deal, &edit)
        .await
        .expect("reassign");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        everyone,
        "reassigned"
    );
    edit.name = "Line 3".into();
    let deal = opportunities::update(&db, &o.rep_east, &deal, &edit)
        .await
        .expect("edit reassigned");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        ["admin", "mgr_east", "rep_east", "rep_west"],
        "the new owner's edit"
    );

    // What the cards show besides the deal: the account's name (not its other fields), the
    // process and its stages.
    let mut a = AccountInput {
        name: "Factory".into(),
        status: AccountStatus::Prospect,
        owner_id: o.rep_sh.user_id,
        region: "North".into(),
        ..AccountInput::default()
    };
    let factory = accounts::update(&db, &o.rep_sh, factory.id, factory.version, &a)
        .await
        .expect("account region");
    assert!(
        moved(&db, &viewers, &mut seen).await.is_empty(),
        "an account's region is on no card"
    );
    a.name = "Works".into();
    accounts::update(&db, &o.rep_sh, factory.id, factory.version, &a)
        .await
        .expect("account renamed");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        everyone,
        "account renamed"
    );
    opportune_db::processes::rename(&db, sales.row.id, sales.row.version, "销售", "Sales")
        .await
        .expect("process renamed");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        everyone,
        "process renamed"
    );

    opportunities::delete(&db, &o.rep_east, deal.id)
        .await
        .expect("delete");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        ["admin", "mgr_east", "rep_east", "rep_west"],
        "deleted: the deal is kept, marked, as an edit would"
    );
    opportunities::restore(&db, Actor::User(o.admin.user_id), deal.id)
        .await
        .expect("restore");
    assert_eq!(
        moved(&db, &viewers, &mut seen).await,
        ["admin", "mgr_east", "rep_east", "rep_west"],
        "restored"
    );

    // A bulk load, whose triggers are suspended, moves every version once it is restored.
    let mut tx = db.begin().await.expect("begin");
    let suspended = bulk::suspend(&mut tx, &[&bulk::OPPORTUNITIES])
        .await
        .expect("suspend");
    bulk::restore(&mut tx, &suspended).await.expect("restore");
    tx.commit().await.expect("commit");
    assert_eq!(moved(&db, &viewers, &mut seen).await, everyone, "bulk load");
}

/// The versions of the four record lists as rep_east's sign-in reads them, in the order
/// accounts, contacts, leads, activities.
async fn record_versions(db: &Db) -> [ViewVersion; 4] {
    let mut out = Vec::new();
    for kind in [
        RecordKind::Account,
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Activity,
    ] {
        let caller = users::token_user(db, "rep_east", Versions::Records(kind))
            .await
            .expect("sign in")
            .expect("a token");
        out.push(caller.view().expect("read with the records"));
    }
    out.try_into().expect("four kinds")
}

/// Which of the record lists' versions changed since `before` (accounts, contacts, leads,
/// activities); `before` becomes the versions now.
async fn lists_moved(db: &Db, before: &mut [ViewVersion; 4]) -> Vec<&'static str> {
    let now = record_versions(db).await;
    let names = ["accounts", "contacts", "leads", "activities"]
        .into_iter()
        .zip(now.iter().zip(before.iter()))
        .filter(|(_, (a, b))| a != b)
        .map(|(name, _)| name)
        .collect();
    *before = now;
    names
}

/// A record list's version moves with every change of its kind of record (and the contacts'
/// with the accounts', which the contacts' page offers as a filter; the accounts' with a deal's
/// account, which shares reach an account through), with what moves `'all'`, and with nothing
/// else: a deal's edit leaves them standing.
async fn record_lists_move_with_their_records(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    users::create_token(&db, o.rep_east.user_id, "tests", "rep_east")
        .await
        .expect("token");
    let mut seen = record_versions(&db).await;
    assert_eq!(seen, record_versions(&db).await, "reading changes nothing");

    let hospital = account(&db, &o.rep_sh, "Hospital").await;
    assert_eq!(
        lists_moved(&db, &mut seen).await,
        ["accounts", "contacts"],
        "account created"
    );
    let contact = contacts::create(
        &db,
        &o.rep_sh,
        &ContactInput {
            account_id: hospital.id,
            name: "Dr. Li".into(),
            owner_id: o.rep_sh.user_id,
            ..ContactInput::default()
        },
    )
    .await
    .expect("contact");
    assert_eq!(lists_moved(&db, &mut seen).await, ["contacts"], "contact");
    contacts::delete(&db, &o.rep_sh, contact.id)
        .await
        .expect("delete the contact");
    assert_eq!(lists_moved(&db, &mut seen).await, ["contacts"], "deleted");
    leads::create(
        &db,
        &o.rep_west,
        &LeadInput {
            name: "Walk-in".into(),
            status: LeadStatus::New,
            owner_id: o.rep_west.user_id,
            ..LeadInput::default()
        },
    )
    .await
    .expect("lead");
    assert_eq!(lists_moved(&db, &mut seen).await, ["leads"], "lead");
    activities::create(
        &db,
        &o.rep_sh,
        &activity_input(
            &o.rep_sh,
            hospital.id,
            None,
            ActivityKind::Visit,
            d(2027, 1, 4),
        ),
    )
    .await
    .expect("activity");
    assert_eq!(
        lists_moved(&db, &mut seen).await,
        ["activities"],
        "activity"
    );

    let deal = opportunity(
        &db,
        &o.rep_sh,
        hospital.id,
        &sales,
        "Ward",
        100,
        d(2027, 1, 1),
    )
    .await;
    let edit = opp_input(&o.rep_sh, hospital.id, "Ward", 200, d(2027, 1, 1));
    let deal = opportunities::update(&db, &o.rep_sh, &deal, &edit)
        .await
        .expect("edit");
    assert!(
        lists_moved(&db, &mut seen).await.is_empty(),
        "a deal's creation and edit list no record"
    );
    let clinic = account(&db, &o.rep_sh, "Clinic").await;
    lists_moved(&db, &mut seen).await;
    let moved_deal = opp_input(&o.rep_sh, clinic.id, "Ward", 200, d(2027, 1, 1));
    opportunities::update(&db, &o.rep_sh, &deal, &moved_deal)
        .await
        .expect("another account");
    assert_eq!(
        lists_moved(&db, &mut seen).await,
        ["accounts", "contacts"],
        "a deal's account"
    );
    let renamed = AccountInput {
        name: "Clinic North".into(),
        ..AccountInput::from(&clinic)
    };
    accounts::update(&db, &o.rep_sh, clinic.id, clinic.version, &renamed)
        .await
        .expect("rename");
    assert_eq!(
        lists_moved(&db, &mut seen).await,
        ["accounts", "contacts", "leads", "activities"],
        "an account's name is on every list ('all')"
    );
}

conformance!(
    moves_with_what_the_viewer_sees,
    record_lists_move_with_their_records
);
