//! Accounts, contacts, leads and activities through the API: create, read, list, versioned
//! update, delete; someone else's record is 404; bad values are 422 naming the field.

use crate::helpers::{People, TestApp, id, ids};
use serde_json::{Value, json};

/// Drives one kind of record through its life as `rep_east`, checking who else sees it.
/// `body` is a valid create body; `patch` one field to change and its new value.
async fn lifecycle(app: &TestApp, p: &People, kind: &str, body: Value, patch: (&str, Value)) {
    let base = format!("/api/v1/{kind}");
    let me = &p.rep_east;
    let created = app.post(&base, me, body).await.ok(201);
    let rid = id(&created);
    assert_eq!(
        (created["version"].as_i64(), created["owner_id"].as_i64()),
        (Some(1), Some(me.id)),
        "{kind}: {created}"
    );
    let path = format!("{base}/{rid}");
    assert_eq!(
        app.get(&path, me).await.ok(200),
        created,
        "{kind}: read back as created"
    );
    assert!(
        ids(&app.get(&base, me).await.ok(200)).contains(&rid),
        "{kind}: listed"
    );

    for who in [&p.rep_east2, &p.rep_sh, &p.mgr_west] {
        app.get(&path, who).await.err(404, "not_found");
        assert!(
            !ids(&app.get(&base, who).await.ok(200)).contains(&rid),
            "{kind}: not listed for others"
        );
        app.patch(&path, who, json!({ "version": 1 }))
            .await
            .err(404, "not_found");
        app.delete(&path, who).await.err(404, "not_found");
    }
    for who in [&p.mgr_east, &p.admin] {
        app.get(&path, who).await.ok(200);
        assert!(
            ids(&app.get(&base, who).await.ok(200)).contains(&rid),
            "{kind}: listed for the manager and the admin"
        );
    }

    let (field, value) = patch;
    let mut change = json!({ "version": 1 });
    change[field] = value.clone();
    let saved = app.patch(&path, me, change.clone()).await.ok(200);
    assert_eq!(
        (saved["version"].as_i64(), &saved[field]),
        (Some(2), &value),
        "{kind}: updated"
    );
    let e = app.patch(&path, me, change).await.err(409, "stale_version");
    assert_eq!(
        (e["current"]["version"].as_i64(), &e["current"][field]),
        (Some(2), &value),
        "{kind}: the current record"
    );

    assert_eq!(
        app.delete(&path, me).await.status.as_u16(),
        204,
        "{kind}: deleted"
    );
    app.get(&path, me).await.err(404, "not_found");
}

async fn accounts_through_the_api(app: TestApp) {
    let p = app.people().await;
    lifecycle(
        &app,
        &p,
        "accounts",
        json!({ "name": "Acme", "industry": "制造" }),
        ("region", json!("华东")),
    )
    .await;
    let me = &p.rep_east;
    let post = |b: Value| app.post("/api/v1/accounts", me, b);
    post(json!({ "name": "" }))
        .await
        .invalid("name", "required");
    post(json!({ "name": "A", "grade": "Z" }))
        .await
        .invalid("grade", "invalid_choice");
    post(json!({ "name": "A", "status": "asleep" }))
        .await
        .invalid("status", "invalid_choice");
    post(json!({ "name": "A", "owner_id": p.rep_east2.id }))
        .await
        .invalid("owner_id", "invalid_choice");
    post(json!({ "name": 5 }))
        .await
        .invalid("name", "invalid_type");
    let a = post(json!({ "name": "Alpha Hospital", "grade": "AA", "status": "active" }))
        .await
        .ok(201);
    assert_eq!(
        (a["grade"].as_str(), a["status"].as_str()),
        (Some("AA"), Some("active"))
    );
    post(json!({ "name": "Beta Clinic" })).await.ok(201);
    let found = app.get("/api/v1/accounts?q=Hospital", me).await.ok(200);
    assert_eq!(ids(&found), [id(&a)]);

    // An account with contacts cannot be deleted.
    app.post(
        "/api/v1/contacts",
        me,
        json!({ "account_id": a["id"], "name": "王主任" }),
    )
    .await
    .ok(201);
    app.delete(&format!("/api/v1/accounts/{}", a["id"]), me)
        .await
        .err(409, "in_use");
    app.get(&format!("/api/v1/accounts/{}", a["id"]), me)
        .await
        .ok(200);
}

async fn contacts_through_the_api(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let body = json!({ "account_id": acct, "name": "王主任", "email": "wang@example.com", "birthday": "1975-06-01" });
    lifecycle(&app, &p, "contacts", body, ("title", json!("设备科主任"))).await;
    let post = |b: Value| app.post("/api/v1/contacts", me, b);
    post(json!({ "account_id": acct, "name": "X", "email": "not-an-email" }))
        .await
        .invalid("email", "invalid_email");
    post(json!({ "account_id": acct, "name": "X", "birthday": "1975-02-30" }))
        .await
        .invalid("birthday", "invalid_date");
    post(json!({ "name": "X" }))
        .await
        .invalid("account_id", "required");
    let theirs = app.account(&p.rep_east2, "Their hospital").await;
    post(json!({ "account_id": theirs, "name": "X" }))
        .await
        .invalid("account_id", "not_found");
    let other = app.account(me, "Clinic").await;
    let c = post(json!({ "account_id": other, "name": "李医生" }))
        .await
        .ok(201);
    post(json!({ "account_id": acct, "name": "张护士" }))
        .await
        .ok(201);
    assert_eq!(
        ids(&app
            .get(&format!("/api/v1/contacts?account_id={other}"), me)
            .await
            .ok(200)),
        [id(&c)]
    );
}

async fn leads_through_the_api(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    lifecycle(
        &app,
        &p,
        "leads",
        json!({ "name": "Zhang San", "company": "Acme Robotics" }),
        ("status", json!("contacted")),
    )
    .await;
    let post = |b: Value| app.post("/api/v1/leads", me, b);
    post(json!({ "name": "X", "status": "hot" }))
        .await
        .invalid("status", "invalid_choice");
    post(json!({ "name": "X", "email": "x@" }))
        .await
        .invalid("email", "invalid_email");
    post(json!({ "company": "Acme" }))
        .await
        .invalid("name", "required");
    let l = post(json!({ "name": "Li Si", "company": "Bolt Motors" }))
        .await
        .ok(201);
    assert_eq!(l["status"], "new", "a new lead is new");
    let q = post(json!({ "name": "Wang Wu", "company": "Acme", "status": "qualified" }))
        .await
        .ok(201);
    assert_eq!(
        ids(&app.get("/api/v1/leads?q=Bolt", me).await.ok(200)),
        [id(&l)],
        "search covers the company"
    );
    assert_eq!(
        ids(&app.get("/api/v1/leads?status=qualified", me).await.ok(200)),
        [id(&q)]
    );
}

async fn activities_through_the_api(app: TestApp) {
    let p = app.people().await;
    let me = &p.rep_east;
    let acct = app.account(me, "Hospital").await;
    let opp = app
        .opportunity(me, acct, "Ultrasound", "100", "2027-03-31")
        .await;
    let body = json!({
        "account_id": acct, "opportunity_id": opp["id"], "kind": "visit", "occurred_on": "2026-11-20",
        "participants": "王主任", "next_step": "Send the quote", "next_step_date": "2026-11-27",
    });
    lifecycle(
        &app,
        &p,
        "activities",
        body,
        ("outcome", json!("Agreed to a trial")),
    )
    .await;
    let post = |b: Value| app.post("/api/v1/activities", me, b);
    let ok = json!({ "account_id": acct, "kind": "call", "occurred_on": "2026-11-21" });
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    post(with("kind", json!("party")))
        .await
        .invalid("kind", "invalid_choice");
    post(with("occurred_on", json!("2026-11-31")))
        .await
        .invalid("occurred_on", "invalid_date");
    post(with("next_step_date", json!("soon")))
        .await
        .invalid("next_step_date", "invalid_date");
    let elsewhere = app.account(me, "Clinic").await;
    let foreign = app
        .opportunity(me, elsewhere, "Clinic deal", "1", "2027-01-01")
        .await;
    post(with("opportunity_id", foreign["id"].clone()))
        .await
        .invalid("opportunity_id", "other_account");
    let hidden_acct = app.account(&p.rep_east2, "Theirs").await;
    let hidden = app
        .opportunity(&p.rep_east2, hidden_acct, "Theirs", "1", "2027-01-01")
        .await;
    post(with("opportunity_id", hidden["id"].clone()))
        .await
        .invalid("opportunity_id", "not_found");

    let call = post(with("opportunity_id", opp["id"].clone()))
        .await
        .ok(201);
    assert_eq!(
        (call["kind"].as_str(), call["opportunity_id"].clone()),
        (Some("call"), opp["id"].clone())
    );
    let listed = app
        .get(
            &format!("/api/v1/activities?opportunity_id={}", opp["id"]),
            me,
        )
        .await
        .ok(200);
    assert_eq!(ids(&listed), [id(&call)]);
    app.get("/api/v1/activities?kind=party", me)
        .await
        .invalid("kind", "invalid_choice");
    let unlinked = app
        .patch(
            &format!("/api/v1/activities/{}", call["id"]),
            me,
            json!({ "opportunity_id": null, "version": 1 }),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            unlinked["opportunity_id"].clone(),
            unlinked["kind"].as_str()
        ),
        (Value::Null, Some("call")),
        "null clears the link"
    );
}

http_tests!(
    accounts_through_the_api,
    contacts_through_the_api,
    leads_through_the_api,
    activities_through_the_api,
);
