//! Accounts, contacts, leads and activities: create, read, list with filters and paging,
//! versioned update, delete.

use crate::fixtures::{account, d, opportunity, org, process};
use opportune_core::records::{AccountStatus, ActivityKind, LeadStatus};
use opportune_db::accounts::{self, AccountFilter, AccountInput};
use opportune_db::activities::{self, ActivityFilter, ActivityInput};
use opportune_db::contacts::{self, ContactFilter, ContactInput};
use opportune_db::leads::{self, LeadFilter, LeadInput};
use opportune_db::{Db, DbError, Paging, opportunities};

fn all() -> Paging {
    Paging::new(None, None)
}

async fn accounts_crud_with_versions(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = accounts::create(
        &db,
        &me,
        &AccountInput {
            name: "华东人民医院".into(),
            industry: "healthcare".into(),
            region: "上海".into(),
            grade: Some("A".into()),
            status: AccountStatus::Active,
            owner_id: me.user_id,
            ..AccountInput::default()
        },
    )
    .await
    .expect("create");
    assert_eq!(a.version, 1);
    assert_eq!(
        (a.owner_id, a.team_id, a.owner_name.as_str()),
        (me.user_id, Some(o.east), "rep_east")
    );
    assert_eq!(a.created_at, a.updated_at);
    let got = accounts::get(&db, &me, a.id).await.expect("get");
    assert_eq!(
        (got.name.as_str(), got.grade.as_deref(), got.region.as_str()),
        ("华东人民医院", Some("A"), "上海")
    );

    let mut edit = AccountInput::from(&got);
    edit.name = "华东人民医院（新院区）".into();
    edit.grade = None;
    let saved = accounts::update(&db, &me, a.id, 1, &edit)
        .await
        .expect("update at the read version");
    assert_eq!((saved.version, saved.grade.clone()), (2, None));
    assert!(saved.updated_at >= saved.created_at);

    edit.name = "Overwritten".into();
    let stale = accounts::update(&db, &me, a.id, 1, &edit).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    let now = accounts::get(&db, &me, a.id).await.expect("get");
    assert_eq!(
        (now.name.as_str(), now.version),
        ("华东人民医院（新院区）", 2),
        "a stale edit changes nothing"
    );
    let missing = accounts::update(&db, &me, 999_999, 1, &edit).await;
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");

    // Handing the account to someone in another team moves it to their team.
    edit.owner_id = o.rep_west.user_id;
    let moved = accounts::update(&db, &o.admin, a.id, 2, &edit)
        .await
        .expect("reassign");
    assert_eq!(
        (moved.owner_id, moved.team_id),
        (o.rep_west.user_id, Some(o.west))
    );

    accounts::delete(&db, &o.admin, a.id).await.expect("delete");
    assert!(matches!(
        accounts::get(&db, &o.admin, a.id).await,
        Err(DbError::NotFound)
    ));
    assert!(matches!(
        accounts::delete(&db, &o.admin, a.id).await,
        Err(DbError::NotFound)
    ));
}

async fn account_lists_filter_and_page(db: Db) {
    let o = org(&db).await;
    for name in ["Gamma Labs", "Alpha Steel", "Beta Foods", "Alpha Pharma"] {
        account(&db, &o.rep_east, name).await;
    }
    account(&db, &o.rep_sh, "Alpha Shanghai").await;
    let names = |p: opportune_db::Page<accounts::Account>| {
        p.items.into_iter().map(|a| a.name).collect::<Vec<_>>()
    };

    let page = accounts::list(&db, &o.rep_east, &AccountFilter::default(), all())
        .await
        .expect("list");
    assert_eq!(page.total, 4);
    assert_eq!(
        names(page),
        ["Alpha Pharma", "Alpha Steel", "Beta Foods", "Gamma Labs"],
        "sorted by name"
    );

    let q = AccountFilter {
        q: Some("Alpha".into()),
        owner_id: None,
    };
    let page = accounts::list(&db, &o.mgr_east, &q, all())
        .await
        .expect("search");
    assert_eq!(
        names(page),
        ["Alpha Pharma", "Alpha Shanghai", "Alpha Steel"]
    );
    let mine = AccountFilter {
        q: Some("Alpha".into()),
        owner_id: Some(o.rep_sh.user_id),
    };
    assert_eq!(
        names(
            accounts::list(&db, &o.mgr_east, &mine, all())
                .await
                .expect("list")
        ),
        ["Alpha Shanghai"]
    );

    let page = accounts::list(
        &db,
        &o.mgr_east,
        &AccountFilter::default(),
        Paging::new(Some(2), Some(1)),
    )
    .await
    .expect("page");
    assert_eq!((page.total, page.limit, page.offset), (5, 2, 1));
    assert_eq!(names(page), ["Alpha Shanghai", "Alpha Steel"]);
}

async fn an_account_in_use_is_not_deleted(db: Db) {
    let o = org(&db).await;
    let a = account(&db, &o.rep_east, "Referenced").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &o.rep_east, a.id, &sales, "Deal", 100, d(2027, 1, 1)).await;
    let refused = accounts::delete(&db, &o.rep_east, a.id).await;
    assert!(matches!(refused, Err(DbError::InUse)), "{refused:?}");
    assert!(
        accounts::get(&db, &o.rep_east, a.id).await.is_ok(),
        "still there"
    );
    opportunities::delete(&db, &o.rep_east, deal.id)
        .await
        .expect("delete the deal");
    let refused = accounts::delete(&db, &o.rep_east, a.id).await;
    assert!(
        matches!(refused, Err(DbError::InUse)),
        "a deleted deal is kept, and may be restored onto its account: {refused:?}"
    );
}

fn contact_input(account_id: i64, owner_id: i64, name: &str) -> ContactInput {
    ContactInput {
        account_id,
        name: name.into(),
        owner_id,
        ..ContactInput::default()
    }
}

async fn contacts_crud_with_versions(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let hospital = account(&db, &me, "Hospital").await;
    let clinic = account(&db, &me, "Clinic").await;
    let mut input = contact_input(hospital.id, me.user_id, "王主任");
    input.title = "设备科主任".into();
    input.birthday = Some(d(1975, 6, 1));
    input.email = "wang@example.com".into();
    let c = contacts::create(&db, &me, &input).await.expect("create");
    assert_eq!(
        (c.version, c.account_name.as_str(), c.birthday),
        (1, "Hospital", Some(d(1975, 6, 1)))
    );
    contacts::create(&db, &me, &contact_input(clinic.id, me.user_id, "李医生"))
        .await
        .expect("create");

    let f = ContactFilter {
        q: None,
        account_id: Some(hospital.id),
    };
    let page = contacts::list(&db, &me, &f, all()).await.expect("list");
    assert_eq!((page.total, page.items[0].id), (1, c.id));
    let f = ContactFilter {
        q: Some("李".into()),
        account_id: None,
    };
    assert_eq!(
        contacts::list(&db, &me, &f, all())
            .await
            .expect("list")
            .items[0]
            .name,
        "李医生"
    );

    input.title = "副院长".into();
    input.birthday = None;
    let saved = contacts::update(&db, &me, c.id, 1, &input)
        .await
        .expect("update");
    assert_eq!(
        (saved.version, saved.title.as_str(), saved.birthday),
        (2, "副院长", None)
    );
    let stale = contacts::update(&db, &me, c.id, 1, &input).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");

    // A contact keeps its account from being deleted.
    assert!(matches!(
        accounts::delete(&db, &me, hospital.id).await,
        Err(DbError::InUse)
    ));
    contacts::delete(&db, &me, c.id).await.expect("delete");
    assert!(matches!(
        contacts::get(&db, &me, c.id).await,
        Err(DbError::NotFound)
    ));
    accounts::delete(&db, &me, hospital.id)
        .await
        .expect("the account is free now");
}

fn lead_input(owner_id: i64, name: &str, company: &str, status: LeadStatus) -> LeadInput {
    LeadInput {
        name: name.into(),
        company: company.into(),
        status,
        owner_id,
        ..LeadInput::default()
    }
}

async fn leads_crud_with_versions(db: Db) {
    let o = org(&db).await;
    let me = o.rep_sh;
    let l = leads::create(
        &db,
        &me,
        &lead_input(me.user_id, "Zhang San", "Acme Robotics", LeadStatus::New),
    )
    .await
    .expect("create");
    leads::create(
        &db,
        &me,
        &lead_input(me.user_id, "Li Si", "Bolt Motors", LeadStatus::Contacted),
    )
    .await
    .expect("create");
    assert_eq!((l.version, l.team_id), (1, Some(o.shanghai)));

    let by_company = LeadFilter {
        q: Some("Robotics".into()),
        status: None,
    };
    let page = leads::list(&db, &me, &by_company, all())
        .await
        .expect("search company");
    assert_eq!((page.total, page.items[0].id), (1, l.id));
    let by_status = LeadFilter {
        q: None,
        status: Some(LeadStatus::Contacted),
    };
    assert_eq!(
        leads::list(&db, &me, &by_status, all())
            .await
            .expect("list")
            .items[0]
            .name,
        "Li Si"
    );
    let newest = leads::list(&db, &me, &LeadFilter::default(), all())
        .await
        .expect("list");
    assert_eq!(newest.items[0].name, "Li Si", "newest first");

    let mut edit = LeadInput::from(&l);
    edit.status = LeadStatus::Qualified;
    let saved = leads::update(&db, &me, l.id, 1, &edit)
        .await
        .expect("update");
    assert_eq!((saved.version, saved.status), (2, LeadStatus::Qualified));
    let stale = leads::update(&db, &me, l.id, 1, &edit).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    leads::delete(&db, &me, l.id).await.expect("delete");
    assert!(matches!(
        leads::get(&db, &me, l.id).await,
        Err(DbError::NotFound)
    ));
}

async fn activities_crud_with_versions(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east;
    let a = account(&db, &me, "Hospital").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(&db, &me, a.id, &sales, "Ultrasound", 100, d(2027, 3, 31)).await;
    let c = contacts::create(&db, &me, &contact_input(a.id, me.user_id, "王主任"))
        .await
        .expect("contact");
    let input = ActivityInput {
        opportunity_id: Some(deal.id),
        account_id: a.id,
        contact_id: Some(c.id),
        kind: ActivityKind::Visit,
        occurred_on: d(2026, 11, 20),
        participants: "王主任".into(),
        notes: "Demo of the device".into(),
        outcome: "Interested".into(),
        next_step: "Send the quote".into(),
        next_step_date: Some(d(2026, 11, 27)),
        owner_id: me.user_id,
    };
    let visit = activities::create(&db, &me, &input).await.expect("create");
    assert_eq!(
        (
            visit.version,
            visit.next_step.as_str(),
            visit.next_step_date
        ),
        (1, "Send the quote", Some(d(2026, 11, 27)))
    );
    let call = activities::create(
        &db,
        &me,
        &ActivityInput {
            opportunity_id: None,
            kind: ActivityKind::Call,
            occurred_on: d(2026, 11, 22),
            ..input.clone()
        },
    )
    .await
    .expect("create");

    let page = activities::list(&db, &me, &ActivityFilter::default(), all())
        .await
        .expect("list");
    assert_eq!(
        page.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        [call.id, visit.id],
        "latest first"
    );
    let f = ActivityFilter {
        opportunity_id: Some(deal.id),
        ..ActivityFilter::default()
    };
    assert_eq!(
        activities::list(&db, &me, &f, all())
            .await
            .expect("list")
            .total,
        1
    );
    let f = ActivityFilter {
        kind: Some(ActivityKind::Call),
        account_id: Some(a.id),
        ..ActivityFilter::default()
    };
    assert_eq!(
        activities::list(&db, &me, &f, all())
            .await
            .expect("list")
            .items[0]
            .id,
        call.id
    );

    let mut edit = ActivityInput::from(&visit);
    edit.outcome = "Agreed to a trial".into();
    let saved = activities::update(&db, &me, visit.id, 1, &edit)
        .await
        .expect("update");
    assert_eq!(
        (saved.version, saved.outcome.as_str()),
        (2, "Agreed to a trial")
    );
    let stale = activities::update(&db, &me, visit.id, 1, &edit).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");

    // Deleting the contact keeps the activity, without the contact.
    contacts::delete(&db, &me, c.id)
        .await
        .expect("delete contact");
    assert_eq!(
        activities::get(&db, &me, call.id)
            .await
            .expect("get")
            .contact_id,
        None
    );
    // A deleted deal is kept, and so are its activities: what happened still happened.
    opportunities::delete(&db, &me, deal.id)
        .await
        .expect("delete deal");
    assert_eq!(
        activities::get(&db, &me, visit.id)
            .await
            .expect("kept")
            .opportunity_id,
        Some(deal.id)
    );
    activities::delete(&db, &me, visit.id)
        .await
        .expect("delete");
    activities::delete(&db, &me, call.id).await.expect("delete");
    assert_eq!(
        activities::list(&db, &me, &ActivityFilter::default(), all())
            .await
            .expect("list")
            .total,
        0
    );
}

conformance!(
    accounts_crud_with_versions,
    account_lists_filter_and_page,
    an_account_in_use_is_not_deleted,
    contacts_crud_with_versions,
    leads_crud_with_versions,
    activities_crud_with_versions,
);
