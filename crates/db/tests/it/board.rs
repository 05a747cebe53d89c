//! The board's two queries: the column heads (count and amount per stage) and the cards, a
//! page of each column, soonest close first.

use crate::fixtures::{account, activity_input, d, opp_input, opportunity, org, process};
use opportune_core::records::{ActivityKind, OppStatus};
use opportune_db::opportunities::{self, Card, OppFilter};
use opportune_db::{Db, Viewer};

/// The board's (stage id, count, amount) for the viewer, in stage-id order.
async fn sums(db: &Db, v: &Viewer, f: &OppFilter) -> Vec<(i64, i64, i64)> {
    let mut s: Vec<_> = opportunities::stage_sums(db, v, f)
        .await
        .expect("stage sums")
        .into_iter()
        .map(|s| (s.stage_id, s.count, s.amount_minor))
        .collect();
    s.sort_unstable();
    s
}

/// The cards as (stage id, deal name), in the order returned.
fn cards(c: &[Card]) -> Vec<(i64, &str)> {
    c.iter().map(|o| (o.stage_id, o.name.as_str())).collect()
}

async fn columns_sum_and_page_per_stage(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let sales = process(&db, "sales_cycle").await;
    let other = process(&db, "customer_development").await;
    let a = account(&db, &me, "Hospital").await;
    let (s0, s1) = (sales.stages[0].row.id, sales.stages[1].row.id);
    // Five deals in the first column, created out of close-date order.
    for (name, amount, day) in [
        ("c", 300, 3),
        ("a", 100, 1),
        ("e", 500, 5),
        ("b", 200, 2),
        ("d", 400, 4),
    ] {
        opportunity(&db, &me, a.id, &sales, name, amount, d(2027, 1, day)).await;
    }
    // Two in the second, moved there.
    for (name, amount, day) in [("g", 1_000, 9), ("f", 2_050, 8)] {
        let deal = opportunity(&db, &me, a.id, &sales, name, amount, d(2027, 1, day)).await;
        opportunities::move_stage(&db, &me, &deal, &sales.stages[1].row, Some("test"), &[])
            .await
            .expect("move");
    }
    // Not on this board: a won deal, another process's deal, and (for the rep) a colleague's deal.
    let won = opportunity(&db, &me, a.id, &sales, "won", 7_000, d(2027, 1, 1)).await;
    let mut input = opp_input(&me, a.id, "won", 7_000, d(2027, 1, 1));
    input.status = OppStatus::Won;
    opportunities::update(&db, &me, &won, &input)
        .await
        .expect("win");
    opportunity(&db, &me, a.id, &other, "elsewhere", 9_000, d(2027, 1, 1)).await;
    let b = account(&db, &o.rep_sh, "Factory").await;
    let colleague = opportunity(&db, &o.rep_sh, b.id, &sales, "colleague", 50, d(2027, 1, 7)).await;

    let board = OppFilter {
        process_id: Some(sales.row.id),
        status: Some("open".into()),
        ..OppFilter::default()
    };
    assert_eq!(
        sums(&db, &me, &board).await,
        [(s0, 5, 1_500), (s1, 2, 3_050)]
    );
    assert_eq!(
        sums(&db, &o.mgr_east, &board).await,
        [(s0, 6, 1_550), (s1, 2, 3_050)],
        "the manager adds the sub-team"
    );
    assert!(
        sums(&db, &o.mgr_west, &board).await.is_empty(),
        "nothing for another team's manager"
    );
    let all_statuses = OppFilter {
        status: None,
        ..board.clone()
    };
    assert_eq!(
        sums(&db, &me, &all_statuses).await,
        [(s0, 6, 8_500), (s1, 2, 3_050)]
    );

    let stages: Vec<i64> = sales.stages.iter().map(|s| s.row.id).collect();
    // A rep's board is read both ways — all their deals numbered, or each column's first cards
    // read first (when their deals are many: here told so) — and both give the same cards.
    let page = |per: i64, offset: i64| {
        let (db, board, stages) = (db.clone(), board.clone(), stages.clone());
        async move {
            let read = |deals: i64| {
                opportunities::board_cards(&db, &me, &board, &stages, deals, per, offset)
            };
            let (whole, cut) = (
                read(0).await.expect("cards"),
                read(i64::MAX).await.expect("cards"),
            );
            let shown = |c: &[Card]| -> Vec<(i64, String, bool)> {
                c.iter()
                    .map(|x| (x.stage_id, x.name.clone(), x.editable))
                    .collect()
            };
            assert_eq!(shown(&whole), shown(&cut), "{per} from {offset}, both ways");
            whole
        }
    };
    assert_eq!(
        cards(&page(2, 0).await),
        [(s0, "a"), (s0, "b"), (s1, "f"), (s1, "g")],
        "soonest close first, two per column"
    );
    assert_eq!(
        cards(&page(2, 2).await),
        [(s0, "c"), (s0, "d")],
        "the next two of each column"
    );
    assert_eq!(cards(&page(2, 4).await), [(s0, "e")]);
    assert!(page(2, 6).await.is_empty());
    assert_eq!(page(50, 0).await.len(), 7);
    let first = &page(1, 0).await[0];
    assert_eq!(
        (
            first.amount_minor,
            first.account_name.as_str(),
            first.owner_name.as_str(),
            first.editable
        ),
        (100, "Hospital", "rep_east", true)
    );

    // A manager's board is read per stage; it pages the same way and adds the sub-team's deal.
    let managed = |per: i64, offset: i64| {
        let (db, board, mgr, stages) = (db.clone(), board.clone(), o.mgr_east, stages.clone());
        async move {
            opportunities::board_cards(&db, &mgr, &board, &stages, 0, per, offset)
                .await
                .expect("cards")
        }
    };
    assert_eq!(
        cards(&managed(2, 0).await),
        [(s0, "a"), (s0, "b"), (s1, "f"), (s1, "g")],
        "every column, soonest close first"
    );
    assert_eq!(
        cards(&managed(2, 2).await),
        [(s0, "c"), (s0, "d")],
        "the next two of each column"
    );
    assert_eq!(
        cards(&managed(3, 3).await),
        [(s0, "d"), (s0, "e"), (s0, "colleague")],
        "the sub-team's deal in close-date order"
    );
    assert!(managed(2, 6).await.is_empty());

    let searched = OppFilter {
        q: Some("colleague".into()),
        ..board.clone()
    };
    let found = opportunities::board_cards(&db, &o.mgr_east, &searched, &stages, 0, 10, 0)
        .await
        .expect("cards");
    assert_eq!(cards(&found), [(s0, "colleague")]);
    let period = OppFilter {
        close_from: Some(d(2027, 1, 2)),
        close_to: Some(d(2027, 1, 8)),
        ..board.clone()
    };
    assert_eq!(
        sums(&db, &me, &period).await,
        [(s0, 4, 1_400), (s1, 1, 2_050)]
    );

    // Shared with the rep, the colleague's deal joins their column in close-date order, not
    // theirs to move (a rep's own cards and those shared are read apart, fix 27).
    opportune_db::shares::add(
        &db,
        &o.admin,
        opportune_db::shares::ShareKind::Opportunity,
        colleague.id,
        me.user_id,
    )
    .await
    .expect("share");
    let shared = page(3, 3).await;
    assert_eq!(cards(&shared), [(s0, "d"), (s0, "e"), (s0, "colleague")]);
    assert_eq!(
        shared.iter().map(|c| c.editable).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(
        cards(&page(2, 0).await),
        [(s0, "a"), (s0, "b"), (s1, "f"), (s1, "g")]
    );
}

/// The column heads as the deals themselves give them, for comparison.
async fn scanned(db: &Db, v: &Viewer, f: &OppFilter) -> Vec<(i64, i64, i64)> {
    let mut s: Vec<_> = opportunities::stage_sums_scanned(db, v, f)
        .await
        .expect("scanned sums")
        .into_iter()
        .map(|s| (s.stage_id, s.count, s.amount_minor))
        .collect();
    s.sort_unstable();
    s
}

/// The pre-aggregated totals follow every kind of change (create, amount, close month, stage,
/// status, owner, delete) and answer every viewer and board filter exactly as the deals do,
/// including deals only shared with the viewer.
async fn the_totals_agree_with_the_deals(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let (s0, s1) = (sales.stages[0].row.id, sales.stages[1].row.id);
    let a = account(&db, &o.rep_east, "Hospital").await;
    let mut deals = Vec::new();
    for (who, name, amount, close) in [
        (&o.rep_east, "a", 100, d(2027, 1, 31)),
        (&o.rep_east, "b", 200, d(2027, 2, 1)),
        (&o.rep_sh, "c", 300, d(2027, 3, 15)),
        (&o.rep_west, "d", 400, d(2027, 4, 1)),
        (&o.mgr_east, "e", 500, d(2027, 6, 30)),
        (&o.rep_east, "f", 600, d(2027, 7, 1)),
    ] {
        deals.push(opportunity(&db, who, a.id, &sales, name, amount, close).await);
    }
    let moved = opportunities::move_stage(
        &db,
        &o.rep_east,
        &deals[0],
        &sales.stages[1].row,
        Some("t"),
        &[],
    )
    .await
    .expect("move");
    let mut input = opp_input(&o.rep_east, a.id, "a", 150, d(2027, 5, 2));
    input.owner_id = o.rep_sh.user_id;
    opportunities::update(&db, &o.mgr_east, &moved, &input)
        .await
        .expect("amount, close month and owner");
    let mut won = opp_input(&o.rep_east, a.id, "b", 200, d(2027, 2, 1));
    won.status = OppStatus::Won;
    opportunities::update(&db, &o.rep_east, &deals[1], &won)
        .await
        .expect("win");
    opportunities::delete(&db, &o.rep_east, deals[5].id)
        .await
        .expect("delete");
    opportune_db::shares::add(
        &db,
        &o.rep_west,
        opportune_db::shares::ShareKind::Opportunity,
        deals[3].id,
        o.rep_east.user_id,
    )
    .await
    .expect("share");

    let open = OppFilter {
        process_id: Some(sales.row.id),
        status: Some("open".into()),
        ..OppFilter::default()
    };
    let filters = [
        open.clone(),
        OppFilter {
            status: Some("won".into()),
            ..open.clone()
        },
        OppFilter {
            close_from: Some(d(2027, 2, 1)),
            close_to: Some(d(2027, 4, 30)),
            ..open.clone()
        },
        OppFilter {
            close_from: Some(d(2027, 1, 15)),
            close_to: Some(d(2027, 6, 29)),
            ..open.clone()
        },
        OppFilter {
            owner_id: Some(o.rep_sh.user_id),
            ..open.clone()
        },
        OppFilter {
            team_id: Some(o.east),
            ..open.clone()
        },
        OppFilter {
            process_id: None,
            close_from: Some(d(2027, 1, 1)),
            close_to: Some(d(2027, 3, 31)),
            ..open.clone()
        },
        OppFilter::default(),
    ];
    for v in [
        &o.admin,
        &o.mgr_east,
        &o.rep_east,
        &o.rep_sh,
        &o.mgr_west,
        &o.rep_west,
    ] {
        for f in &filters {
            assert_eq!(
                sums(&db, v, f).await,
                scanned(&db, v, f).await,
                "{v:?} {f:?}"
            );
        }
    }
    assert_eq!(
        sums(&db, &o.rep_east, &open).await,
        [(s0, 1, 400)],
        "the rep's own deals are gone or won; the shared one counts"
    );
    assert_eq!(
        sums(&db, &o.mgr_east, &open).await,
        [(s0, 2, 800), (s1, 1, 150)],
        "the moved, re-owned deal counts in its new stage at its new amount"
    );
}

/// Deals of one owner moved at the same time in opposite directions all land, and the totals
/// still agree: each move touches the same two totals rows, which must not deadlock.
async fn concurrent_moves_keep_the_totals(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let s0 = sales.stages[0].row.id;
    let a = account(&db, &o.rep_east, "Hospital").await;
    let mut deals = Vec::new();
    for i in 0..16 {
        let deal = opportunity(&db, &o.rep_east, a.id, &sales, "m", 100 + i, d(2027, 3, 1)).await;
        let deal = if i % 2 == 0 {
            opportunities::move_stage(
                &db,
                &o.rep_east,
                &deal,
                &sales.stages[1].row,
                Some("setup"),
                &[],
            )
            .await
            .expect("setup move")
        } else {
            deal
        };
        deals.push(deal);
    }
    let mut moves = tokio::task::JoinSet::new();
    for deal in deals {
        let (db, me) = (db.clone(), o.rep_east);
        let to = sales.stages[usize::from(deal.stage_id == s0)].row.clone();
        moves.spawn(async move {
            opportunities::move_stage(&db, &me, &deal, &to, Some("swap"), &[]).await
        });
    }
    while let Some(done) = moves.join_next().await {
        done.expect("the task").expect("every move lands");
    }
    let open = OppFilter {
        process_id: Some(sales.row.id),
        status: Some("open".into()),
        ..OppFilter::default()
    };
    assert_eq!(
        sums(&db, &o.rep_east, &open).await,
        scanned(&db, &o.rep_east, &open).await
    );
    assert_eq!(
        sums(&db, &o.rep_east, &open)
            .await
            .iter()
            .map(|s| s.1)
            .collect::<Vec<_>>(),
        [8, 8]
    );
}

/// A bulk load that suspends the triggers (disabled on PostgreSQL, dropped on SQLite) recomputes
/// the totals and the record counts when it restores them, so records written meanwhile are
/// counted, and the triggers keep counting afterwards.
async fn bulk_loads_recompute_the_totals(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let a = account(&db, &o.rep_east, "Hospital").await;
    opportunity(&db, &o.rep_east, a.id, &sales, "before", 100, d(2027, 3, 1)).await;
    let mut tx = db.begin().await.expect("begin");
    let suspended = opportune_db::bulk::suspend(
        &mut tx,
        &[
            &opportune_db::bulk::OPPORTUNITIES,
            &opportune_db::bulk::ACTIVITIES,
        ],
    )
    .await
    .expect("suspend");
    assert!(suspended.triggers() > 0, "the triggers are suspended");
    let now = opportune_db::now();
    opportune_db::write!(&mut tx, c => sqlx::query(
        "INSERT INTO opportunities (account_id, name, owner_id, team_id, amount_minor, expected_close_date, process_id, stage_id, stage_entered_at, created_at, updated_at) VALUES ($1, 'loaded', $2, $3, 250, $4, $5, $6, $7, $7, $7)"
    ).bind(a.id).bind(o.rep_east.user_id).bind(o.east).bind(d(2027, 4, 1)).bind(sales.row.id).bind(sales.stages[0].row.id).bind(now)
    .execute(c).await.map(|r| r.rows_affected()))
    .expect("load a deal");
    opportune_db::write!(&mut tx, c => sqlx::query(
        "INSERT INTO activities (account_id, kind, occurred_on, owner_id, team_id, created_at, updated_at) VALUES ($1, 'visit', $2, $3, $4, $5, $5)"
    ).bind(a.id).bind(d(2027, 1, 5)).bind(o.rep_east.user_id).bind(o.east).bind(now)
    .execute(c).await.map(|r| r.rows_affected()))
    .expect("load an activity");
    opportune_db::bulk::restore(&mut tx, &suspended)
        .await
        .expect("restore");
    tx.commit().await.expect("commit");
    let open = OppFilter {
        process_id: Some(sales.row.id),
        status: Some("open".into()),
        ..OppFilter::default()
    };
    assert_eq!(
        sums(&db, &o.rep_east, &open).await,
        [(sales.stages[0].row.id, 2, 350)]
    );
    assert_eq!(
        sums(&db, &o.admin, &open).await,
        scanned(&db, &o.admin, &open).await
    );
    let activities = async |v: &opportune_db::Viewer| {
        opportune_db::activities::list(
            &db,
            v,
            &opportune_db::activities::ActivityFilter::default(),
            opportune_db::Paging::new(None, None),
        )
        .await
        .expect("list activities")
        .total
    };
    assert_eq!(activities(&o.rep_east).await, 1, "the loaded activity");
    assert_eq!(activities(&o.mgr_east).await, 1);
    assert_eq!(activities(&o.mgr_west).await, 0);
    opportune_db::activities::create(
        &db,
        &o.rep_east,
        &activity_input(&o.rep_east, a.id, None, ActivityKind::Call, d(2027, 1, 6)),
    )
    .await
    .expect("create an activity");
    assert_eq!(activities(&o.admin).await, 2, "the triggers count again");
}

conformance!(
    columns_sum_and_page_per_stage,
    the_totals_agree_with_the_deals,
    concurrent_moves_keep_the_totals,
    bulk_loads_recompute_the_totals
);
