//! The board (a column per stage with its count, raw and weighted amount) and the list's
//! filters, sorts and paging.

use crate::helpers::{TestApp, d, dec, id, ids, send};
use chrono::{Datelike, Duration, Utc};
use opportune_core::records::Role;
use reqwest::Method;
use reqwest::header::ACCEPT_LANGUAGE;
use serde_json::{Value, json};

fn column<'a>(board: &'a Value, stage_id: &Value) -> &'a Value {
    board["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["stage_id"] == *stage_id)
        .expect("a column per stage")
}

fn card_names(col: &Value) -> Vec<&str> {
    col["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect()
}

async fn columns_count_and_weigh_their_deals(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let sales = app.process(me, "sales_cycle").await;
    let (s0, s1) = (&sales["stages"][0]["id"], &sales["stages"][1]["id"]);
    app.opportunity(me, acct, "second", "1000.00", "2027-02-01")
        .await;
    app.opportunity(me, acct, "first", "250.50", "2027-01-01")
        .await;
    let moved = app
        .opportunity(me, acct, "moved", "2000", "2027-03-01")
        .await;
    app.post(
        &format!("/api/v1/opportunities/{}/stage", moved["id"]),
        me,
        json!({ "stage_id": s1, "override_reason": "ok" }),
    )
    .await
    .ok(200);
    let won = app.opportunity(me, acct, "won", "5000", "2027-01-01").await;
    app.patch(
        &format!("/api/v1/opportunities/{}", won["id"]),
        me,
        json!({ "status": "won", "version": 1 }),
    )
    .await
    .ok(200);
    let other = app.process(me, "project_milestones").await;
    app.post(
        "/api/v1/opportunities",
        me,
        json!({ "name": "elsewhere", "account_id": acct, "amount": 7, "expected_close_date": "2027-01-01", "process_id": other["id"] }),
    )
    .await
    .ok(201);
    let colleague_acct = app.account(&p.rep_east2, "Clinic").await;
    app.opportunity(
        &p.rep_east2,
        colleague_acct,
        "colleague",
        "10",
        "2027-01-01",
    )
    .await;

    let path = format!("/api/v1/board?process_id={}", sales["id"]);
    let board = app.get(&path, me).await.ok(200);
    assert_eq!(board["process_id"], sales["id"]);
    let cols = board["columns"].as_array().expect("columns");
    assert_eq!(
        cols.len(),
        sales["stages"].as_array().map_or(0, Vec::len),
        "a column per stage"
    );
    for (c, s) in cols.iter().zip(sales["stages"].as_array().expect("stages")) {
        assert_eq!(
            (&c["stage_id"], &c["probability"]),
            (&s["id"], &s["probability"]),
            "in stage order"
        );
    }
    let first = column(&board, s0);
    assert_eq!(
        first["count"], 2,
        "open deals of this process only, mine only"
    );
    assert_eq!(dec(&first["amount"]), d("1250.50"));
    assert_eq!(dec(&first["weighted_amount"]), d("125.05"), "amount × 10 %");
    assert_eq!(
        card_names(first),
        ["first", "second"],
        "soonest close first"
    );
    let card = &first["cards"][0];
    assert_eq!(
        (
            dec(&card["amount"]),
            card["expected_close_date"].as_str(),
            card["account_name"].as_str(),
            card["stage_id"] == *s0,
            card["version"].as_i64(),
            card["editable"].as_bool()
        ),
        (
            d("250.50"),
            Some("2027-01-01"),
            Some("Hospital"),
            true,
            Some(1),
            Some(true)
        ),
        "a card carries what it shows and what moving it needs"
    );
    let second = column(&board, s1);
    assert_eq!(
        (
            second["count"].as_i64(),
            dec(&second["amount"]),
            dec(&second["weighted_amount"])
        ),
        (Some(1), d("2000"), d("400"))
    );
    assert_eq!(
        (
            board["count"].as_i64(),
            dec(&board["amount"]),
            dec(&board["weighted_amount"])
        ),
        (Some(3), d("3250.50"), d("525.05"))
    );
    let empty = &cols[2];
    assert_eq!(
        (
            empty["count"].as_i64(),
            dec(&empty["amount"]),
            card_names(empty).len()
        ),
        (Some(0), d("0"), 0)
    );

    // Columns page: the head still counts every deal.
    let paged = app.get(&format!("{path}&per_column=1"), me).await.ok(200);
    assert_eq!(
        (
            column(&paged, s0)["count"].as_i64(),
            card_names(column(&paged, s0))
        ),
        (Some(2), vec!["first"])
    );
    let next = app
        .get(&format!("{path}&per_column=1&offset=1"), me)
        .await
        .ok(200);
    assert_eq!(card_names(column(&next, s0)), ["second"]);
    assert!(card_names(column(&next, s1)).is_empty());

    // The manager's board holds the team; the default board is the first process.
    let team = app.get("/api/v1/board", &p.mgr_east).await.ok(200);
    assert_eq!(
        (
            team["process_id"].clone(),
            column(&team, s0)["count"].as_i64()
        ),
        (sales["id"].clone(), Some(3))
    );
    let own = app
        .get(&format!("{path}&owner_id={}", p.rep_east2.id), &p.mgr_east)
        .await
        .ok(200);
    assert_eq!(own["count"], 1);
    let searched = app.get(&format!("{path}&q=sec"), me).await.ok(200);
    assert_eq!(card_names(column(&searched, s0)), ["second"]);
    let en = send(
        app.req(Method::GET, &path, Some(me))
            .header(ACCEPT_LANGUAGE, "en"),
    )
    .await
    .ok(200);
    assert_eq!(en["columns"][0]["name"], "Identify");
    assert_eq!(board["columns"][0]["name"], "识别");
    app.get("/api/v1/board?process_id=999999", me)
        .await
        .invalid("process_id", "not_found");
    app.get(&format!("{path}&period=someday"), me)
        .await
        .invalid("period", "invalid_choice");
}

/// A column shows its soonest 20 deals; its head counts them all, and on the page its "more"
/// leads to the stage's deal list under the board's filters.
async fn a_column_shows_its_soonest_cards_and_leads_to_the_rest(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let start = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date");
    for n in 0..21 {
        let close = (start + Duration::days(n)).to_string();
        app.opportunity(me, acct, &format!("deal {n:02}"), "100", &close)
            .await;
    }
    let colleague = app.account(&p.rep_east2, "Clinic").await;
    app.opportunity(
        &p.rep_east2,
        colleague,
        "colleague deal",
        "100",
        "2026-12-31",
    )
    .await;
    let sales = app.process(me, "sales_cycle").await;
    let (process, s0) = (&sales["id"], &sales["stages"][0]["id"]);

    let board = app
        .get(&format!("/api/v1/board?process_id={process}"), me)
        .await
        .ok(200);
    let first = column(&board, s0);
    let expected: Vec<String> = (0..20).map(|n| format!("deal {n:02}")).collect();
    assert_eq!(
        (first["count"].as_i64(), card_names(first)),
        (Some(21), expected.iter().map(String::as_str).collect()),
        "the soonest 20 of 21, the head counting all"
    );

    let mgr = crate::pages::browser(&app, &p.mgr_east).await;
    let html = crate::pages::page(
        &mgr,
        &app,
        &format!("/board?process_id={process}&owner_id={}", me.id),
    )
    .await
    .text;
    let more: Vec<String> = html
        .split("<div class=\"more\"><a href=\"")
        .skip(1)
        .filter_map(|t| t.split('"').next())
        .map(|href| href.replace("&#38;", "&"))
        .collect();
    let link = format!(
        "/opportunities?process_id={process}&stage_id={s0}&status=open&owner_id={}",
        me.id
    );
    assert_eq!(
        more,
        std::slice::from_ref(&link),
        "only the full column has more"
    );
    let rest = crate::pages::page(&mgr, &app, &link).await.text;
    assert!(
        rest.contains("deal 20") && !rest.contains("colleague deal"),
        "the list holds the column's other deals, under the board's owner"
    );
}

async fn the_list_filters_sorts_and_pages(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let acct = app.account(&rep, "Hospital").await;
    let other_acct = app.account(&rep, "Factory").await;
    let today = Utc::now().date_naive();
    let day = |offset: i64| (today + Duration::days(offset)).to_string();
    let due = app
        .opportunity(&rep, acct, "Overdue ultrasound", "300", &day(-40))
        .await;
    let now = app
        .opportunity(&rep, acct, "This month CT 设备", "100", &today.to_string())
        .await;
    let later = app
        .opportunity(&rep, other_acct, "Later ultrasound", "200", &day(400))
        .await;
    let won = app
        .opportunity(&rep, acct, "Won MRI", "50", &day(400))
        .await;
    app.patch(
        &format!("/api/v1/opportunities/{}", id(&won)),
        &rep,
        json!({ "status": "won", "version": 1 }),
    )
    .await
    .ok(200);
    let list = |query: &str| {
        let path = format!("/api/v1/opportunities?{query}");
        let app = &app;
        let rep = &rep;
        async move { ids(&app.get(&path, rep).await.ok(200)) }
    };
    let (due, now, later, won) = (id(&due), id(&now), id(&later), id(&won));

    assert_eq!(
        list("").await,
        [due, now, later, won],
        "soonest close first by default"
    );
    assert_eq!(list("status=open").await, [due, now, later]);
    assert_eq!(list("status=won").await, [won]);
    assert_eq!(list("period=overdue").await, [due]);
    assert_eq!(list("period=this_month").await, [now]);
    let this_year: Vec<i64> = [(due, -40), (now, 0)]
        .into_iter()
        .filter(|(_, off)| (today + Duration::days(*off)).year() == today.year())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(list("period=this_year").await, this_year);
    assert_eq!(list("q=ultrasound").await, [due, later]);
    assert_eq!(
        list("q=%E8%AE%BE%E5%A4%87").await,
        [now],
        "a search for 设备"
    );
    assert_eq!(list(&format!("account_id={other_acct}")).await, [later]);
    assert_eq!(
        list(&format!("close_from={}&close_to={}", day(-1), day(1))).await,
        [now]
    );
    assert_eq!(list("sort=-amount").await, [due, later, now, won]);
    assert_eq!(list("sort=amount").await, [won, now, later, due]);
    assert_eq!(list("sort=-close").await, [won, later, now, due]);
    assert_eq!(list("sort=-updated").await[0], won);
    assert_eq!(list("status=open&sort=-amount&limit=2").await, [due, later]);

    let page = app
        .get("/api/v1/opportunities?sort=name&limit=2&offset=1", &rep)
        .await
        .ok(200);
    assert_eq!(
        (
            page["total"].as_i64(),
            page["limit"].as_i64(),
            page["offset"].as_i64()
        ),
        (Some(4), Some(2), Some(1))
    );
    assert_eq!(
        ids(&page),
        [due, now],
        "by name: Later, Overdue, This month, Won"
    );

    app.get("/api/v1/opportunities?status=closed", &rep)
        .await
        .invalid("status", "invalid_choice");
    app.get("/api/v1/opportunities?period=soon", &rep)
        .await
        .invalid("period", "invalid_choice");
    app.get("/api/v1/opportunities?sort=cheapest", &rep)
        .await
        .invalid("sort", "invalid_choice");
}

http_tests!(
    columns_count_and_weigh_their_deals,
    a_column_shows_its_soonest_cards_and_leads_to_the_rest,
    the_list_filters_sorts_and_pages
);
