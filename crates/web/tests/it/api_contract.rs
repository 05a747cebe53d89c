//! The API contract scripts rely on (issue 2, point 7): processes, creating accounts and deals,
//! every kind of bad input with its status and the field it names, versioned updates, the
//! history, delete.

use crate::helpers::{TestApp, d, dec, id, number, send};
use opportune_core::records::Role;
use reqwest::Method;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use serde_json::{Value, json};

async fn four_processes_with_ordered_stages_and_criteria(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let list = send(
        app.req(Method::GET, "/api/v1/processes", Some(&rep))
            .header(ACCEPT_LANGUAGE, "en"),
    )
    .await
    .ok(200);
    let procs = list["items"].as_array().expect("items");
    assert_eq!(procs.len(), 4, "{list}");
    for p in procs {
        assert!(
            p["id"].is_i64() && p["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{p}"
        );
        let stages = p["stages"].as_array().expect("stages");
        assert!(stages.len() >= 4, "{}", p["name"]);
        let mut last = -1;
        for (i, s) in stages.iter().enumerate() {
            assert!(
                s["id"].is_i64() && s["name"].as_str().is_some_and(|n| !n.is_empty()),
                "{s}"
            );
            assert_eq!(s["position"], i, "stages are in order");
            let prob = s["probability"].as_i64().expect("a probability");
            assert!(prob > last && prob <= 100, "probabilities rise: {s}");
            last = prob;
            let criteria = s["criteria"].as_array().expect("criteria");
            if i > 0 {
                assert!(
                    !criteria.is_empty(),
                    "later stages have entry criteria: {s}"
                );
            }
            for c in criteria {
                assert!(
                    c["id"].is_i64() && c["label"].as_str().is_some_and(|l| !l.is_empty()),
                    "{c}"
                );
            }
        }
    }
    let sales = &procs[0];
    assert_eq!(
        (sales["key"].as_str(), sales["name"].as_str()),
        (Some("sales_cycle"), Some("Sales cycle"))
    );
    assert_eq!(
        sales["stages"][1]["criteria"][0]["label"],
        "Need identified"
    );
    let one = app
        .get(&format!("/api/v1/processes/{}", sales["id"]), &rep)
        .await
        .ok(200);
    assert_eq!(
        one["stages"].as_array().map(Vec::len),
        sales["stages"].as_array().map(Vec::len)
    );
    let zh = app
        .get(&format!("/api/v1/processes/{}", sales["id"]), &rep)
        .await
        .ok(200);
    assert_eq!(zh["name"], "销售周期", "Chinese by default");
    app.get("/api/v1/processes/999999", &rep)
        .await
        .err(404, "not_found");
}

async fn creating_an_account_and_a_deal(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let acct = app
        .post("/api/v1/accounts", &rep, json!({ "name": "华东人民医院" }))
        .await
        .ok(201);
    assert_eq!(
        (acct["name"].as_str(), acct["version"].as_i64()),
        (Some("华东人民医院"), Some(1))
    );
    assert_eq!(
        (acct["owner_id"].as_i64(), acct["status"].as_str()),
        (Some(rep.id), Some("prospect"))
    );
    let sales = app.process(&rep, "sales_cycle").await;

    let body = json!({
        "name": "超声设备采购",
        "account_id": acct["id"],
        "amount": 1_250_000,
        "expected_close_date": "2027-03-31",
        "process_id": sales["id"],
    });
    let opp = app.post("/api/v1/opportunities", &rep, body).await.ok(201);
    assert!(opp["id"].is_i64());
    assert_eq!(opp["version"], 1);
    assert_eq!(
        opp["stage_id"], sales["stages"][0]["id"],
        "a new deal starts at the first stage"
    );
    assert_eq!(opp["process_id"], sales["id"]);
    assert_eq!(dec(&opp["amount"]), d("1250000"));
    assert_eq!(opp["currency"], "CNY");
    assert_eq!(
        (opp["status"].as_str(), opp["owner_id"].as_i64()),
        (Some("open"), Some(rep.id))
    );
    assert_eq!(
        (
            opp["expected_close_date"].as_str(),
            opp["account_name"].as_str()
        ),
        (Some("2027-03-31"), Some("华东人民医院"))
    );
    assert_eq!(opp["probability"], 10);

    let fetched = app
        .get(&format!("/api/v1/opportunities/{}", opp["id"]), &rep)
        .await
        .ok(200);
    assert_eq!(
        (fetched["id"].clone(), fetched["name"].clone()),
        (opp["id"].clone(), json!("超声设备采购"))
    );
    assert_eq!(fetched["checked_items"], json!([]));

    let cents = app
        .opportunity(&rep, id(&acct), "Service", "99.5", "2027-01-01")
        .await;
    assert_eq!(
        dec(&cents["amount"]),
        d("99.50"),
        "amounts keep their cents exactly"
    );
    let list = app.get("/api/v1/opportunities", &rep).await.ok(200);
    assert_eq!(list["total"], 2);
    assert_eq!(
        (list["limit"].as_i64(), list["offset"].as_i64()),
        (Some(50), Some(0))
    );
}

/// A valid create body for the caller's account in the sales cycle.
async fn good_body(app: &TestApp, rep: &crate::helpers::User) -> Value {
    let account = app.account(rep, "Hospital").await;
    let sales = app.process(rep, "sales_cycle").await;
    json!({
        "name": "Ultrasound",
        "account_id": account,
        "amount": 1_250_000,
        "expected_close_date": "2027-03-31",
        "process_id": sales["id"],
    })
}

fn with(body: &Value, field: &str, value: Value) -> Value {
    let mut b = body.clone();
    b[field] = value;
    b
}

async fn bad_values_are_422_naming_the_field(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let other = app.user("other@example.com", Role::Rep, None).await;
    let body = good_body(&app, &rep).await;
    let create = |b: Value| app.post("/api/v1/opportunities", &rep, b);

    create(with(&body, "name", json!("")))
        .await
        .invalid("name", "required");
    create(with(&body, "name", json!("   ")))
        .await
        .invalid("name", "required");
    create(with(&body, "name", json!("x".repeat(201))))
        .await
        .invalid("name", "too_long");
    create(with(&body, "expected_close_date", json!("2027-02-30")))
        .await
        .invalid("expected_close_date", "invalid_date");
    create(with(&body, "expected_close_date", json!("31/03/2027")))
        .await
        .invalid("expected_close_date", "invalid_date");
    create(with(&body, "amount", json!(-5)))
        .await
        .invalid("amount", "negative");
    create(with(&body, "amount", number("1.005")))
        .await
        .invalid("amount", "too_many_decimals");
    create(with(&body, "amount", number("10000000000000000")))
        .await
        .invalid("amount", "too_large");
    create(with(&body, "amount", json!("abc")))
        .await
        .invalid("amount", "invalid_type");
    create(with(&body, "account_id", json!("seven")))
        .await
        .invalid("account_id", "invalid_type");
    create(with(&body, "process_id", json!(999_999)))
        .await
        .invalid("process_id", "not_found");
    create(with(&body, "certainty", json!(45)))
        .await
        .invalid("certainty", "invalid_certainty");
    create(with(&body, "status", json!("maybe")))
        .await
        .invalid("status", "invalid_choice");
    create(with(&body, "grade", json!("Z")))
        .await
        .invalid("grade", "invalid_choice");
    create(with(&body, "next_review_date", json!("2027-13-01")))
        .await
        .invalid("next_review_date", "invalid_date");
    let theirs = app.account(&other, "Not mine").await;
    create(with(&body, "account_id", json!(theirs)))
        .await
        .invalid("account_id", "not_found");
    create(with(&body, "owner_id", json!(other.id)))
        .await
        .invalid("owner_id", "invalid_choice");
    let mut missing = body.clone();
    missing.as_object_mut().expect("object").remove("name");
    create(missing).await.invalid("name", "required");

    // Every problem is reported at once.
    let mut many = with(&body, "name", json!(""));
    many["amount"] = json!(-1);
    many["expected_close_date"] = json!("2027-02-30");
    let e = create(many).await.err(422, "invalid");
    let fields: Vec<&String> = e["fields"].as_object().expect("fields").keys().collect();
    assert_eq!(fields, ["amount", "expected_close_date", "name"]);

    let list = app.get("/api/v1/opportunities", &rep).await.ok(200);
    assert_eq!(list["total"], 0, "nothing half-written");
    create(body).await.ok(201);
}

async fn bodies_that_are_not_json_objects_are_400(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    for raw in [
        &b"{\"name\": "[..],
        b"not json",
        b"[1, 2]",
        b"\"text\"",
        b"",
    ] {
        let r = app
            .req(Method::POST, "/api/v1/opportunities", Some(&rep))
            .header(CONTENT_TYPE, "application/json")
            .body(raw.to_vec());
        send(r).await.err(400, "malformed");
    }
    let acct = app.account(&rep, "Hospital").await;
    let r = app
        .req(
            Method::PATCH,
            &format!("/api/v1/accounts/{acct}"),
            Some(&rep),
        )
        .header(CONTENT_TYPE, "application/json")
        .body("{\"version\": 1,");
    send(r).await.err(400, "malformed");
    assert_eq!(
        app.get("/api/v1/opportunities", &rep).await.ok(200)["total"],
        0
    );
}

async fn unknown_records_are_404(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    for path in [
        "/api/v1/opportunities/999999",
        "/api/v1/opportunities/999999/history",
        "/api/v1/accounts/999999",
        "/api/v1/contacts/999999",
        "/api/v1/leads/999999",
        "/api/v1/activities/999999",
    ] {
        app.get(path, &rep).await.err(404, "not_found");
        if !path.ends_with("history") {
            app.delete(path, &rep).await.err(404, "not_found");
            app.patch(path, &rep, json!({ "version": 1 }))
                .await
                .err(404, "not_found");
        }
    }
    app.post(
        "/api/v1/opportunities/999999/stage",
        &rep,
        json!({ "stage_id": 1 }),
    )
    .await
    .err(404, "not_found");
}

async fn ids_and_query_values_of_the_wrong_type(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    for path in [
        "/api/v1/opportunities/abc",
        "/api/v1/accounts/1.5",
        "/api/v1/leads/-",
    ] {
        app.get(path, &rep).await.err(404, "not_found");
    }
    for (path, field) in [
        ("/api/v1/opportunities?limit=abc", "limit"),
        ("/api/v1/opportunities?owner_id=me", "owner_id"),
        ("/api/v1/opportunities?close_from=2027-02-30", "close_from"),
        ("/api/v1/board?process_id=x", "process_id"),
    ] {
        app.get(path, &rep).await.invalid(field, "invalid_type");
    }
}

async fn record_list_queries_of_the_wrong_type_are_422(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    for (path, field) in [
        ("/api/v1/accounts?offset=first", "offset"),
        ("/api/v1/accounts?owner_id=me", "owner_id"),
        ("/api/v1/contacts?account_id=x", "account_id"),
        ("/api/v1/leads?limit=many", "limit"),
        ("/api/v1/activities?opportunity_id=x", "opportunity_id"),
    ] {
        app.get(path, &rep).await.invalid(field, "invalid_type");
    }
}

/// Several clients editing the same version at once: exactly one wins, the others get 409,
/// and the history records only the winner's change.
async fn concurrent_edits_of_one_version_let_exactly_one_through(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let acct = app.account(&rep, "Hospital").await;
    let opp = app
        .opportunity(&rep, acct, "Ultrasound", "100", "2027-03-31")
        .await;
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    let edit = |amount: i64| app.patch(&path, &rep, json!({ "amount": amount, "version": 1 }));
    let (first, second, third, fourth) = tokio::join!(edit(201), edit(202), edit(203), edit(204));
    let results = [first, second, third, fourth];
    let winners: Vec<Value> = results
        .iter()
        .filter(|r| r.status.as_u16() == 200)
        .map(|r| r.json.clone())
        .collect();
    assert_eq!(winners.len(), 1, "exactly one edit wins");
    for r in results.into_iter().filter(|r| r.status.as_u16() != 200) {
        r.err(409, "stale_version");
    }
    let now = app.get(&path, &rep).await.ok(200);
    assert_eq!(
        (now["version"].as_i64(), &now["amount"]),
        (Some(2), &winners[0]["amount"])
    );
    let h = app.get(&format!("{path}/history"), &rep).await.ok(200);
    let amounts = h["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "amount")
        .count();
    assert_eq!(amounts, 1, "only the winning change is in the history");
}

async fn updates_carry_the_version_they_read(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let acct = app.account(&rep, "Hospital").await;
    let opp = app
        .opportunity(&rep, acct, "Ultrasound", "1250000", "2027-03-31")
        .await;
    let path = format!("/api/v1/opportunities/{}", opp["id"]);

    let saved = app
        .patch(&path, &rep, json!({ "amount": 1_300_000, "version": 1 }))
        .await
        .ok(200);
    assert_eq!(
        (saved["version"].as_i64(), dec(&saved["amount"])),
        (Some(2), d("1300000"))
    );
    assert_eq!(
        saved["name"], "Ultrasound",
        "absent fields stay as they were"
    );
    assert_eq!(saved["expected_close_date"], "2027-03-31");

    let e = app
        .patch(&path, &rep, json!({ "amount": 1_400_000, "version": 1 }))
        .await
        .err(409, "stale_version");
    assert_eq!(
        e["current"]["version"], 2,
        "the refusal carries the current record: {e}"
    );
    assert_eq!(dec(&e["current"]["amount"]), d("1300000"));
    assert_eq!(e["current"]["id"], opp["id"]);
    let now = app.get(&path, &rep).await.ok(200);
    assert_eq!(
        (now["version"].as_i64(), dec(&now["amount"])),
        (Some(2), d("1300000")),
        "never silently overwritten"
    );

    app.patch(&path, &rep, json!({ "amount": 5 }))
        .await
        .invalid("version", "required");
    app.patch(&path, &rep, json!({ "amount": -5, "version": 2 }))
        .await
        .invalid("amount", "negative");
    app.patch(
        &path,
        &rep,
        json!({ "expected_close_date": "2027-02-29", "version": 2 }),
    )
    .await
    .invalid("expected_close_date", "invalid_date");
    let saved = app
        .patch(&path, &rep, json!({ "expected_close_date": "2027-06-30", "certainty": 40, "grade": "A", "version": 2 }))
        .await
        .ok(200);
    assert_eq!(
        (
            saved["version"].as_i64(),
            saved["certainty"].as_i64(),
            saved["grade"].as_str()
        ),
        (Some(3), Some(40), Some("A"))
    );
    let cleared = app
        .patch(&path, &rep, json!({ "grade": "", "version": 3 }))
        .await
        .ok(200);
    assert_eq!(
        cleared["grade"],
        Value::Null,
        "an empty string clears an optional field"
    );
}

async fn the_history_lists_every_change(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let acct = app.account(&rep, "Hospital").await;
    let opp = app
        .opportunity(&rep, acct, "Ultrasound", "1250000", "2027-03-31")
        .await;
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    app.patch(
        &path,
        &rep,
        json!({ "amount": 1_300_000, "expected_close_date": "2027-04-30", "version": 1 }),
    )
    .await
    .ok(200);
    let sales = app.process(&rep, "sales_cycle").await;
    let target = &sales["stages"][1]["id"];
    app.post(
        &format!("{path}/stage"),
        &rep,
        json!({ "stage_id": target, "override_reason": "客户口头确认" }),
    )
    .await
    .ok(200);
    app.patch(&path, &rep, json!({ "status": "won", "version": 3 }))
        .await
        .ok(200);

    let h = app.get(&format!("{path}/history"), &rep).await.ok(200);
    let events = h["items"].as_array().expect("items");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"status"), "newest first: {kinds:?}");
    assert_eq!(kinds.last(), Some(&"created"));
    let mut middle = kinds[2..4].to_vec();
    middle.sort_unstable();
    assert_eq!((kinds[1], middle), ("stage", vec!["amount", "close_date"]));
    let find = |k: &str| {
        events
            .iter()
            .find(|e| e["kind"] == k)
            .cloned()
            .expect("event")
    };
    let amount = find("amount");
    assert_eq!(
        (amount["from_value"].as_str(), amount["to_value"].as_str()),
        (Some("125000000"), Some("130000000"))
    );
    let close = find("close_date");
    assert_eq!(
        (close["from_value"].as_str(), close["to_value"].as_str()),
        (Some("2027-03-31"), Some("2027-04-30"))
    );
    let stage = find("stage");
    assert_eq!(stage["reason"], "客户口头确认");
    assert_eq!(
        (stage["from_value"].clone(), stage["to_value"].clone()),
        (
            json!(sales["stages"][0]["id"].to_string()),
            json!(target.to_string())
        )
    );
    let status = find("status");
    assert_eq!(
        (status["from_value"].as_str(), status["to_value"].as_str()),
        (Some("open"), Some("won"))
    );
    for e in events {
        assert_eq!(
            (e["actor_id"].as_i64(), e["actor_name"].as_str()),
            (Some(rep.id), Some("rep"))
        );
        assert!(e["at"].as_str().is_some_and(|t| t.starts_with("20")), "{e}");
    }
}

async fn deleting_a_deal_removes_it(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let admin = app.user("admin@example.com", Role::Admin, None).await;
    let acct = app.account(&rep, "Hospital").await;
    let opp = app
        .opportunity(&rep, acct, "Ultrasound", "100", "2027-03-31")
        .await;
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    let r = app.delete(&path, &rep).await;
    assert_eq!(r.status.as_u16(), 204);
    app.get(&path, &rep).await.err(404, "not_found");
    app.get(&format!("{path}/history"), &rep)
        .await
        .err(404, "not_found");
    app.delete(&path, &rep).await.err(404, "not_found");
    assert_eq!(
        app.get("/api/v1/opportunities", &rep).await.ok(200)["total"],
        0
    );
    app.delete(&format!("/api/v1/accounts/{acct}"), &rep)
        .await
        .err(409, "in_use");

    // Kept: an administrator sees it among the deleted and puts it back.
    app.get("/api/v1/opportunities/deleted", &rep)
        .await
        .err(403, "forbidden");
    app.post(&format!("{path}/restore"), &rep, json!({}))
        .await
        .err(403, "forbidden");
    let bin = app
        .get("/api/v1/opportunities/deleted", &admin)
        .await
        .ok(200);
    assert_eq!(
        (
            bin["total"].as_i64(),
            bin["items"][0]["id"].clone(),
            bin["items"][0]["name"].as_str()
        ),
        (Some(1), opp["id"].clone(), Some("Ultrasound"))
    );
    assert!(bin["items"][0]["deleted_at"].is_string());
    let back = app
        .post(&format!("{path}/restore"), &admin, json!({}))
        .await
        .ok(200);
    assert_eq!(back["id"], opp["id"]);
    app.post(&format!("{path}/restore"), &admin, json!({}))
        .await
        .err(404, "not_found");
    app.get(&path, &rep).await.ok(200);
    assert_eq!(
        app.get("/api/v1/opportunities", &rep).await.ok(200)["total"],
        1
    );
    let h = app.get(&format!("{path}/history"), &rep).await.ok(200);
    let kinds: Vec<&str> = h["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["restored", "deleted", "created"]);
    assert_eq!(h["items"][1]["actor_id"], json!(rep.id));
    assert_eq!(h["items"][0]["actor_id"], json!(admin.id));
    assert_eq!(h["items"][1]["state"]["deleted"], json!(true));
}

/// "This year" is the organization's fiscal year, reckoned in its time zone: with a fiscal year
/// that starts this month, a deal closing in ten and a half months is in it.
async fn close_periods_follow_the_fiscal_year(app: TestApp) {
    let admin = app.user("admin@example.com", Role::Admin, None).await;
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let settings = app.get("/api/v1/settings", &admin).await.ok(200);
    app.patch(
        "/api/v1/settings",
        &admin,
        json!({ "version": settings["version"], "fiscal_year_start_month": chrono::Datelike::month(&today) }),
    )
    .await
    .ok(200);
    let acct = app.account(&rep, "Hospital").await;
    let close = (today + chrono::Duration::days(320)).to_string();
    let deal = app.opportunity(&rep, acct, "Later", "1000", &close).await;
    // The server keeps its copy of the settings for a few seconds: a new server reads them now.
    let fresh = crate::helpers::TestApp::start(app.db.clone()).await;
    let listed = |period: &'static str| {
        let fresh = &fresh;
        let rep = &rep;
        async move {
            let page = fresh
                .get(&format!("/api/v1/opportunities?period={period}"), rep)
                .await
                .ok(200);
            crate::helpers::ids(&page)
        }
    };
    assert_eq!(listed("this_year").await, [id(&deal)], "closes in {close}");
    assert!(listed("this_quarter").await.is_empty());
    let board = fresh
        .get("/api/v1/board?period=this_year", &rep)
        .await
        .ok(200);
    assert_eq!(board["count"], 1, "the board reads the same fiscal year");
}

/// A handler's error is said in the caller's language: their own setting first, then the
/// request's, then the organization's.
async fn errors_are_said_in_the_callers_language(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let missing = "/api/v1/opportunities/999999";
    let e = app.get(missing, &rep).await.err(404, "not_found");
    assert_eq!(e["message"], "记录不存在", "the organization's language");
    let e = send(
        app.req(Method::GET, missing, Some(&rep))
            .header(ACCEPT_LANGUAGE, "en"),
    )
    .await
    .err(404, "not_found");
    assert_eq!(e["message"], "No such record", "the request's");
    opportune_db::users::set_locale(&app.db, rep.id, opportune_core::records::Locale::En)
        .await
        .expect("setting");
    let e = send(
        app.req(Method::GET, missing, Some(&rep))
            .header(ACCEPT_LANGUAGE, "zh-CN"),
    )
    .await
    .err(404, "not_found");
    assert_eq!(
        e["message"], "No such record",
        "the user's own setting wins"
    );
    let acct = app.account(&rep, "Hospital").await;
    let e = app
        .patch(
            &format!("/api/v1/accounts/{acct}"),
            &rep,
            json!({ "version": 99, "name": "x" }),
        )
        .await
        .err(409, "stale_version");
    assert_eq!(
        (e["message"].as_str(), e["current"]["name"].as_str()),
        (
            Some("The record was changed by someone else; reload and try again"),
            Some("Hospital")
        ),
        "a stale edit carries the record as it stands, in the API's shape"
    );
}

http_tests!(
    errors_are_said_in_the_callers_language,
    close_periods_follow_the_fiscal_year,
    four_processes_with_ordered_stages_and_criteria,
    creating_an_account_and_a_deal,
    bad_values_are_422_naming_the_field,
    bodies_that_are_not_json_objects_are_400,
    unknown_records_are_404,
    ids_and_query_values_of_the_wrong_type,
    record_list_queries_of_the_wrong_type_are_422,
    concurrent_edits_of_one_version_let_exactly_one_through,
    updates_carry_the_version_they_read,
    the_history_lists_every_change,
    deleting_a_deal_removes_it,
);
