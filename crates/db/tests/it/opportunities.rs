//! Opportunities: versioned edits, the event history written with each change, stage moves,
//! criteria ticks, and the list's filters, sorts and paging.

use crate::fixtures::{account, d, opp_input, opportunity, org, process};
use opportune_core::history::{Actor, EventKind};
use opportune_core::records::OppStatus;
use opportune_db::history::Event;
use opportune_db::opportunities::{self, OppFilter, OppInput, Sort};
use opportune_db::{Db, DbError, Paging};

/// One event as (kind, from, to, reason).
type EventView<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// The history as it reads, newest first.
fn events(h: &[Event]) -> Vec<EventView<'_>> {
    h.iter()
        .map(|e| {
            (
                e.kind.as_str(),
                e.from_value.as_deref(),
                e.to_value.as_deref(),
                e.reason.as_deref(),
            )
        })
        .collect()
}

async fn creating_a_deal_records_it(db: Db) {
    let o = org(&db).await;
    let me = o.rep_sh;
    let a = account(&db, &me, "华东人民医院").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(
        &db,
        &me,
        a.id,
        &sales,
        "超声设备采购",
        125_000_000,
        d(2027, 3, 31),
    )
    .await;
    assert_eq!(deal.version, 1);
    assert_eq!(
        (deal.stage_id, deal.process_id, deal.probability),
        (sales.stages[0].row.id, sales.row.id, 10)
    );
    assert_eq!(
        (deal.owner_id, deal.team_id, deal.account_name.as_str()),
        (me.user_id, Some(o.shanghai), "华东人民医院")
    );
    assert_eq!(
        (
            deal.amount_minor,
            deal.currency.as_str(),
            deal.status.as_str()
        ),
        (125_000_000, "CNY", "open")
    );
    assert_eq!(deal.stage_name_en, sales.stages[0].row.name_en);
    assert_eq!(deal.expected_close_date, d(2027, 3, 31));
    assert_eq!(deal.closed_at, None);
    assert_eq!(deal.stage_entered_at, deal.created_at);

    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    let first = sales.stages[0].row.id.to_string();
    assert_eq!(events(&h), [("created", None, Some(first.as_str()), None)]);
    assert_eq!(
        (h[0].actor_id, h[0].actor_name.as_deref()),
        (Some(me.user_id), Some("rep_sh"))
    );
    assert_eq!(h[0].at, deal.created_at);

    let fetched = opportunities::get(&db, &me, deal.id).await.expect("get");
    assert_eq!(
        (fetched.name.as_str(), fetched.version),
        ("超声设备采购", 1)
    );
    assert!(matches!(
        opportunities::get(&db, &me, 999_999).await,
        Err(DbError::NotFound)
    ));
}

async fn each_change_is_recorded_with_its_from_and_to(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 10_000, d(2027, 3, 31)).await;

    let mut edit = opp_input(&me, a.id, "Ultrasound, 2 units", 20_000, d(2027, 4, 30));
    edit.certainty = 30;
    edit.smart_goal = "Sign by April".into();
    let saved = opportunities::update(&db, &me, &deal, &edit)
        .await
        .expect("update");
    assert_eq!(
        (saved.version, saved.amount_minor, saved.certainty),
        (2, 20_000, 30)
    );
    assert_eq!(
        (saved.name.as_str(), saved.smart_goal.as_str()),
        ("Ultrasound, 2 units", "Sign by April")
    );
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    let mut changes = events(&h)[..4].to_vec();
    changes.sort_unstable();
    assert_eq!(
        changes,
        [
            ("amount", Some("10000"), Some("20000"), None),
            ("certainty", Some("0"), Some("30"), None),
            ("close_date", Some("2027-03-31"), Some("2027-04-30"), None),
            (
                "name",
                Some("Ultrasound"),
                Some("Ultrasound, 2 units"),
                None
            ),
        ]
    );
    assert_eq!(h.len(), 5, "a goal change is not an event");
    assert!(
        h[..4]
            .iter()
            .all(|e| e.at == saved.updated_at && e.actor_id == Some(me.user_id))
    );
    // Each event of the edit keeps the deal as the edit left it; the creation, as it was.
    assert!(
        h[..4]
            .iter()
            .all(|e| (e.amount_minor, e.certainty, e.expected_close_date)
                == (20_000, 30, d(2027, 4, 30)))
    );
    assert_eq!(
        (h[4].amount_minor, h[4].certainty, h[4].probability),
        (10_000, 0, 10)
    );

    // Won: a status event with its reason, and the deal is closed at that moment.
    edit.status = OppStatus::Won;
    edit.close_reason = "技术方案领先".into();
    let won = opportunities::update(&db, &me, &saved, &edit)
        .await
        .expect("win");
    assert_eq!(won.closed_at, Some(won.updated_at));
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    assert_eq!(events(&h)[0], ("status", Some("open"), Some("won"), None));
    assert_eq!(
        (h[0].status, h[0].close_reason.as_str()),
        (OppStatus::Won, "技术方案领先"),
        "the reason rides on the status event"
    );
    assert_eq!(h[0].kind, EventKind::Status);

    // A manager hands the deal to a rep of a sub-team: an owner event, and the team follows.
    edit.owner_id = o.rep_sh.user_id;
    let handed = opportunities::update(&db, &o.mgr_east, &won, &edit)
        .await
        .expect("reassign");
    assert_eq!(
        (handed.owner_id, handed.team_id, handed.closed_at),
        (o.rep_sh.user_id, Some(o.shanghai), won.closed_at)
    );
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    let (from, to) = (me.user_id.to_string(), o.rep_sh.user_id.to_string());
    assert_eq!(
        events(&h)[0],
        ("owner", Some(from.as_str()), Some(to.as_str()), None)
    );
    assert_eq!(h[0].actor_id, Some(o.mgr_east.user_id));
    assert_eq!(
        (h[0].owner_id, h[0].team_id),
        (o.rep_sh.user_id, Some(o.shanghai)),
        "the new owner's team is in the state"
    );

    // Reopened: closed_at is cleared.
    edit.status = OppStatus::Open;
    let reopened = opportunities::update(&db, &o.mgr_east, &handed, &edit)
        .await
        .expect("reopen");
    assert_eq!(reopened.closed_at, None);

    // A reason, a grade, tracking and a review date changed alone are each an event.
    edit.close_reason = String::new();
    edit.grade = Some("A".into());
    edit.tracked = true;
    edit.next_review_date = Some(d(2027, 1, 15));
    let flagged = opportunities::update(&db, &o.mgr_east, &reopened, &edit)
        .await
        .expect("flags");
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    let mut kinds: Vec<&str> = h
        .iter()
        .filter(|e| e.at == flagged.updated_at)
        .map(|e| e.kind.as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["close_reason", "grade", "review_date", "tracked"]);
    let report = opportune_db::history::check_replay(&db)
        .await
        .expect("replay");
    assert_eq!(
        (report.deals, report.failed),
        (1, 0),
        "{:?}",
        report.failures
    );
}

/// An edit sets only the fields it changes (fix 24): each field edited alone is saved, nothing
/// else moves, and the deal the edit answers with is the deal as stored.
async fn each_field_edited_alone_is_saved(db: Db) {
    let o = org(&db).await;
    let me = o.mgr_east;
    let a = account(&db, &me, "Hospital").await;
    let b = account(&db, &me, "Clinic").await;
    let sales = process(&db, "sales_cycle").await;
    let mut deal = opportunity(&db, &me, a.id, &sales, "MRI", 10_000, d(2027, 3, 31)).await;
    let edits: [fn(&mut OppInput, i64, i64); 15] = [
        |x, b, _| x.account_id = b,
        |x, _, _| x.name = "MRI, 3T".into(),
        |x, _, rep| x.owner_id = rep,
        |x, _, _| x.amount_minor = 25_000,
        |x, _, _| x.expected_close_date = d(2027, 6, 30),
        |x, _, _| x.certainty = 60,
        |x, _, _| x.certainty_evidence = 40,
        |x, _, _| x.smart_goal = "Sign in June".into(),
        |x, _, _| x.source = "Referral".into(),
        |x, _, _| x.competitors = "GE".into(),
        |x, _, _| x.status = OppStatus::Lost,
        |x, _, _| x.tracked = true,
        |x, _, _| x.grade = Some("A".into()),
        |x, _, _| x.first_meeting_date = Some(d(2026, 12, 1)),
        |x, _, _| x.next_review_date = Some(d(2027, 1, 15)),
    ];
    for (i, edit) in edits.iter().enumerate() {
        let mut x = OppInput::from(&deal);
        edit(&mut x, b.id, o.rep_sh.user_id);
        let saved = opportunities::update(&db, &me, &deal, &x)
            .await
            .expect("an edit of one field");
        assert_eq!(OppInput::from(&saved), x, "edit {i}");
        assert_eq!(saved.version, deal.version + 1, "edit {i}");
        let stored = opportunities::get(&db, &me, deal.id).await.expect("read");
        assert_eq!(saved, stored, "edit {i}: the answer is the deal as stored");
        deal = saved;
    }
    assert_eq!(
        (deal.team_id, deal.account_name.as_str()),
        (Some(o.shanghai), "Clinic"),
        "the team follows the owner, the account's name the account"
    );
    assert!(deal.closed_at.is_some(), "a lost deal is closed");
}

async fn a_stale_edit_changes_nothing_and_records_nothing(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 10_000, d(2027, 3, 31)).await;
    let first = opp_input(&me, a.id, "Ultrasound", 15_000, d(2027, 3, 31));
    opportunities::update(&db, &me, &deal, &first)
        .await
        .expect("first edit");

    let second = opp_input(&me, a.id, "Ultrasound", 99_000, d(2028, 1, 1));
    let stale = opportunities::update(&db, &me, &deal, &second).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    let now = opportunities::get(&db, &me, deal.id).await.expect("get");
    assert_eq!(
        (now.amount_minor, now.expected_close_date, now.version),
        (15_000, d(2027, 3, 31), 2)
    );
    assert_eq!(
        opportune_db::history::of_deal(&db, deal.id)
            .await
            .expect("history")
            .len(),
        2,
        "created + amount only"
    );

    let stale_move =
        opportunities::move_stage(&db, &me, &deal, &sales.stages[1].row, Some("late"), &[]).await;
    assert!(
        matches!(stale_move, Err(DbError::Stale)),
        "a move decided on an old read is refused"
    );
    let stale_checks =
        opportunities::set_checks(&db, &me, deal.id, 1, &[sales.stages[1].entry[0].id]).await;
    assert!(
        matches!(stale_checks, Err(DbError::Stale)),
        "{stale_checks:?}"
    );
    let now = opportunities::get(&db, &me, deal.id).await.expect("get");
    assert_eq!((now.stage_id, now.version), (sales.stages[0].row.id, 2));
    assert!(
        opportunities::checks(&db, deal.id)
            .await
            .expect("checks")
            .is_empty()
    );
    assert_eq!(
        opportune_db::history::of_deal(&db, deal.id)
            .await
            .expect("history")
            .len(),
        2
    );
}

async fn stage_moves_are_recorded_with_their_reason(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 10_000, d(2027, 3, 31)).await;
    let (r0, r1, r2) = (
        &sales.stages[0].row,
        &sales.stages[1].row,
        &sales.stages[2].row,
    );
    let (s0, s1, s2) = (r0.id, r1.id, r2.id);

    let moved = opportunities::move_stage(&db, &me, &deal, r1, Some("客户口头确认"), &[])
        .await
        .expect("move");
    assert_eq!(
        (moved.stage_id, moved.version, moved.probability),
        (s1, 2, 20)
    );
    assert!(moved.stage_entered_at > deal.stage_entered_at);
    assert_eq!(moved.stage_entered_at, moved.updated_at);
    let stored = opportunities::get(&db, &me, deal.id).await.expect("read");
    assert_eq!(moved, stored, "the answer is the deal as stored");
    let moved = opportunities::move_stage(&db, &me, &moved, r2, None, &[])
        .await
        .expect("move");
    let back = opportunities::move_stage(&db, &me, &moved, r0, None, &[])
        .await
        .expect("move back");
    assert_eq!((back.stage_id, back.version), (s0, 4));
    let stored = opportunities::get(&db, &me, deal.id).await.expect("read");
    assert_eq!(back, stored, "the answer is the deal as stored");

    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    let (s0, s1, s2) = (s0.to_string(), s1.to_string(), s2.to_string());
    assert_eq!(
        events(&h),
        [
            ("stage", Some(s2.as_str()), Some(s0.as_str()), None),
            ("stage", Some(s1.as_str()), Some(s2.as_str()), None),
            (
                "stage",
                Some(s0.as_str()),
                Some(s1.as_str()),
                Some("客户口头确认")
            ),
            ("created", None, Some(s0.as_str()), None),
        ],
        "newest first"
    );
}

async fn criteria_ticks_are_replaced_as_a_set(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 10_000, d(2027, 3, 31)).await;
    let mut ids = sales.stages[1].entry_ids();
    ids.sort_unstable();
    let saved = opportunities::set_checks(&db, &me, deal.id, 1, &ids)
        .await
        .expect("tick");
    assert_eq!(saved.version, 2);
    assert_eq!(
        opportunities::checks(&db, deal.id).await.expect("checks"),
        ids
    );
    opportunities::set_checks(&db, &me, deal.id, 2, &ids[..1])
        .await
        .expect("untick");
    assert_eq!(
        opportunities::checks(&db, deal.id).await.expect("checks"),
        ids[..1]
    );
    // The deal read with its ticks in one query says the same as the two reads.
    let with = |v| {
        let db = db.clone();
        async move { opportunities::get_with_checks(&db, &v, deal.id).await }
    };
    let read = with(me).await.expect("the deal with its ticks");
    assert_eq!(
        (
            read.deal.id,
            read.deal.version,
            read.checks.as_slice(),
            read.shared
        ),
        (deal.id, 3, &ids[..1], false)
    );
    assert!(
        matches!(with(o.rep_west).await, Err(DbError::NotFound)),
        "not for a rep of another team"
    );
    // Whether it is shared with anyone, as its page needs to know (fix 31).
    let kind = opportune_db::shares::ShareKind::Opportunity;
    opportune_db::shares::add(&db, &me, kind, deal.id, o.rep_west.user_id)
        .await
        .expect("share");
    assert_eq!(
        (
            with(me).await.map(|r| r.shared).ok(),
            with(o.rep_west).await.map(|r| r.shared).ok()
        ),
        (Some(true), Some(true)),
        "shared, as the owner and the colleague read it"
    );
    opportune_db::shares::remove(&db, &me, kind, deal.id, o.rep_west.user_id)
        .await
        .expect("unshare");
    assert!(!with(me).await.expect("read").shared, "no longer shared");
    opportunities::set_checks(&db, &me, deal.id, 3, &ids)
        .await
        .expect("tick all again");
    assert_eq!(
        with(me).await.expect("read").checks,
        ids,
        "every tick, in order"
    );
    opportunities::set_checks(&db, &me, deal.id, 4, &[])
        .await
        .expect("untick all");
    assert!(with(me).await.expect("read").checks.is_empty(), "no ticks");
    opportunities::set_checks(&db, &me, deal.id, 5, &ids[..1])
        .await
        .expect("tick one");

    let theirs = opportunities::set_checks(&db, &o.rep_west, deal.id, 6, &ids).await;
    assert!(matches!(theirs, Err(DbError::NotFound)), "{theirs:?}");
    assert_eq!(
        opportunities::checks(&db, deal.id).await.expect("checks"),
        ids[..1]
    );

    opportunities::delete(&db, &me, deal.id)
        .await
        .expect("delete");
    assert!(matches!(
        opportunities::get(&db, &me, deal.id).await,
        Err(DbError::NotFound)
    ));
    assert_eq!(
        opportunities::checks(&db, deal.id).await.expect("checks"),
        ids[..1],
        "a deleted deal keeps its ticks, to be restored with them"
    );
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    assert_eq!(
        (h[0].kind, h[0].deleted, h[0].actor_id),
        (EventKind::Deleted, true, Some(me.user_id)),
        "its history is kept and says who deleted it"
    );
}

/// A deleted deal leaves every list, board column and total, is listed for administrators
/// with when it went, and comes back whole when one restores it.
async fn a_deleted_deal_is_kept_and_can_be_restored(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 10_000, d(2027, 3, 31)).await;
    let kept = opportunity(&db, &me, a.id, &sales, "CT", 5_000, d(2027, 3, 31)).await;
    let open = OppFilter {
        process_id: Some(sales.row.id),
        status: Some("open".into()),
        ..OppFilter::default()
    };
    let listed = |v| {
        let db = db.clone();
        async move {
            opportunities::list(
                &db,
                &v,
                &OppFilter::default(),
                Sort::CloseAsc,
                Paging::new(None, None),
            )
            .await
            .expect("list")
            .items
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>()
        }
    };
    let sums = |v| {
        let (db, open) = (db.clone(), open.clone());
        async move {
            let s = opportunities::stage_sums(&db, &v, &open)
                .await
                .expect("sums");
            s.iter()
                .map(|x| (x.count, x.amount_minor))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(sums(me).await, [(2, 15_000)]);

    assert!(matches!(
        opportunities::delete(&db, &o.rep_west, deal.id).await,
        Err(DbError::NotFound)
    ));
    opportunities::delete(&db, &me, deal.id)
        .await
        .expect("delete");
    assert!(
        matches!(
            opportunities::delete(&db, &me, deal.id).await,
            Err(DbError::NotFound)
        ),
        "deleted once"
    );
    for v in [me, o.mgr_east, o.admin] {
        assert_eq!(listed(v).await, [kept.id], "{v:?}");
        assert_eq!(sums(v).await, [(1, 5_000)], "{v:?}");
        assert!(matches!(
            opportunities::get(&db, &v, deal.id).await,
            Err(DbError::NotFound)
        ));
    }
    assert_eq!(
        opportunities::stage_sums(&db, &o.admin, &OppFilter::default())
            .await
            .expect("sums")[0]
            .count,
        1,
        "nor in the totals of every status"
    );
    let bin = opportunities::deleted(&db, &o.admin, Paging::new(None, None))
        .await
        .expect("deleted");
    assert_eq!(
        (
            bin.total,
            bin.items[0].deal.id,
            bin.items[0].deal.name.as_str()
        ),
        (1, deal.id, "Ultrasound")
    );

    assert!(
        matches!(
            opportunities::restore(&db, Actor::User(o.admin.user_id), kept.id).await,
            Err(DbError::NotFound)
        ),
        "only a deleted deal is restored"
    );
    opportunities::restore(&db, Actor::User(o.admin.user_id), deal.id)
        .await
        .expect("restore");
    let back = opportunities::get(&db, &me, deal.id).await.expect("back");
    assert_eq!(
        (back.name.as_str(), back.amount_minor, back.version),
        ("Ultrasound", 10_000, deal.version + 2)
    );
    assert_eq!(sums(me).await, [(2, 15_000)]);
    assert_eq!(
        opportunities::deleted(&db, &o.admin, Paging::new(None, None))
            .await
            .expect("deleted")
            .total,
        0
    );
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    assert_eq!(
        h.iter().map(|e| e.kind).take(2).collect::<Vec<_>>(),
        [EventKind::Restored, EventKind::Deleted]
    );
    assert_eq!(h[0].actor_id, Some(o.admin.user_id));
    let report = opportune_db::history::check_replay(&db)
        .await
        .expect("replay");
    assert_eq!(
        (report.deals, report.failed),
        (2, 0),
        "{:?}",
        report.failures
    );
}

async fn the_list_filters_sorts_and_pages(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let other = process(&db, "project_milestones").await;
    let hospital = account(&db, &o.rep_east, "Hospital").await;
    let factory = account(&db, &o.rep_sh, "Factory").await;
    let west = account(&db, &o.rep_west, "West Co").await;
    let alpha = opportunity(
        &db,
        &o.rep_east,
        hospital.id,
        &sales,
        "alpha ultrasound",
        30_000,
        d(2027, 1, 15),
    )
    .await;
    let beta = opportunity(
        &db,
        &o.rep_east,
        hospital.id,
        &other,
        "beta scanner",
        10_000,
        d(2027, 3, 1),
    )
    .await;
    let gamma = opportunity(
        &db,
        &o.rep_sh,
        factory.id,
        &sales,
        "gamma ultrasound",
        50_000,
        d(2026, 12, 31),
    )
    .await;
    let delta = opportunity(
        &db,
        &o.rep_west,
        west.id,
        &sales,
        "delta robot",
        20_000,
        d(2027, 2, 1),
    )
    .await;
    let mut won = opp_input(
        &o.rep_sh,
        factory.id,
        "gamma ultrasound",
        50_000,
        d(2026, 12, 31),
    );
    won.status = OppStatus::Won;
    won.certainty = 100;
    opportunities::update(&db, &o.rep_sh, &gamma, &won)
        .await
        .expect("win gamma");
    let moved = opportunities::move_stage(
        &db,
        &o.rep_east,
        &alpha,
        &sales.stages[1].row,
        Some("ok"),
        &[],
    )
    .await
    .expect("move");

    let admin = o.admin;
    let ids = |f: OppFilter, sort: Sort| {
        let db = db.clone();
        async move {
            let page = opportunities::list(&db, &admin, &f, sort, Paging::new(None, None))
                .await
                .expect("list");
            assert_eq!(page.total, page.items.len() as i64);
            page.items.into_iter().map(|x| x.id).collect::<Vec<_>>()
        }
    };
    let all = OppFilter::default();
    assert_eq!(
        ids(all.clone(), Sort::CloseAsc).await,
        [gamma.id, alpha.id, delta.id, beta.id]
    );
    assert_eq!(
        ids(all.clone(), Sort::CloseDesc).await,
        [beta.id, delta.id, alpha.id, gamma.id]
    );
    assert_eq!(
        ids(all.clone(), Sort::AmountDesc).await,
        [gamma.id, alpha.id, delta.id, beta.id]
    );
    assert_eq!(
        ids(all.clone(), Sort::AmountAsc).await,
        [beta.id, delta.id, alpha.id, gamma.id]
    );
    assert_eq!(
        ids(all.clone(), Sort::NameAsc).await,
        [alpha.id, beta.id, delta.id, gamma.id]
    );
    assert_eq!(
        ids(all.clone(), Sort::UpdatedDesc).await,
        [moved.id, gamma.id, delta.id, beta.id]
    );
    assert_eq!(ids(all.clone(), Sort::CertaintyDesc).await[0], gamma.id);

    assert_eq!(
        ids(
            OppFilter {
                q: Some("ultrasound".into()),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [gamma.id, alpha.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                q: Some("  ".into()),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await
        .len(),
        4,
        "a blank search is no filter"
    );
    for wildcard in ["%", "_", "\\", "ultra%sound", "gamma_ultrasound"] {
        assert_eq!(
            ids(
                OppFilter {
                    q: Some(wildcard.into()),
                    ..OppFilter::default()
                },
                Sort::CloseAsc
            )
            .await,
            Vec::<i64>::new(),
            "{wildcard:?} is searched for as it is written"
        );
    }
    assert_eq!(
        ids(
            OppFilter {
                status: Some("open".into()),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [alpha.id, delta.id, beta.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                status: Some("won".into()),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [gamma.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                process_id: Some(beta.process_id),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [beta.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                stage_id: Some(moved.stage_id),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [alpha.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                account_id: Some(hospital.id),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [alpha.id, beta.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                close_from: Some(d(2027, 1, 15)),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [alpha.id, delta.id, beta.id]
    );
    assert_eq!(
        ids(
            OppFilter {
                close_to: Some(d(2027, 2, 1)),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        [gamma.id, alpha.id, delta.id],
        "inclusive"
    );
    let mut team = OppFilter {
        team_id: Some(o.east),
        ..OppFilter::default()
    };
    assert_eq!(
        ids(team.clone(), Sort::CloseAsc).await,
        [gamma.id, alpha.id, beta.id],
        "a team includes its sub-teams"
    );
    team.owner_id = Some(o.rep_east.user_id);
    assert_eq!(ids(team, Sort::CloseAsc).await, [alpha.id, beta.id]);
    assert_eq!(
        ids(
            OppFilter {
                team_id: Some(0),
                ..OppFilter::default()
            },
            Sort::CloseAsc
        )
        .await,
        Vec::<i64>::new()
    );

    let page = opportunities::list(
        &db,
        &o.admin,
        &all,
        Sort::CloseAsc,
        Paging::new(Some(2), Some(1)),
    )
    .await
    .expect("page");
    assert_eq!((page.total, page.limit, page.offset), (4, 2, 1));
    assert_eq!(
        page.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        [alpha.id, delta.id]
    );
    let clamped = Paging::new(Some(10_000), Some(-3));
    assert_eq!((clamped.limit, clamped.offset), (500, 0));
}

async fn search_matches_chinese_names(db: Db) {
    let o = org(&db).await;
    let sales = process(&db, "sales_cycle").await;
    let a = account(&db, &o.rep_east, "华东人民医院").await;
    let deal = opportunity(
        &db,
        &o.rep_east,
        a.id,
        &sales,
        "超声设备采购",
        100,
        d(2027, 3, 31),
    )
    .await;
    opportunity(
        &db,
        &o.rep_east,
        a.id,
        &sales,
        "CT 维保",
        100,
        d(2027, 3, 31),
    )
    .await;
    let f = OppFilter {
        q: Some("设备".into()),
        ..OppFilter::default()
    };
    let page = opportunities::list(&db, &o.rep_east, &f, Sort::NameAsc, Paging::new(None, None))
        .await
        .expect("list");
    assert_eq!(
        page.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        [deal.id]
    );
}

conformance!(
    each_field_edited_alone_is_saved,
    creating_a_deal_records_it,
    each_change_is_recorded_with_its_from_and_to,
    a_stale_edit_changes_nothing_and_records_nothing,
    stage_moves_are_recorded_with_their_reason,
    criteria_ticks_are_replaced_as_a_set,
    the_list_filters_sorts_and_pages,
    search_matches_chinese_names,
    a_deleted_deal_is_kept_and_can_be_restored,
);
