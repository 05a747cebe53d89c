//! Records shared with a colleague (SPEC §1): the colleague reads them and works beside them
//! (logs their own activities) but cannot change, delete or re-share them; only whoever controls
//! the record shares it; a share is personal (the colleague's manager does not inherit it).

use crate::helpers::{TestApp, ids};
use crate::pages::{browser, form, page, share_picker};
use reqwest::StatusCode;
use serde_json::json;

http_tests!(
    a_shared_deal_is_readable_not_writable,
    a_shared_account_brings_its_contacts,
    share_requests_are_checked,
    the_deal_page_shares_and_shows_read_only
);

async fn a_shared_deal_is_readable_not_writable(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "East Hospital").await;
    let opp = app
        .opportunity(&p.rep_east, acct, "CT East", "500", "2027-03-31")
        .await;
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    let shares = format!("{path}/shares");
    let oid = opp["id"].as_i64().expect("id");
    app.get(&path, &p.rep_west).await.err(404, "not_found");
    app.post(&shares, &p.rep_west, json!({ "user_id": p.rep_west.id }))
        .await
        .err(404, "not_found");

    let granted = app
        .post(&shares, &p.rep_east, json!({ "user_id": p.rep_west.id }))
        .await
        .ok(201);
    assert_eq!(granted["items"][0]["user_id"], p.rep_west.id);
    assert_eq!(granted["items"][0]["granted_by"], p.rep_east.id);
    app.post(&shares, &p.rep_east, json!({ "user_id": p.rep_west.id }))
        .await
        .ok(201);
    assert_eq!(
        app.get(&shares, &p.rep_west).await.ok(200)["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "sharing twice keeps one share"
    );

    let seen = app.get(&path, &p.rep_west).await.ok(200);
    assert_eq!(seen["editable"], false);
    assert_eq!(app.get(&path, &p.rep_east).await.ok(200)["editable"], true);
    let listed = app
        .get("/api/v1/opportunities?limit=500", &p.rep_west)
        .await
        .ok(200);
    assert!(ids(&listed).contains(&oid), "in the colleague's list");
    app.get(&format!("{path}/history"), &p.rep_west)
        .await
        .ok(200);

    let stage = &app.process(&p.rep_east, "sales_cycle").await["stages"][1]["id"];
    app.patch(&path, &p.rep_west, json!({ "amount": 1, "version": 1 }))
        .await
        .err(403, "read_only");
    app.post(
        &format!("{path}/stage"),
        &p.rep_west,
        json!({ "stage_id": stage, "override_reason": "x" }),
    )
    .await
    .err(403, "read_only");
    app.put(
        &format!("{path}/checks"),
        &p.rep_west,
        json!({ "version": 1, "item_ids": [] }),
    )
    .await
    .err(403, "read_only");
    app.delete(&path, &p.rep_west).await.err(403, "read_only");
    app.post(&shares, &p.rep_west, json!({ "user_id": p.rep_sh.id }))
        .await
        .err(403, "read_only");
    assert_eq!(
        app.get(&path, &p.rep_east).await.ok(200)["version"],
        1,
        "nothing the colleague tried changed the deal"
    );

    let logged = app
        .post(
            "/api/v1/activities",
            &p.rep_west,
            json!({ "opportunity_id": oid, "account_id": acct, "kind": "joint_call", "occurred_on": "2026-11-20" }),
        )
        .await
        .ok(201);
    assert_eq!(logged["owner_id"], p.rep_west.id);
    let owners_call = app
        .post(
            "/api/v1/activities",
            &p.rep_east,
            json!({ "opportunity_id": oid, "account_id": acct, "kind": "call", "occurred_on": "2026-11-21" }),
        )
        .await
        .ok(201);
    let deal_acts = app
        .get(
            &format!("/api/v1/activities?opportunity_id={oid}"),
            &p.rep_west,
        )
        .await
        .ok(200);
    assert_eq!(deal_acts["total"], 2, "the deal's activities come with it");
    let call = format!("/api/v1/activities/{}", owners_call["id"]);
    assert_eq!(app.get(&call, &p.rep_west).await.ok(200)["editable"], false);
    app.delete(&call, &p.rep_west).await.err(403, "read_only");

    app.get(&path, &p.mgr_west).await.err(404, "not_found");
    let team = app.get("/api/v1/opportunities", &p.mgr_west).await.ok(200);
    assert!(!ids(&team).contains(&oid), "a share is personal");

    let by_manager = app
        .post(&shares, &p.mgr_east, json!({ "user_id": p.rep_sh.id }))
        .await
        .ok(201);
    assert_eq!(by_manager["items"].as_array().map(Vec::len), Some(2));
    let r = app
        .delete(&format!("{shares}/{}", p.rep_west.id), &p.rep_east)
        .await;
    assert_eq!(r.status.as_u16(), 204);
    app.get(&path, &p.rep_west).await.err(404, "not_found");
    app.get(&path, &p.rep_sh).await.ok(200);
}

async fn a_shared_account_brings_its_contacts(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "协和医院").await;
    let contact = app
        .post(
            "/api/v1/contacts",
            &p.rep_east,
            json!({ "account_id": acct, "name": "王主任" }),
        )
        .await
        .ok(201);
    let contact_path = format!("/api/v1/contacts/{}", contact["id"]);
    app.get(&contact_path, &p.rep_west)
        .await
        .err(404, "not_found");
    app.post(
        &format!("/api/v1/accounts/{acct}/shares"),
        &p.rep_east,
        json!({ "user_id": p.rep_west.id }),
    )
    .await
    .ok(201);
    let a = app
        .get(&format!("/api/v1/accounts/{acct}"), &p.rep_west)
        .await
        .ok(200);
    assert_eq!(a["editable"], false);
    let c = app.get(&contact_path, &p.rep_west).await.ok(200);
    assert_eq!(c["editable"], false);
    let contacts = app
        .get(&format!("/api/v1/contacts?account_id={acct}"), &p.rep_west)
        .await
        .ok(200);
    assert_eq!(contacts["total"], 1);
    app.patch(
        &contact_path,
        &p.rep_west,
        json!({ "title": "院长", "version": 1 }),
    )
    .await
    .err(403, "read_only");

    let lead = app
        .post(
            "/api/v1/leads",
            &p.rep_east,
            json!({ "name": "张经理", "company": "华东药业" }),
        )
        .await
        .ok(201);
    let lead_path = format!("/api/v1/leads/{}", lead["id"]);
    app.get(&lead_path, &p.rep_sh).await.err(404, "not_found");
    app.post(
        &format!("{lead_path}/shares"),
        &p.admin,
        json!({ "user_id": p.rep_sh.id }),
    )
    .await
    .ok(201);
    assert_eq!(
        app.get(&lead_path, &p.rep_sh).await.ok(200)["editable"],
        false
    );
    let r = app.delete(&lead_path, &p.rep_east).await;
    assert_eq!(r.status.as_u16(), 204);
    app.get(&format!("{lead_path}/shares"), &p.rep_east)
        .await
        .err(404, "not_found");
    // SQLite hands a deleted row's id to the next insert: the share went with the record, so it
    // does not open the new one.
    let next = app
        .post("/api/v1/leads", &p.rep_east, json!({ "name": "李工" }))
        .await
        .ok(201);
    app.get(&format!("/api/v1/leads/{}", next["id"]), &p.rep_sh)
        .await
        .err(404, "not_found");
}

async fn share_requests_are_checked(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "East Hospital").await;
    let shares = format!("/api/v1/accounts/{acct}/shares");
    app.post(&shares, &p.rep_east, json!({ "user_id": p.rep_east.id }))
        .await
        .invalid("user_id", "is_owner");
    app.post(&shares, &p.rep_east, json!({ "user_id": 999_999 }))
        .await
        .invalid("user_id", "not_found");
    app.post(&shares, &p.rep_east, json!({ "user_id": "x" }))
        .await
        .invalid("user_id", "invalid_type");
    app.post(&shares, &p.rep_east2, json!({ "user_id": p.rep_west.id }))
        .await
        .err(404, "not_found");
    app.get("/api/v1/widgets/1/shares", &p.rep_east)
        .await
        .err(404, "not_found");
    app.get("/api/v1/accounts/abc/shares", &p.rep_east)
        .await
        .err(404, "not_found");
    let list = app.get(&shares, &p.rep_east).await.ok(200);
    assert_eq!(list["items"], json!([]));
}

async fn the_deal_page_shares_and_shows_read_only(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "华东医院").await;
    let opp = app
        .opportunity(&p.rep_east, acct, "CT 华东", "500", "2027-03-31")
        .await;
    let deal = format!("/opportunities/{}", opp["id"]);
    let owner = browser(&app, &p.rep_east).await;
    let colleague = browser(&app, &p.rep_west).await;
    assert_eq!(
        page(&colleague, &app, &deal).await.status,
        StatusCode::NOT_FOUND
    );

    let mine = page(&owner, &app, &deal).await;
    assert!(mine.text.contains("id=\"shares\""), "the panel is there");
    let picker = share_picker(&mine.text);
    let option = |id: i64| format!("<option value=\"{id}\">");
    assert!(
        picker.contains(&option(p.rep_west.id)),
        "colleagues can be picked"
    );
    assert!(!picker.contains(&option(p.rep_east.id)), "not the owner");
    let r = form(
        &owner,
        &app,
        &format!("{deal}/shares"),
        &[("user_id", &p.rep_east.id.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let back = r.headers["location"].to_str().expect("location").to_owned();
    assert!(back.contains("share_error=is_owner"), "{back}");
    let shown = page(&owner, &app, &back).await;
    assert!(
        shown.text.contains("已是此记录的负责人"),
        "the refusal in the user's language"
    );

    let r = form(
        &owner,
        &app,
        &format!("{deal}/shares"),
        &[("user_id", &p.rep_west.id.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let unshare = format!("action=\"{deal}/shares/{}/delete\"", p.rep_west.id);
    assert!(
        page(&owner, &app, &deal).await.text.contains(&unshare),
        "the owner's panel lists the colleague"
    );
    let theirs = page(&colleague, &app, &deal).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.text.contains("只读"), "marked read only");
    assert!(
        !theirs.text.contains(&format!("{deal}/edit")),
        "no edit link"
    );
    assert!(
        !theirs.text.contains(&format!("{deal}/delete")),
        "no delete button"
    );
    assert!(
        !theirs.text.contains(&format!("action=\"{deal}/stage\"")),
        "no move form"
    );
    assert!(
        theirs
            .text
            .contains(&format!("action=\"{deal}/activities\"")),
        "they can log a call"
    );
    let board = page(&colleague, &app, "/board").await;
    assert!(board.text.contains("CT 华东"), "on the colleague's board");
    assert!(
        !board.text.contains(&format!("action=\"{deal}/stage\"")),
        "but not movable"
    );

    assert_eq!(
        page(&colleague, &app, &format!("{deal}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    let r = form(
        &colleague,
        &app,
        &format!("{deal}/stage"),
        &[("stage_id", "1"), ("next", "/board")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = form(&colleague, &app, &format!("{deal}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = form(
        &colleague,
        &app,
        &format!("{deal}/shares"),
        &[("user_id", &p.rep_sh.id.to_string())],
    )
    .await;
    assert!(
        r.headers["location"]
            .to_str()
            .expect("location")
            .contains("share_error=read_only")
    );
    assert_eq!(
        app.get(&format!("/api/v1{deal}"), &p.rep_east)
            .await
            .ok(200)["version"],
        1
    );

    let r = form(
        &owner,
        &app,
        &format!("{deal}/shares/{}/delete", p.rep_west.id),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page(&colleague, &app, &deal).await.status,
        StatusCode::NOT_FOUND
    );
    let after = page(&owner, &app, &deal).await.text;
    assert!(
        !after.contains(&unshare) && !after.contains("class=\"shares\""),
        "shared with nobody again"
    );
}
