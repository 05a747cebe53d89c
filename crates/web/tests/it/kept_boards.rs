//! A server keeps each viewer's board, deal list and record lists and serves them again while
//! nothing they show changed, and keeps the processes (stages, criteria) while they stand. Every change is on
//! the next page wherever it was made — through this server, through a second
//! server on the same database, or straight in the database — and a viewer is never served
//! another's board.

use crate::helpers::{People, TestApp, id};
use crate::pages::{browser, form, page, share_picker};
use opportune_core::records::{Locale, Role};
use opportune_db::Viewer;
use opportune_db::accounts::{self, AccountInput};
use opportune_db::processes::{self, StageEdit};
use opportune_db::users::{self, UserChange, UserRecord};
use serde_json::{Value, json};

/// Deals as (deal, account).
fn named<'a>(deals: impl Iterator<Item = &'a Value>) -> Vec<(String, String)> {
    deals
        .map(|o| {
            (
                o["name"].as_str().unwrap_or_default().to_owned(),
                o["account_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Every card of the board, column by column.
fn cards(board: &Value) -> Vec<(String, String)> {
    named(
        board["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .flat_map(|c| c["cards"].as_array().expect("cards")),
    )
}

/// The deal list's rows.
fn rows(list: &Value) -> Vec<(String, String)> {
    named(list["items"].as_array().expect("items").iter())
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Renames rep_east's account `acct` (at its first version) straight in the database, as the admin,
/// past every server.
async fn rename_in_database(app: &TestApp, p: &People, acct: i64, name: &str) {
    let admin = Viewer {
        user_id: p.admin.id,
        role: Role::Admin,
        team_id: None,
    };
    accounts::update(
        &app.db,
        &admin,
        acct,
        1,
        &AccountInput {
            name: name.into(),
            status: opportune_core::records::AccountStatus::Prospect,
            owner_id: p.rep_east.id,
            ..AccountInput::default()
        },
    )
    .await
    .expect("rename the account in the database");
}

async fn a_kept_board_follows_every_change(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let sales = app.process(me, "sales_cycle").await;
    let path = format!("/api/v1/board?process_id={}", sales["id"]);
    let deal = app
        .opportunity(me, acct, "first", "100", "2027-01-01")
        .await;

    let list = "/api/v1/opportunities?status=open&sort=close";
    assert_eq!(
        rows(&app.get(list, me).await.ok(200)),
        pairs(&[("first", "Hospital")])
    );
    let board = app.get(&path, me).await.ok(200);
    assert_eq!(cards(&board), pairs(&[("first", "Hospital")]));
    assert_eq!(app.get(&path, me).await.ok(200), board, "served again");
    assert!(
        cards(&app.get(&path, &p.rep_west).await.ok(200)).is_empty(),
        "another rep asking the same address gets their own board"
    );
    assert_eq!(
        cards(&app.get(&path, &p.mgr_east).await.ok(200)),
        pairs(&[("first", "Hospital")]),
        "and the manager theirs"
    );

    app.opportunity(me, acct, "second", "200", "2027-02-01")
        .await;
    assert_eq!(
        cards(&app.get(&path, me).await.ok(200)),
        pairs(&[("first", "Hospital"), ("second", "Hospital")]),
        "a deal created through this server"
    );
    assert_eq!(
        rows(&app.get(list, me).await.ok(200)),
        pairs(&[("first", "Hospital"), ("second", "Hospital")]),
        "and on the list"
    );

    let other = TestApp::start(app.db.clone()).await;
    other
        .patch(
            &format!("/api/v1/opportunities/{}", id(&deal)),
            me,
            json!({ "name": "renamed", "version": 1 }),
        )
        .await
        .ok(200);
    assert_eq!(
        cards(&app.get(&path, me).await.ok(200)),
        pairs(&[("renamed", "Hospital"), ("second", "Hospital")]),
        "a deal renamed through another server"
    );
    assert_eq!(
        cards(&app.get(&path, &p.mgr_east).await.ok(200)),
        pairs(&[("renamed", "Hospital"), ("second", "Hospital")]),
        "the manager's kept board too"
    );

    rename_in_database(&app, &p, acct, "Clinic").await;
    assert_eq!(
        cards(&app.get(&path, me).await.ok(200)),
        pairs(&[("renamed", "Clinic"), ("second", "Clinic")]),
        "an account renamed straight in the database"
    );
    assert_eq!(
        rows(&app.get(list, me).await.ok(200)),
        pairs(&[("renamed", "Clinic"), ("second", "Clinic")]),
        "and on the list"
    );
    assert!(
        rows(&app.get(list, &p.rep_west).await.ok(200)).is_empty(),
        "another rep's list is their own"
    );

    // The page: kept per person too, and a move through its form is on the next page.
    let c = browser(&app, me).await;
    let html = page(&c, &app, "/board").await;
    assert!(
        html.text.contains("renamed") && html.text.contains("Clinic"),
        "{}",
        html.text
    );
    let west = browser(&app, &p.rep_west).await;
    assert!(
        !page(&west, &app, "/board").await.text.contains("renamed"),
        "another rep's page is their own"
    );
    let won = form(
        &c,
        &app,
        &format!("/opportunities/{}/stage", id(&deal)),
        &[
            ("stage_id", &sales["stages"][1]["id"].to_string()),
            ("override_reason", "agreed on the phone"),
            ("next", "/board"),
        ],
    )
    .await;
    assert_eq!(won.status, reqwest::StatusCode::SEE_OTHER, "{}", won.text);
    let board = app.get(&path, me).await.ok(200);
    assert_eq!(
        board["columns"][1]["cards"][0]["name"], "renamed",
        "moved on the page, in the next column"
    );
    assert_eq!(board["columns"][0]["count"], 1);

    // A stage renamed and a criterion relabelled straight in the database: the board's column
    // and the deal page's criteria follow (the server's copy of the processes is not served).
    let deal_page = format!("/opportunities/{}", id(&deal));
    assert!(page(&c, &app, &deal_page).await.status.is_success());
    let process = processes::get(&app.db, id(&sales))
        .await
        .expect("the process");
    let first = &process.stages[0];
    let mut entry: Vec<(String, String)> = first
        .entry
        .iter()
        .map(|i| (i.label_zh.clone(), i.label_en.clone()))
        .collect();
    entry.push(("新的准入条件".into(), "A new entry criterion".into()));
    processes::save_stage(
        &app.db,
        process.row.id,
        process.row.version,
        Some(first.row.id),
        &StageEdit {
            name_zh: "初步接触".into(),
            name_en: "First contact".into(),
            definition_zh: first.row.definition_zh.clone(),
            definition_en: first.row.definition_en.clone(),
            probability: u8::try_from(first.row.probability).expect("a percentage"),
            target_days: first.row.target_days,
            mode: first.mode(),
            entry,
            work: first
                .work
                .iter()
                .map(|i| (i.label_zh.clone(), i.label_en.clone()))
                .collect(),
        },
    )
    .await
    .expect("save the stage");
    assert_eq!(
        app.get(&path, me).await.ok(200)["columns"][0]["name"],
        "初步接触",
        "the renamed stage on the board"
    );
    let shown = page(&c, &app, &deal_page).await;
    assert!(
        shown.text.contains("初步接触") && shown.text.contains("新的准入条件"),
        "the deal page shows the stage and criterion as they are now"
    );
}

/// The colleagues a deal or an account can be shared with are the server's copy while nobody
/// changed: a user renamed or deactivated — here straight in the database — is on the next deal
/// and account page as they are.
async fn the_share_picker_follows_every_change_of_a_user(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "华东医院").await;
    let deal = app
        .opportunity(&p.rep_east, acct, "CT 华东", "500", "2027-03-31")
        .await;
    let deal_page = format!("/opportunities/{}", id(&deal));
    let owner = browser(&app, &p.rep_east).await;
    let picker = |html: &str| share_picker(html).to_owned();
    let option = |u: &crate::helpers::User, name: &str| {
        format!("<option value=\"{}\">{name}</option>", u.id)
    };
    let account_page = format!("/accounts/{acct}");
    let first = picker(&page(&owner, &app, &deal_page).await.text);
    assert_eq!(
        picker(&page(&owner, &app, &account_page).await.text),
        first,
        "the account page offers the same colleagues"
    );
    let west = users::user(&app.db, p.rep_west.id).await.expect("rep_west");
    assert!(first.contains(&option(&p.rep_west, &west.name)), "{first}");
    assert_eq!(
        picker(&page(&owner, &app, &deal_page).await.text),
        first,
        "the same colleagues again"
    );

    let change = |u: &UserRecord, name: &'static str, active: bool| {
        let (email, role, team_id, locale) = (
            u.email.clone(),
            u.role,
            u.team_id,
            u.locale.as_deref().and_then(|l| Locale::parse(l).ok()),
        );
        let (db, id, version) = (app.db.clone(), u.id, u.version);
        async move {
            users::update_user(
                &db,
                opportune_core::history::Actor::System,
                (id, version),
                &UserChange {
                    email: &email,
                    name,
                    role,
                    team_id,
                    active,
                    locale,
                    password_hash: None,
                },
            )
            .await
            .expect("change the user in the database")
        }
    };
    let west = change(&west, "West Renamed", true).await;
    let renamed = picker(&page(&owner, &app, &deal_page).await.text);
    assert!(
        renamed.contains(&option(&p.rep_west, "West Renamed")),
        "a colleague renamed: {renamed}"
    );
    assert_eq!(
        picker(&page(&owner, &app, &account_page).await.text),
        renamed,
        "on the account page too"
    );
    change(&west, "West Renamed", false).await;
    let left = picker(&page(&owner, &app, &deal_page).await.text);
    assert!(
        !left.contains(&format!("value=\"{}\"", p.rep_west.id)),
        "a colleague deactivated is not offered: {left}"
    );
    assert_eq!(
        picker(&page(&owner, &app, &account_page).await.text),
        left,
        "on the account page too"
    );
}

/// A field of each item of a list.
fn column(list: &Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| x[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The record lists (accounts, contacts, leads, activities; JSON and pages) are kept per viewer
/// too, and follow every change of their records and of what they show from elsewhere, wherever
/// it was made.
async fn kept_record_lists_follow_every_change(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let accounts_list = "/api/v1/accounts";
    let contacts_list = "/api/v1/contacts";
    assert_eq!(
        column(&app.get(accounts_list, me).await.ok(200), "name"),
        ["Hospital"]
    );
    assert_eq!(
        column(&app.get(accounts_list, me).await.ok(200), "name"),
        ["Hospital"],
        "served again"
    );
    assert!(
        column(&app.get(accounts_list, &p.rep_west).await.ok(200), "name").is_empty(),
        "another rep asking the same address gets their own list"
    );
    assert!(column(&app.get(contacts_list, me).await.ok(200), "name").is_empty());

    // Through this server, through another one, and straight in the database.
    app.post(
        contacts_list,
        me,
        json!({ "account_id": acct, "name": "Dr. Li" }),
    )
    .await
    .ok(201);
    assert_eq!(
        column(&app.get(contacts_list, me).await.ok(200), "name"),
        ["Dr. Li"],
        "a contact created through this server"
    );
    let other = TestApp::start(app.db.clone()).await;
    assert!(column(&app.get("/api/v1/leads", me).await.ok(200), "name").is_empty());
    other
        .post("/api/v1/leads", me, json!({ "name": "Walk-in" }))
        .await
        .ok(201);
    assert_eq!(
        column(&app.get("/api/v1/leads", me).await.ok(200), "name"),
        ["Walk-in"],
        "a lead created through another server"
    );
    let activities_list = "/api/v1/activities";
    assert!(column(&app.get(activities_list, me).await.ok(200), "kind").is_empty());
    other
        .post(
            activities_list,
            me,
            json!({ "account_id": acct, "kind": "call", "occurred_on": "2026-11-21" }),
        )
        .await
        .ok(201);
    assert_eq!(
        column(&app.get(activities_list, me).await.ok(200), "kind"),
        ["call"],
        "an activity logged through another server"
    );
    rename_in_database(&app, &p, acct, "Clinic").await;
    assert_eq!(
        column(&app.get(accounts_list, me).await.ok(200), "name"),
        ["Clinic"],
        "an account renamed straight in the database"
    );
    assert_eq!(
        column(&app.get(contacts_list, me).await.ok(200), "account_name"),
        ["Clinic"],
        "its name on the contacts"
    );
    assert_eq!(
        column(&app.get(activities_list, me).await.ok(200), "account_name"),
        ["Clinic"],
        "and on the activities"
    );

    // Shared with a colleague: on their kept list from then on.
    assert!(column(&app.get(accounts_list, &p.rep_west).await.ok(200), "name").is_empty());
    app.post(
        &format!("/api/v1/accounts/{acct}/shares"),
        me,
        json!({ "user_id": p.rep_west.id }),
    )
    .await
    .ok(201);
    assert_eq!(
        column(&app.get(accounts_list, &p.rep_west).await.ok(200), "name"),
        ["Clinic"],
        "shared with rep_west"
    );

    // The pages: kept per person, and a record created through a form is on the next page.
    let c = browser(&app, me).await;
    for (path, shown) in [
        ("/accounts", "Clinic"),
        ("/contacts", "Dr. Li"),
        ("/leads", "Walk-in"),
    ] {
        assert!(page(&c, &app, path).await.text.contains(shown), "{path}");
    }
    let west = browser(&app, &p.rep_west).await;
    assert!(
        !page(&west, &app, "/leads").await.text.contains("Walk-in"),
        "another rep's page is their own"
    );
    let made = form(
        &c,
        &app,
        "/leads",
        &[
            ("name", "Trade fair"),
            ("status", "new"),
            ("owner_id", &me.id.to_string()),
        ],
    )
    .await;
    assert_eq!(made.status, reqwest::StatusCode::SEE_OTHER, "{}", made.text);
    assert!(page(&c, &app, "/leads").await.text.contains("Trade fair"));
    other
        .post(
            contacts_list,
            me,
            json!({ "account_id": acct, "name": "Nurse Wang" }),
        )
        .await
        .ok(201);
    assert!(
        page(&c, &app, "/contacts")
            .await
            .text
            .contains("Nurse Wang"),
        "a contact created through another server on the kept page"
    );
    let shop = other.account(me, "Pharmacy").await;
    assert!(
        page(&c, &app, "/contacts")
            .await
            .text
            .contains(&format!("<option value=\"{shop}\"")),
        "a new account among the contacts page's filter"
    );
}

http_tests!(
    a_kept_board_follows_every_change,
    the_share_picker_follows_every_change_of_a_user,
    kept_record_lists_follow_every_change
);
