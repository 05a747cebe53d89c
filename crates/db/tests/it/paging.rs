//! A page of a list is the same whichever way the database reads it: collecting the viewer's
//! matches and sorting them, or walking the index of the sort order (what SQLite is told to do
//! when the matches are a large share of the table). Every page must be the slice of the whole
//! sorted list at its offset, the whole list must be in the promised order, and the total must
//! count every match — for a manager (two thirds of the records), a rep (one third) and an
//! admin, at offsets that take both ways.

use crate::fixtures::{Org, account, activity_input, d, opp_input, opportunity, org, process};
use chrono::Duration;
use opportune_core::records::{ActivityKind, LeadStatus};
use opportune_db::accounts::{self, Account, AccountFilter};
use opportune_db::activities::{self, Activity, ActivityFilter};
use opportune_db::contacts::{self, Contact, ContactFilter, ContactInput};
use opportune_db::leads::{self, Lead, LeadFilter, LeadInput};
use opportune_db::opportunities::{self, OppFilter, Opportunity, Sort};
use opportune_db::shares::{self, ShareKind};
use opportune_db::{Db, Paging, Viewer};
use std::cmp::Ordering;

const RECORDS: usize = 60;

/// The pages `(limit, offset)` compared with the whole list: the first (read in order for the
/// manager and the admin), later ones (collected), one past the end.
const PAGES: [(i64, i64); 5] = [(7, 0), (7, 7), (7, 35), (5, 50), (10, 60)];

/// Checks the list `$list` gives for the paging `$paging`: the whole of it is in order (each
/// record `$in_order` with the next) and counts `$matches`, and every page of [`PAGES`] is its
/// slice at the page's offset with the same total. (A macro: the futures of async closures are
/// not known to be `Send`.)
macro_rules! same_pages {
    ($what:expr, $matches:expr, $in_order:expr, $paging:ident => $list:expr) => {{
        let what = $what;
        let matches: usize = $matches;
        let in_order = $in_order;
        let $paging = Paging::new(Some(500), None);
        let whole = $list;
        assert!(
            whole.items.windows(2).all(|w| in_order(&w[0], &w[1])),
            "{what}: in order"
        );
        let whole_ids: Vec<i64> = whole.items.iter().map(|x| x.id).collect();
        assert_eq!(whole_ids.len(), matches, "{what}: every match listed");
        assert_eq!(whole.total, matches as i64, "{what}: total");
        for (limit, offset) in PAGES {
            let $paging = Paging::new(Some(limit), Some(offset));
            let page = $list;
            let ids: Vec<i64> = page.items.iter().map(|x| x.id).collect();
            let from = (offset as usize).min(whole_ids.len());
            let to = (from + limit as usize).min(whole_ids.len());
            assert_eq!(ids, whole_ids[from..to], "{what}: page {limit} at {offset}");
            assert_eq!(page.total, matches as i64, "{what}: total at {offset}");
        }
    }};
}

/// The viewers and how many of the records (spread over the three reps in turn) each sees.
fn viewers(o: &Org) -> [(&'static str, Viewer, usize); 3] {
    [
        ("mgr_east", o.mgr_east, RECORDS * 2 / 3),
        ("rep_west", o.rep_west, RECORDS / 3),
        ("admin", o.admin, RECORDS),
    ]
}

fn owner(o: &Org, i: usize) -> Viewer {
    [o.rep_east, o.rep_sh, o.rep_west][i % 3]
}

/// `a` comes before `b` in `sort`'s order, ties broken by id as the list promises.
fn before(sort: Sort, a: &Opportunity, b: &Opportunity) -> bool {
    let key = match sort {
        Sort::CloseAsc => a.expected_close_date.cmp(&b.expected_close_date),
        Sort::CloseDesc => b.expected_close_date.cmp(&a.expected_close_date),
        Sort::AmountDesc => b.amount_minor.cmp(&a.amount_minor),
        Sort::AmountAsc => a.amount_minor.cmp(&b.amount_minor),
        Sort::NameAsc => a.name.cmp(&b.name),
        Sort::UpdatedDesc => b.updated_at.cmp(&a.updated_at),
        Sort::CertaintyDesc => b.certainty.cmp(&a.certainty),
    };
    let ids = match sort {
        Sort::CloseAsc | Sort::AmountAsc | Sort::NameAsc => a.id.cmp(&b.id),
        _ => b.id.cmp(&a.id),
    };
    key.then(ids) == Ordering::Less
}

async fn opportunity_pages(db: Db) {
    let o = org(&db).await;
    let p = process(&db, "sales_cycle").await;
    let start = d(2026, 1, 1);
    let mut made = Vec::new();
    for i in 0..RECORDS {
        let who = owner(&o, i);
        let acc = account(&db, &who, "Account").await;
        let input = opportunities::OppInput {
            certainty: (i % 4) as i64 * 25,
            ..opp_input(
                &who,
                acc.id,
                &format!("Deal {}", i % 9),
                (i % 7) as i64 * 1_000,
                start + Duration::days((i * 11 % 90) as i64),
            )
        };
        let deal = opportunities::create(&db, &who, &input, p.row.id, p.stages[0].row.id, "CNY")
            .await
            .expect("create opportunity");
        made.push(deal.id);
    }
    // Two of rep_east's deals shared with rep_west (closing in January and in February): a
    // rep's list reads them apart from their own (fix 27).
    for deal in [made[0], made[3]] {
        shares::add(
            &db,
            &o.admin,
            ShareKind::Opportunity,
            deal,
            o.rep_west.user_id,
        )
        .await
        .expect("share");
    }
    let february = OppFilter {
        status: Some("open".into()),
        close_from: Some(d(2026, 2, 1)),
        close_to: Some(d(2026, 2, 28)),
        ..OppFilter::default()
    };
    let filters = [
        ("no filter", OppFilter::default()),
        ("open, February", february),
    ];
    for (v_name, v, sees) in viewers(&o) {
        let visible = opportunities::list(
            &db,
            &v,
            &OppFilter::default(),
            Sort::CloseAsc,
            Paging::new(Some(500), None),
        )
        .await
        .expect("list")
        .items;
        let shared = if v.user_id == o.rep_west.user_id {
            2
        } else {
            0
        };
        assert_eq!(visible.len(), sees + shared, "{v_name} sees their part");
        for (f_name, f) in &filters {
            let matches = visible
                .iter()
                .filter(|x| {
                    f.close_from
                        .is_none_or(|from| x.expected_close_date >= from)
                        && f.close_to.is_none_or(|to| x.expected_close_date <= to)
                })
                .count();
            assert!(matches > 0, "{v_name}, {f_name}: the filter matches deals");
            for sort in Sort::ALL {
                same_pages!(
                    format!("{v_name}, {f_name}, {}", sort.as_str()),
                    matches,
                    |a: &Opportunity, b: &Opportunity| before(sort, a, b),
                    paging => opportunities::list(&db, &v, f, sort, paging).await.expect("list")
                );
            }
        }
    }
}

async fn record_pages(db: Db) {
    let o = org(&db).await;
    let mut made = Vec::new();
    for i in 0..RECORDS {
        let who = owner(&o, i);
        let acc = account(&db, &who, &format!("Account {}", i % 8)).await;
        let contact = contacts::create(
            &db,
            &who,
            &ContactInput {
                account_id: acc.id,
                name: format!("Contact {}", i % 5),
                owner_id: who.user_id,
                ..ContactInput::default()
            },
        )
        .await
        .expect("create contact");
        let lead = leads::create(
            &db,
            &who,
            &LeadInput {
                name: format!("Lead {i}"),
                status: LeadStatus::New,
                owner_id: who.user_id,
                ..LeadInput::default()
            },
        )
        .await
        .expect("create lead");
        made.push((acc.id, contact.id, lead.id));
        activities::create(
            &db,
            &who,
            &activity_input(
                &who,
                acc.id,
                None,
                ActivityKind::Visit,
                d(2026, 3, 1) + Duration::days((i % 6) as i64),
            ),
        )
        .await
        .expect("create activity");
    }
    // Others' records shared with rep_west (a rep's lists read these apart from their own, fix
    // 27): an account of rep_east's (and so its contact), a contact of rep_sh's, a lead of
    // rep_east's, and a deal of rep_east's on another account (so that account, and the deal's
    // activity).
    let share = |kind: ShareKind, id: i64| {
        let (db, admin, to) = (db.clone(), o.admin, o.rep_west.user_id);
        async move { shares::add(&db, &admin, kind, id, to).await.expect("share") }
    };
    let (east_account, _, east_lead) = made[0];
    share(ShareKind::Account, east_account).await;
    share(ShareKind::Contact, made[1].1).await;
    share(ShareKind::Lead, east_lead).await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(
        &db,
        &o.rep_east,
        made[3].0,
        &sales,
        "Shared",
        1,
        d(2026, 3, 2),
    )
    .await;
    activities::create(
        &db,
        &o.rep_east,
        &activity_input(
            &o.rep_east,
            made[3].0,
            Some(deal.id),
            ActivityKind::Call,
            d(2026, 3, 2),
        ),
    )
    .await
    .expect("create the deal's activity");
    share(ShareKind::Opportunity, deal.id).await;
    for (v_name, v, sees) in viewers(&o) {
        // What is shared counts for rep_west only; the deal's activity is rep_east's, which
        // mgr_east and the admin see too.
        let rep = usize::from(v.user_id == o.rep_west.user_id);
        same_pages!(
            format!("{v_name}, accounts by name"),
            sees + 2 * rep,
            |a: &Account, b: &Account| (&a.name, a.id) < (&b.name, b.id),
            paging => accounts::list(&db, &v, &AccountFilter::default(), paging).await.expect("accounts")
        );
        same_pages!(
            format!("{v_name}, contacts by name"),
            sees + 2 * rep,
            |a: &Contact, b: &Contact| (&a.name, a.id) < (&b.name, b.id),
            paging => contacts::list(&db, &v, &ContactFilter::default(), paging).await.expect("contacts")
        );
        same_pages!(
            format!("{v_name}, newest leads first"),
            sees + rep,
            |a: &Lead, b: &Lead| (a.created_at, a.id) > (b.created_at, b.id),
            paging => leads::list(&db, &v, &LeadFilter::default(), paging).await.expect("leads")
        );
        same_pages!(
            format!("{v_name}, latest activities first"),
            sees + 1,
            |a: &Activity, b: &Activity| (a.occurred_on, a.id) > (b.occurred_on, b.id),
            paging => activities::list(&db, &v, &ActivityFilter::default(), paging).await.expect("activities")
        );
    }
}

/// The totals of the record lists (summed per owner, kept by triggers) follow every change that
/// moves a record between viewers: a new owner, a lead's status, a deletion, a share. Each total
/// is compared with the records the same viewer lists.
async fn totals_follow_changes(db: Db) {
    let o = org(&db).await;
    let mut accounts_made = Vec::new();
    let mut leads_made = Vec::new();
    let mut contacts_made = Vec::new();
    for i in 0..6 {
        let who = owner(&o, i);
        let acc = account(&db, &who, &format!("Account {i}")).await;
        contacts_made.push(
            contacts::create(
                &db,
                &who,
                &ContactInput {
                    account_id: acc.id,
                    name: format!("Contact {i}"),
                    owner_id: who.user_id,
                    ..ContactInput::default()
                },
            )
            .await
            .expect("create contact"),
        );
        leads_made.push(
            leads::create(
                &db,
                &who,
                &LeadInput {
                    name: format!("Lead {i}"),
                    status: LeadStatus::New,
                    owner_id: who.user_id,
                    ..LeadInput::default()
                },
            )
            .await
            .expect("create lead"),
        );
        accounts_made.push(acc);
    }
    // rep_east's first account goes to rep_west; a lead is qualified; a contact is deleted; an
    // account of rep_sh is shared with mgr_west (its contacts come along).
    let moved = &accounts_made[0];
    accounts::update(
        &db,
        &o.admin,
        moved.id,
        moved.version,
        &accounts::AccountInput {
            owner_id: o.rep_west.user_id,
            ..accounts::AccountInput::from(moved)
        },
    )
    .await
    .expect("reassign the account");
    let lead = &leads_made[1];
    leads::update(
        &db,
        &o.admin,
        lead.id,
        lead.version,
        &LeadInput {
            status: LeadStatus::Contacted,
            ..LeadInput::from(lead)
        },
    )
    .await
    .expect("change the lead's status");
    contacts::delete(&db, &o.admin, contacts_made[2].id)
        .await
        .expect("delete the contact");
    opportune_db::shares::add(
        &db,
        &o.admin,
        opportune_db::shares::ShareKind::Account,
        accounts_made[4].id,
        o.mgr_west.user_id,
    )
    .await
    .expect("share the account");
    let all = Paging::new(Some(500), None);
    for (v_name, v, _) in viewers(&o)
        .into_iter()
        .chain([("mgr_west", o.mgr_west, 0), ("rep_east", o.rep_east, 0)])
    {
        let page = accounts::list(&db, &v, &AccountFilter::default(), all)
            .await
            .expect("accounts");
        assert_eq!(page.total, page.items.len() as i64, "{v_name}: accounts");
        let page = contacts::list(&db, &v, &ContactFilter::default(), all)
            .await
            .expect("contacts");
        assert_eq!(page.total, page.items.len() as i64, "{v_name}: contacts");
        for status in [None, Some(LeadStatus::New), Some(LeadStatus::Contacted)] {
            let f = LeadFilter {
                status,
                ..LeadFilter::default()
            };
            let page = leads::list(&db, &v, &f, all).await.expect("leads");
            assert_eq!(
                page.total,
                page.items.len() as i64,
                "{v_name}: leads {status:?}"
            );
        }
    }
    let west = accounts::list(&db, &o.mgr_west, &AccountFilter::default(), all)
        .await
        .expect("accounts");
    assert_eq!(
        west.total, 4,
        "mgr_west: rep_west's 2, the moved one, the shared one"
    );
}

conformance!(opportunity_pages, record_pages, totals_follow_changes);
