//! Writes made at the same time share a transaction (`Db::write`), and each still succeeds or
//! fails on its own, as it would alone.

use crate::fixtures::{account, d, opportunity, org, process};
use futures_util::future::join_all;
use opportune_db::opportunities::{self, OppInput, Opportunity};
use opportune_db::{Db, DbError, users};

/// The deal with its amount changed to `amount`, as an editor submits it.
fn with_amount(deal: &Opportunity, amount: i64) -> OppInput {
    OppInput {
        amount_minor: amount,
        ..OppInput::from(deal)
    }
}

async fn writes_at_the_same_time_all_land(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "同济医院").await;
    let sales = process(&db, "sales_cycle").await;
    let db = &db;
    let names: Vec<String> = (1..=20).map(|i| format!("设备 {i}")).collect();
    let created = join_all(
        names
            .iter()
            .zip(1..)
            .map(|(name, i)| opportunity(db, &me, a.id, &sales, name, 1_000 * i, d(2027, 1, 15))),
    )
    .await;
    let mut ids: Vec<i64> = created.iter().map(|deal| deal.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "twenty distinct deals");

    // Every deal gets a new amount; the first is also edited a second time from the same
    // version, as by a colleague who read it at the same moment.
    let edits = created
        .iter()
        .map(|deal| (deal, with_amount(deal, deal.amount_minor + 7)))
        .chain([(&created[0], with_amount(&created[0], 99))]);
    let updated =
        join_all(edits.map(|(deal, input)| async move {
            opportunities::update(db, &me, deal, &input).await
        }))
        .await;
    assert!(
        matches!(updated[20], Err(DbError::Stale)),
        "{:?}",
        updated[20]
    );
    for (deal, after) in created.iter().zip(&updated) {
        let after = after.as_ref().expect("each first edit is saved");
        assert_eq!(
            (after.amount_minor, after.version),
            (deal.amount_minor + 7, 2)
        );
        let history = opportune_db::history::of_deal(db, deal.id)
            .await
            .expect("history");
        let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["amount", "created"], "deal {}", deal.id);
    }
}

async fn a_failed_write_leaves_the_others_written(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "协和医院").await;
    let sales = process(&db, "sales_cycle").await;
    let mut deals = Vec::new();
    for i in 0..4 {
        deals.push(
            opportunity(
                &db,
                &me,
                a.id,
                &sales,
                &format!("项目 {i}"),
                500,
                d(2027, 2, 1),
            )
            .await,
        );
    }
    let db = &db;
    let no_such_user = i64::from(i32::MAX);
    let orphan = OppInput {
        owner_id: no_such_user,
        ..OppInput::from(&deals[3])
    };
    let good = join_all(deals[..3].iter().map(|deal| async move {
        opportunities::update(db, &me, deal, &with_amount(deal, 800)).await
    }));
    let bad = opportunities::update(db, &me, &deals[3], &orphan);
    // A write that has written before it fails: nothing of it may remain.
    let half = db.write::<_, ()>("半途而废".to_owned(), |tx, name| {
        Box::pin(async move {
            users::create_team(tx, name, None).await?;
            Err(DbError::Field("name", "refused after writing"))
        })
    });
    let (good, bad, half) = tokio::join!(good, bad, half);

    assert!(bad.is_err(), "an owner who does not exist: {bad:?}");
    assert!(matches!(half, Err(DbError::Field("name", _))), "{half:?}");
    for (deal, after) in deals.iter().zip(&good) {
        let after = after.as_ref().expect("the other edits are saved");
        assert_eq!((after.amount_minor, after.version), (800, deal.version + 1));
    }
    let unchanged = opportunities::get(db, &me, deals[3].id)
        .await
        .expect("deal");
    assert_eq!(
        (unchanged.owner_id, unchanged.version),
        (me.user_id, deals[3].version)
    );
    let teams = users::teams(db).await.expect("teams");
    assert!(
        teams.iter().all(|t| t.name != "半途而废"),
        "the failed write's team is gone"
    );
}

/// A write that panics is answered with an error and takes no other write with it; the writes
/// after it go on (one task runs them all).
async fn a_write_that_panics_fails_alone(db: Db) {
    let o = org(&db).await;
    let me = o.rep_west;
    let a = account(&db, &me, "华山医院").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "监护仪", 300, d(2027, 3, 1)).await;
    let panics = db.write((), |_, ()| {
        Box::pin(async { panic!("a write that panics") })
    });
    let edit = with_amount(&deal, 301);
    let saved = opportunities::update(&db, &me, &deal, &edit);
    let (panicked, saved): (Result<(), DbError>, _) = tokio::join!(panics, saved);
    assert!(
        matches!(panicked, Err(DbError::Sqlx(sqlx::Error::WorkerCrashed))),
        "{panicked:?}"
    );
    let saved = saved.expect("the other write is saved");
    assert_eq!(saved.amount_minor, 301);
    let later = opportunities::update(&db, &me, &saved, &with_amount(&saved, 302)).await;
    assert_eq!(
        later.expect("writes go on after the panic").amount_minor,
        302
    );
}

conformance!(
    writes_at_the_same_time_all_land,
    a_failed_write_leaves_the_others_written,
    a_write_that_panics_fails_alone
);
