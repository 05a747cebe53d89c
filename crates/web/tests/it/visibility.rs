//! Per-role visibility through the API: another rep's deal does not exist for a rep (404, as an
//! unknown id, never 403 that would tell it exists); a manager sees their team's subtree; an
//! admin sees everything.

use crate::helpers::{TestApp, User, ids};
use serde_json::{Value, json};

/// Asserts `who` cannot see or touch the deal at all, exactly as if it did not exist.
async fn invisible(app: &TestApp, who: &User, opp: &Value, stage: &Value) {
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    let unknown = app
        .get("/api/v1/opportunities/999999", who)
        .await
        .err(404, "not_found");
    assert_eq!(
        app.get(&path, who).await.err(404, "not_found"),
        unknown,
        "no hint that it exists"
    );
    let list = app
        .get("/api/v1/opportunities?limit=500", who)
        .await
        .ok(200);
    assert!(
        !ids(&list).contains(&opp["id"].as_i64().expect("id")),
        "absent from the list"
    );
    let found = app
        .get("/api/v1/opportunities?q=Ultrasound", who)
        .await
        .ok(200);
    assert!(
        !ids(&found).contains(&opp["id"].as_i64().expect("id")),
        "absent from searches"
    );
    app.get(&format!("{path}/history"), who)
        .await
        .err(404, "not_found");
    app.patch(
        &path,
        who,
        json!({ "amount": 1, "version": opp["version"] }),
    )
    .await
    .err(404, "not_found");
    app.post(
        &format!("{path}/stage"),
        who,
        json!({ "stage_id": stage, "override_reason": "x" }),
    )
    .await
    .err(404, "not_found");
    app.put(
        &format!("{path}/checks"),
        who,
        json!({ "version": opp["version"], "item_ids": [] }),
    )
    .await
    .err(404, "not_found");
    app.delete(&path, who).await.err(404, "not_found");
}

async fn visible(app: &TestApp, who: &User, opp: &Value) {
    let path = format!("/api/v1/opportunities/{}", opp["id"]);
    assert_eq!(app.get(&path, who).await.ok(200)["id"], opp["id"]);
    let list = app
        .get("/api/v1/opportunities?limit=500", who)
        .await
        .ok(200);
    assert!(
        ids(&list).contains(&opp["id"].as_i64().expect("id")),
        "listed"
    );
    app.get(&format!("{path}/history"), who).await.ok(200);
}

async fn each_role_sees_what_it_should(app: TestApp) {
    let p = app.people().await;
    let sales = app.process(&p.rep_east, "sales_cycle").await;
    let stage = &sales["stages"][1]["id"];
    let east_acct = app.account(&p.rep_east, "East Hospital").await;
    let east = app
        .opportunity(
            &p.rep_east,
            east_acct,
            "Ultrasound East",
            "100",
            "2027-03-31",
        )
        .await;
    let sh_acct = app.account(&p.rep_sh, "Shanghai Clinic").await;
    let sh = app
        .opportunity(
            &p.rep_sh,
            sh_acct,
            "Ultrasound Shanghai",
            "200",
            "2027-03-31",
        )
        .await;
    let west_acct = app.account(&p.rep_west, "West Factory").await;
    let west = app
        .opportunity(
            &p.rep_west,
            west_acct,
            "Ultrasound West",
            "300",
            "2027-03-31",
        )
        .await;

    invisible(&app, &p.rep_east2, &east, stage).await;
    invisible(&app, &p.rep_sh, &east, stage).await;
    invisible(&app, &p.rep_east, &sh, stage).await;
    invisible(&app, &p.mgr_west, &east, stage).await;
    invisible(&app, &p.mgr_west, &sh, stage).await;
    invisible(&app, &p.mgr_east, &west, stage).await;
    invisible(&app, &p.rep_west, &east, stage).await;

    visible(&app, &p.rep_east, &east).await;
    visible(&app, &p.mgr_east, &east).await;
    visible(&app, &p.mgr_east, &sh).await;
    visible(&app, &p.mgr_west, &west).await;
    for o in [&east, &sh, &west] {
        visible(&app, &p.admin, o).await;
    }
    let mine = app.get("/api/v1/opportunities", &p.rep_east2).await.ok(200);
    assert_eq!(mine["total"], 0);
    let team = app.get("/api/v1/opportunities", &p.mgr_east).await.ok(200);
    assert_eq!(
        team["total"], 2,
        "the manager's team includes its sub-teams"
    );
    assert_eq!(
        app.get("/api/v1/opportunities", &p.admin).await.ok(200)["total"],
        3
    );

    // The manager works the team's deals; the admin anyone's.
    let path = format!("/api/v1/opportunities/{}", sh["id"]);
    let edited = app
        .patch(&path, &p.mgr_east, json!({ "amount": 250, "version": 1 }))
        .await
        .ok(200);
    assert_eq!(edited["version"], 2);
    let moved = app
        .post(
            &format!("{path}/stage"),
            &p.mgr_east,
            json!({ "stage_id": stage, "override_reason": "manager" }),
        )
        .await
        .ok(200);
    assert_eq!(moved["stage_id"], *stage);
    let h = app.get(&format!("{path}/history"), &p.rep_sh).await.ok(200);
    assert_eq!(
        h["items"][0]["actor_id"], p.mgr_east.id,
        "the owner sees who moved it"
    );
    let r = app
        .delete(&format!("/api/v1/opportunities/{}", west["id"]), &p.admin)
        .await;
    assert_eq!(r.status.as_u16(), 204);
}

async fn deals_are_handed_over_only_within_reach(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.mgr_east, "East Hospital").await;
    let sales = app.process(&p.mgr_east, "sales_cycle").await;
    let body = |owner: i64| {
        json!({
            "name": "Handed", "account_id": acct, "amount": 1, "expected_close_date": "2027-01-01",
            "process_id": sales["id"], "owner_id": owner,
        })
    };
    let given = app
        .post("/api/v1/opportunities", &p.mgr_east, body(p.rep_sh.id))
        .await
        .ok(201);
    assert_eq!(
        given["owner_id"], p.rep_sh.id,
        "a manager assigns within the subtree"
    );
    app.post("/api/v1/opportunities", &p.mgr_east, body(p.rep_west.id))
        .await
        .invalid("owner_id", "invalid_choice");
    app.post("/api/v1/opportunities", &p.mgr_east, body(999_999))
        .await
        .invalid("owner_id", "not_found");
    let path = format!("/api/v1/opportunities/{}", given["id"]);
    app.patch(
        &path,
        &p.rep_sh,
        json!({ "owner_id": p.rep_east.id, "version": 1 }),
    )
    .await
    .invalid("owner_id", "invalid_choice");
    let moved = app
        .patch(
            &path,
            &p.admin,
            json!({ "owner_id": p.rep_west.id, "version": 1 }),
        )
        .await
        .ok(200);
    assert_eq!(moved["owner_id"], p.rep_west.id, "an admin assigns anyone");
    visible(&app, &p.rep_west, &moved).await;
    invisible(&app, &p.rep_sh, &moved, &sales["stages"][1]["id"]).await;
    let h = app
        .get(&format!("{path}/history"), &p.rep_west)
        .await
        .ok(200);
    assert_eq!(h["items"][0]["kind"], "owner");
}

http_tests!(
    each_role_sees_what_it_should,
    deals_are_handed_over_only_within_reach
);
