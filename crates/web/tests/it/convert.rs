//! Converting a qualified lead: one transaction makes the account, the contact and the deal,
//! owned by the lead's owner; the lead is qualified and linked to them; bad input names the field
//! and writes nothing; a lead converts once; a stale version is refused.

use crate::helpers::{TestApp, id, number};
use crate::pages::{browser, form, page};
use reqwest::StatusCode;
use serde_json::{Value, json};

http_tests!(
    a_lead_becomes_account_contact_and_deal,
    bad_conversions_write_nothing,
    the_convert_page_keeps_input_and_lands_on_the_deal,
    new_deals_are_offered_the_default_sales_cycle
);

async fn lead(app: &TestApp, who: &crate::helpers::User) -> Value {
    app.post(
        "/api/v1/leads",
        who,
        json!({ "name": "张经理", "company": "华东药业", "title": "采购经理", "phone": "13800000000", "email": "zhang@example.com", "source": "展会" }),
    )
    .await
    .ok(201)
}

async fn totals(app: &TestApp, who: &crate::helpers::User) -> (Value, Value, Value) {
    let n = |v: Value| v["total"].clone();
    (
        n(app.get("/api/v1/accounts", who).await.ok(200)),
        n(app.get("/api/v1/contacts", who).await.ok(200)),
        n(app.get("/api/v1/opportunities", who).await.ok(200)),
    )
}

async fn a_lead_becomes_account_contact_and_deal(app: TestApp) {
    let p = app.people().await;
    let l = lead(&app, &p.rep_east).await;
    let sales = app.process(&p.rep_east, "sales_cycle").await;
    let path = format!("/api/v1/leads/{}/convert", l["id"]);
    let done = app
        .post(
            &path,
            &p.mgr_east,
            json!({ "version": l["version"], "opportunity": { "name": "华东药业 冷链项目", "amount": number("880000.50"), "expected_close_date": "2027-06-30", "process_id": sales["id"] } }),
        )
        .await
        .ok(201);
    assert_eq!(done["lead"]["status"], "qualified");
    assert_eq!(done["lead"]["converted_account_id"], done["account_id"]);
    assert_eq!(done["lead"]["converted_contact_id"], done["contact_id"]);
    assert_eq!(
        done["lead"]["converted_opportunity_id"],
        done["opportunity_id"]
    );
    assert!(done["lead"]["converted_at"].is_string());

    let account = app
        .get(
            &format!("/api/v1/accounts/{}", done["account_id"]),
            &p.rep_east,
        )
        .await
        .ok(200);
    assert_eq!(account["name"], "华东药业");
    assert_eq!(
        account["owner_id"], p.rep_east.id,
        "the lead's owner, not the converter"
    );
    let contact = app
        .get(
            &format!("/api/v1/contacts/{}", done["contact_id"]),
            &p.rep_east,
        )
        .await
        .ok(200);
    assert_eq!(
        (
            &contact["name"],
            &contact["title"],
            &contact["email"],
            &contact["account_id"]
        ),
        (
            &json!("张经理"),
            &json!("采购经理"),
            &json!("zhang@example.com"),
            &done["account_id"]
        )
    );
    let deal = app
        .get(
            &format!("/api/v1/opportunities/{}", done["opportunity_id"]),
            &p.rep_east,
        )
        .await
        .ok(200);
    assert_eq!(deal["account_id"], done["account_id"]);
    assert_eq!(deal["stage_id"], sales["stages"][0]["id"]);
    assert_eq!(deal["source"], "展会");
    assert_eq!(deal["amount"], number("880000.50"));
    let history = app
        .get(
            &format!("/api/v1/opportunities/{}/history", done["opportunity_id"]),
            &p.rep_east,
        )
        .await
        .ok(200);
    assert_eq!(history["items"][0]["kind"], "created");
    assert_eq!(history["items"][0]["actor_id"], p.mgr_east.id);

    app.post(
        &path,
        &p.rep_east,
        json!({ "version": done["lead"]["version"] }),
    )
    .await
    .invalid("status", "converted");

    let other = lead(&app, &p.rep_east).await;
    let into_existing = app
        .post(
            &format!("/api/v1/leads/{}/convert", other["id"]),
            &p.rep_east,
            json!({ "version": other["version"], "account_id": done["account_id"], "create_contact": false }),
        )
        .await
        .ok(201);
    assert_eq!(into_existing["account_id"], done["account_id"]);
    assert_eq!(into_existing["contact_id"], Value::Null);
    assert_eq!(into_existing["opportunity_id"], Value::Null);
    assert_eq!(
        totals(&app, &p.rep_east).await,
        (json!(1), json!(1), json!(1))
    );
}

async fn bad_conversions_write_nothing(app: TestApp) {
    let p = app.people().await;
    let l = lead(&app, &p.rep_east).await;
    let sales = app.process(&p.rep_east, "sales_cycle").await;
    let path = format!("/api/v1/leads/{}/convert", l["id"]);
    let deal = |amount: Value, date: &str, process: Value| json!({ "version": 1, "opportunity": { "name": "X", "amount": amount, "expected_close_date": date, "process_id": process } });
    app.post(
        &path,
        &p.rep_east,
        deal(number("-1"), "2027-01-01", sales["id"].clone()),
    )
    .await
    .invalid("amount", "negative");
    app.post(
        &path,
        &p.rep_east,
        deal(number("1"), "2027-02-30", sales["id"].clone()),
    )
    .await
    .invalid("expected_close_date", "invalid_date");
    app.post(
        &path,
        &p.rep_east,
        deal(number("1"), "2027-01-01", json!(999_999)),
    )
    .await
    .invalid("process_id", "not_found");
    app.post(
        &path,
        &p.rep_east,
        json!({ "version": 1, "account_name": "  " }),
    )
    .await
    .invalid("account_name", "required");
    let west = app.account(&p.rep_west, "West Factory").await;
    app.post(
        &path,
        &p.rep_east,
        json!({ "version": 1, "account_id": west }),
    )
    .await
    .invalid("account_id", "not_found");
    app.post(
        &path,
        &p.rep_east,
        json!({ "version": 1, "opportunity": { "name": "X" } }),
    )
    .await
    .invalid("amount", "required");
    let stale = app
        .post(&path, &p.rep_east, json!({ "version": 7 }))
        .await
        .err(409, "stale_version");
    assert_eq!(stale["current"]["version"], 1);
    app.post(&path, &p.rep_west, json!({ "version": 1 }))
        .await
        .err(404, "not_found");
    app.post(
        &format!("/api/v1/leads/{}/shares", l["id"]),
        &p.rep_east,
        json!({ "user_id": p.rep_east2.id }),
    )
    .await
    .ok(201);
    app.post(&path, &p.rep_east2, json!({ "version": 1 }))
        .await
        .err(403, "read_only");
    assert_eq!(
        totals(&app, &p.rep_east).await,
        (json!(0), json!(0), json!(0))
    );
    let after = app
        .get(&format!("/api/v1/leads/{}", l["id"]), &p.rep_east)
        .await
        .ok(200);
    assert_eq!(
        (&after["status"], &after["version"]),
        (&json!("new"), &json!(1))
    );
}

async fn the_convert_page_keeps_input_and_lands_on_the_deal(app: TestApp) {
    let p = app.people().await;
    let l = lead(&app, &p.rep_east).await;
    let sales = app.process(&p.rep_east, "sales_cycle").await;
    let c = browser(&app, &p.rep_east).await;
    let show = page(&c, &app, &format!("/leads/{}", l["id"])).await;
    assert!(
        show.text.contains(&format!("/leads/{}/convert", l["id"])),
        "a convert button"
    );
    let blank = page(&c, &app, &format!("/leads/{}/convert", l["id"])).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(
        blank.text.contains("value=\"华东药业\""),
        "the account is named after the company"
    );

    let url = format!("/leads/{}/convert", l["id"]);
    let process = sales["id"].to_string();
    let bad = form(
        &c,
        &app,
        &url,
        &[
            ("version", "1"),
            ("account_name", "华东药业集团"),
            ("contact", "on"),
            ("opportunity_name", "冷链"),
            ("amount", "十二"),
            ("expected_close_date", "2027-06-30"),
            ("process_id", &process),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("value=\"华东药业集团\"") && bad.text.contains("value=\"十二\""),
        "input kept"
    );
    assert!(
        bad.text.contains("class=\"field invalid\""),
        "the amount is marked"
    );

    let ok = form(
        &c,
        &app,
        &url,
        &[
            ("version", "1"),
            ("account_name", "华东药业集团"),
            ("opportunity_name", "冷链"),
            ("amount", "12.5"),
            ("expected_close_date", "2027-06-30"),
            ("process_id", &process),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let to = ok.headers["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with("/opportunities/"), "{to}");
    let deal = app.get(&format!("/api/v1{to}"), &p.rep_east).await.ok(200);
    assert_eq!(deal["account_name"], "华东药业集团");
    let converted = app
        .get(&format!("/api/v1/leads/{}", l["id"]), &p.rep_east)
        .await
        .ok(200);
    assert_eq!(
        converted["converted_contact_id"],
        Value::Null,
        "the box was unticked"
    );
    assert_eq!(converted["converted_opportunity_id"], json!(id(&deal)));
    let show = page(&c, &app, &format!("/leads/{}", l["id"])).await;
    assert!(
        show.text.contains(&format!("href=\"{to}\"")),
        "the lead links to its deal"
    );
    assert!(
        !show
            .text
            .contains(&format!("href=\"/leads/{}/convert\"", l["id"])),
        "converted once"
    );
}

async fn new_deals_are_offered_the_default_sales_cycle(app: TestApp) {
    let p = app.people().await;
    let version = app.get("/api/v1/settings", &p.admin).await.ok(200)["version"].clone();
    app.patch(
        "/api/v1/settings",
        &p.admin,
        json!({ "version": version, "default_sales_cycle_days": 45 }),
    )
    .await
    .ok(200);
    let due = (chrono::Utc::now().date_naive() + chrono::Days::new(45)).to_string();
    let l = lead(&app, &p.rep_east).await;
    let c = browser(&app, &p.rep_east).await;
    for path in [
        "/opportunities/new".to_owned(),
        format!("/leads/{}/convert", l["id"]),
    ] {
        let form = page(&c, &app, &path).await;
        let input = form
            .text
            .split("id=\"expected_close_date\"")
            .nth(1)
            .and_then(|t| t.split('>').next())
            .expect("the close date input");
        assert!(
            input.contains(&format!("value=\"{due}\"")),
            "{path}: {input}"
        );
    }
}
