//! A viewer's deals version (what a kept board is checked against, read with the caller when
//! they sign in with a token or a session) moves with every change their board shows — a deal they may see created, moved, edited, reassigned, shared or deleted; a
//! stage, process or account renamed — and stands still for the changes it does not show, so a
//! board kept for one viewer is not thrown away for another team's work.

use crate::fixtures::{account, d, opp_input, opportunity, org, process};
use opportune_db::accounts::{self, AccountInput};
use opportune_db::opportunities;
use opportune_db::shares::{self, ShareKind};
use opportune_db::users;
use opportune_db::versions::{DealsVersion, Versions};
use opportune_db::{Db, Viewer, bulk};

/// Each viewer's version, as signing in with their token (named after them) reads it.
async fn all(db: &Db, viewers: &[(&'static str, Viewer)]) -> Vec<DealsVersion> {
    let mut out = Vec::new();
    for (name, v) in viewers {
        let caller = users::token_user(db, name, Versions::Deals)
            .await
            .expect("sign in")
            .expect("a token");
        assert_eq!(caller.user.id, v.user_id, "{name}'s token");
        out.push(caller.deals().expect("read with the deals"));
    }
    out
}

/// Who of `viewers` has another version than in `before`; `before` becomes the versions now.
async fn moved(
    db: &Db,
    viewers: &[(&'static str, Viewer)],
    before: &mut Vec<DealsVersion>,
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
        (plain.all(), plain.deals()),
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
    let both = with_deals.deals().expect("read with the deals");
    assert_eq!(
        (with_all.all(), with_all.deals(), with_deals.all()),
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
    let deal = opportunities::move_stage(&db, &o.rep_sh, &deal, &sales.stages[1].row, Some("t"))
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
        status: "prospect".into(),
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
    assert_eq!(moved(&db, &viewers, &mut seen).await, everyone, "deleted");

    // A bulk load, whose triggers are suspended, moves every version once it is restored.
    let mut tx = db.begin().await.expect("begin");
    let suspended = bulk::suspend(&mut tx, &[&bulk::OPPORTUNITIES])
        .await
        .expect("suspend");
    bulk::restore(&mut tx, &suspended).await.expect("restore");
    tx.commit().await.expect("commit");
    assert_eq!(moved(&db, &viewers, &mut seen).await, everyone, "bulk load");
}

conformance!(moves_with_what_the_viewer_sees);
