//! The deal page's history names the people and the teams of owner and team changes in the
//! reader's language, and says which one no longer exists; the API's history keeps the ids.

use crate::helpers::{TestApp, id, send};
use crate::pages::browser;
use reqwest::{Client, StatusCode};
use serde_json::json;

/// The deal page's history in `lang`.
async fn history(c: &Client, app: &TestApp, deal: i64, lang: &str) -> String {
    let r = send(
        c.get(app.url(&format!("/opportunities/{deal}")))
            .header("accept-language", lang),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text
        .split("id=\"history\"")
        .nth(1)
        .and_then(|t| t.split("</ol>").next())
        .expect("the deal's history")
        .to_owned()
}

async fn owner_and_team_changes_name_people_and_teams(app: TestApp) {
    let p = app.people().await;
    let acct = app.account(&p.rep_east, "华东人民医院").await;
    let deal = id(&app
        .opportunity(&p.rep_east, acct, "超声设备采购", "1000", "2027-03-31")
        .await);
    // The deal is handed to a colleague, whom an administrator then moves to a new team.
    app.patch(
        &format!("/api/v1/opportunities/{deal}"),
        &p.admin,
        json!({"version": 1, "owner_id": p.rep_east2.id}),
    )
    .await
    .ok(200);
    let east = app
        .get(&format!("/api/v1/users/{}", p.rep_east2.id), &p.admin)
        .await
        .ok(200)["team_id"]
        .as_i64()
        .expect("in a team");
    let suzhou = id(&app
        .post(
            "/api/v1/teams",
            &p.admin,
            json!({"name": "苏州", "parent_id": east}),
        )
        .await
        .ok(201));
    let user = format!("/api/v1/users/{}", p.rep_east2.id);
    app.patch(&user, &p.admin, json!({"version": 1, "team_id": suzhou}))
        .await
        .ok(200);

    let c = browser(&app, &p.admin).await;
    let zh = history(&c, &app, deal, "zh-CN").await;
    assert!(
        zh.contains("负责人变更</b> rep_east → rep_east2"),
        "the owners by name: {zh}"
    );
    assert!(
        zh.contains("所属团队变更</b> East → 苏州"),
        "the teams by name: {zh}"
    );
    let en = history(&c, &app, deal, "en").await;
    assert!(
        en.contains("Owner changed</b> rep_east → rep_east2"),
        "{en}"
    );
    assert!(en.contains("Team changed</b> East → 苏州"), "{en}");
    for html in [&zh, &en] {
        let ids = format!("{} → {}", p.rep_east.id, p.rep_east2.id);
        assert!(!html.contains(&ids), "no ids: {html}");
    }

    // Back in the old team, and the new one gone: the history says whom it no longer knows.
    app.patch(&user, &p.admin, json!({"version": 2, "team_id": east}))
        .await
        .ok(200);
    app.delete(&format!("/api/v1/teams/{suzhou}"), &p.admin)
        .await
        .ok(204);
    let zh = history(&c, &app, deal, "zh-CN").await;
    assert!(
        zh.contains(&format!("East → 未知（#{suzhou}）"))
            && zh.contains(&format!("未知（#{suzhou}） → East")),
        "{zh}"
    );
    let en = history(&c, &app, deal, "en").await;
    assert!(
        en.contains(&format!("East → unknown (#{suzhou})"))
            && en.contains(&format!("unknown (#{suzhou}) → East")),
        "{en}"
    );

    // The API's history keeps the ids.
    let h = app
        .get(&format!("/api/v1/opportunities/{deal}/history"), &p.admin)
        .await
        .ok(200);
    let changes: Vec<(String, String, String)> = h["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "owner" || e["kind"] == "team")
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (text("kind"), text("from_value"), text("to_value"))
        })
        .collect();
    let (east, suzhou) = (east.to_string(), suzhou.to_string());
    assert_eq!(
        changes,
        [
            ("team".to_owned(), suzhou.clone(), east.clone()),
            ("team".to_owned(), east, suzhou),
            (
                "owner".to_owned(),
                p.rep_east.id.to_string(),
                p.rep_east2.id.to_string()
            ),
        ],
        "newest first, with ids"
    );
}

http_tests!(owner_and_team_changes_name_people_and_teams);
