//! The HTML pages as a browser meets them: sign-in, the board per role, forms that keep the
//! input and name the bad fields, the stage-move refusal and override, the language switch,
//! admin-only pages and CSRF protection.

use crate::helpers::{PASSWORD, People, Resp, TestApp, User, id, send};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;

/// A browser-like client (cookies, no automatic redirects) signed in as `who`.
pub async fn browser(app: &TestApp, who: &User) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client");
    let r = send(c.post(app.url("/login")).form(&[
        ("email", who.email.as_str()),
        ("password", PASSWORD),
        ("next", "/board"),
    ]))
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "sign-in redirects: {}",
        r.text
    );
    let cookie = r
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    c
}

pub async fn page(c: &Client, app: &TestApp, path: &str) -> Resp {
    send(c.get(app.url(path))).await
}

pub async fn form(c: &Client, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Resp {
    send(c.post(app.url(path)).form(fields)).await
}

/// The options of a record page's "share with" picker (the share panel's `<select>`).
pub fn share_picker(html: &str) -> &str {
    html.split("id=\"share-user\"")
        .nth(1)
        .and_then(|t| t.split("</select>").next())
        .expect("the colleague picker")
}

async fn signed_out_visitors_get_the_sign_in_form(app: TestApp) {
    let c = Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let r = page(&c, &app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("<form") && r.text.contains("name=\"password\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("lang=\"zh-CN\""), "Chinese by default");
    let board = send(c.get(app.url("/board")).header("accept-language", "en")).await;
    assert!(
        board.text.contains("Sign in"),
        "English when the browser asks for it"
    );
}

async fn wrong_password_is_refused_and_the_email_kept(app: TestApp) {
    let people = app.people().await;
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client");
    let r = form(
        &c,
        &app,
        "/login",
        &[
            ("email", &people.rep_east.email),
            ("password", "wrong"),
            ("next", "/board"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text.contains(&people.rep_east.email),
        "the e-mail is kept"
    );
    assert!(r.headers.get("set-cookie").is_none(), "no session");
    let board = page(&c, &app, "/board").await;
    assert_eq!(board.status, StatusCode::SEE_OTHER, "still signed out");
}

async fn seed(app: &TestApp, people: &People) -> (i64, i64) {
    let acct = app.account(&people.rep_east, "华东人民医院").await;
    let mine = app
        .opportunity(
            &people.rep_east,
            acct,
            "超声设备采购",
            "1250000",
            "2027-03-31",
        )
        .await;
    let other_acct = app.account(&people.rep_west, "West Clinic").await;
    let theirs = app
        .opportunity(
            &people.rep_west,
            other_acct,
            "West deal",
            "300000",
            "2027-04-30",
        )
        .await;
    (id(&mine), id(&theirs))
}

async fn the_board_shows_what_each_role_may_see(app: TestApp) {
    let people = app.people().await;
    let (mine, theirs) = seed(&app, &people).await;
    let rep = browser(&app, &people.rep_east).await;
    let board = page(&rep, &app, "/board").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.text.contains("超声设备采购") && !board.text.contains("West deal"),
        "a rep sees only their own deals"
    );
    assert!(board.text.contains(&format!("data-id=\"{mine}\"")));
    let hidden = page(&rep, &app, &format!("/opportunities/{theirs}")).await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "another rep's deal is not found"
    );
    let mgr = browser(&app, &people.mgr_east).await;
    let team = page(&mgr, &app, "/board").await;
    assert!(
        team.text.contains("超声设备采购") && !team.text.contains("West deal"),
        "a manager sees their team only"
    );
    let admin = browser(&app, &people.admin).await;
    let all = page(&admin, &app, "/board").await;
    assert!(
        all.text.contains("超声设备采购") && all.text.contains("West deal"),
        "an admin sees everything"
    );
}

async fn the_opportunity_form_keeps_input_and_names_bad_fields(app: TestApp) {
    let people = app.people().await;
    let acct = app.account(&people.rep_east, "华东人民医院").await;
    let process = app.process(&people.rep_east, "sales_cycle").await;
    let pid = process["id"].to_string();
    let c = browser(&app, &people.rep_east).await;
    let acct_s = acct.to_string();
    let bad = form(
        &c,
        &app,
        "/opportunities",
        &[
            ("name", ""),
            ("account_id", &acct_s),
            ("process_id", &pid),
            ("amount", "-5"),
            ("expected_close_date", "2027-02-30"),
            ("source", "展会线索"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("展会线索"), "the user's input is kept");
    assert!(
        bad.text.contains("必填")
            && bad.text.contains("不能为负数")
            && bad.text.contains("日期无效"),
        "each field named: {}",
        bad.text
    );
    let listed = app
        .get("/api/v1/opportunities", &people.rep_east)
        .await
        .ok(200);
    assert_eq!(listed["total"], 0, "nothing half-written");
    let good = form(
        &c,
        &app,
        "/opportunities",
        &[
            ("name", "监护仪"),
            ("account_id", &acct_s),
            ("process_id", &pid),
            ("amount", "88,000"),
            ("expected_close_date", "2027-02-28"),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    let location = good
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect to the deal")
        .to_owned();
    let deal = page(&c, &app, &location).await;
    assert!(
        deal.text.contains("监护仪") && deal.text.contains("88,000"),
        "{}",
        deal.text
    );
}

async fn a_stale_edit_shows_the_current_values(app: TestApp) {
    let people = app.people().await;
    let acct = app.account(&people.rep_east, "华东人民医院").await;
    let o = app
        .opportunity(&people.rep_east, acct, "超声设备采购", "1000", "2027-03-31")
        .await;
    let oid = id(&o);
    app.patch(
        &format!("/api/v1/opportunities/{oid}"),
        &people.rep_east,
        json!({"version": 1, "name": "已被他人修改"}),
    )
    .await
    .ok(200);
    let c = browser(&app, &people.rep_east).await;
    let acct_s = acct.to_string();
    let r = form(
        &c,
        &app,
        &format!("/opportunities/{oid}"),
        &[
            ("version", "1"),
            ("name", "我的修改"),
            ("account_id", &acct_s),
            ("amount", "1000"),
            ("expected_close_date", "2027-03-31"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text.contains("已被他人修改") && !r.text.contains("我的修改"),
        "the current values are shown"
    );
}

async fn the_move_form_refuses_then_takes_an_override(app: TestApp) {
    let people = app.people().await;
    let acct = app.account(&people.rep_east, "华东人民医院").await;
    let o = app
        .opportunity(&people.rep_east, acct, "超声设备采购", "1000", "2027-03-31")
        .await;
    let oid = id(&o);
    let process = app.process(&people.rep_east, "sales_cycle").await;
    let second = process["stages"][1]["id"].to_string();
    let c = browser(&app, &people.rep_east).await;
    let refused = form(
        &c,
        &app,
        &format!("/opportunities/{oid}/stage"),
        &[("stage_id", &second), ("next", "/board")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.text.contains("已确认需求") && refused.text.contains("override_reason"),
        "unmet criteria and the override form"
    );
    let moved = form(
        &c,
        &app,
        &format!("/opportunities/{oid}/stage"),
        &[
            ("stage_id", &second),
            ("next", "/board"),
            ("override_reason", "客户口头确认"),
        ],
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let deal = page(&c, &app, &format!("/opportunities/{oid}")).await;
    assert!(
        deal.text.contains("客户口头确认"),
        "the reason is in the history"
    );
    let after = app
        .get(&format!("/api/v1/opportunities/{oid}"), &people.rep_east)
        .await
        .ok(200);
    assert_eq!(after["stage_id"], process["stages"][1]["id"]);
}

async fn the_language_switch_is_remembered_per_user(app: TestApp) {
    let people = app.people().await;
    let c = browser(&app, &people.rep_east).await;
    assert!(page(&c, &app, "/board").await.text.contains("销售漏斗"));
    let r = form(
        &c,
        &app,
        "/settings/language",
        &[("locale", "en"), ("next", "/opportunities")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = page(&c, &app, "/opportunities").await;
    assert!(
        list.text.contains("lang=\"en\"") && list.text.contains("Pipeline"),
        "English after the switch"
    );
    let fresh = browser(&app, &people.rep_east).await;
    assert!(
        page(&fresh, &app, "/board")
            .await
            .text
            .contains("lang=\"en\""),
        "remembered on the user, not just the cookie"
    );
    let api = app
        .get("/api/v1/opportunities?status=nope", &people.rep_east)
        .await;
    assert!(
        api.text.contains("Not one of the allowed values"),
        "the API speaks the user's language too"
    );
}

async fn process_admin_is_for_admins_only(app: TestApp) {
    let people = app.people().await;
    let rep = browser(&app, &people.rep_east).await;
    let refused = page(&rep, &app, "/admin/processes").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text.contains("只有管理员可以编辑销售流程") && refused.text.contains("<nav"),
        "the refusal is a page of the app, saying why: {}",
        refused.text
    );
    let admin = browser(&app, &people.admin).await;
    let index = page(&admin, &app, "/admin/processes").await;
    assert_eq!(index.status, StatusCode::OK);
    let process = app.process(&people.admin, "sales_cycle").await;
    let pid = id(&process);
    let stage = &process["stages"][1];
    let sid = id(stage);
    let version = process["version"].to_string();
    let bad = form(
        &admin,
        &app,
        &format!("/admin/processes/{pid}/stages/{sid}"),
        &[
            ("version", &version),
            ("name_zh", "拜访"),
            ("name_en", "Call"),
            ("probability", "150"),
            ("target_days", "21"),
            ("criteria_mode", "all"),
            ("entry", ""),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = form(
        &admin,
        &app,
        &format!("/admin/processes/{pid}/stages/{sid}"),
        &[
            ("version", &version),
            ("name_zh", "初次拜访"),
            ("name_en", "First call"),
            ("probability", "15"),
            ("target_days", "21"),
            ("criteria_mode", "any"),
            (
                "entry",
                "已确认需求 | Need identified\n有预算 | Budget exists",
            ),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let after = app.process(&people.admin, "sales_cycle").await;
    assert_eq!(after["stages"][1]["name_zh"], "初次拜访");
    assert_eq!(after["stages"][1]["probability"], 15);
    assert_eq!(after["stages"][1]["criteria_mode"], "any");
    assert_eq!(
        after["stages"][1]["criteria"].as_array().map(Vec::len),
        Some(2)
    );
    let stale = form(
        &admin,
        &app,
        &format!("/admin/processes/{pid}/stages/{sid}"),
        &[
            ("version", &version),
            ("name_zh", "旧"),
            ("name_en", "Old"),
            ("probability", "15"),
            ("target_days", "21"),
            ("criteria_mode", "all"),
        ],
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "a second admin's stale save is refused"
    );
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let people = app.people().await;
    let c = browser(&app, &people.rep_east).await;
    let r = send(
        c.post(app.url("/settings/tokens"))
            .header("sec-fetch-site", "cross-site")
            .form(&[("name", "evil")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let settings = page(&c, &app, "/settings").await;
    assert!(!settings.text.contains("evil"), "no token was created");
}

async fn api_tokens_are_created_on_the_settings_page(app: TestApp) {
    let people = app.people().await;
    let c = browser(&app, &people.rep_east).await;
    let r = form(&c, &app, "/settings/tokens", &[("name", "脚本")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r
        .text
        .split("data-new-token>")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .expect("the new token is shown once")
        .to_owned();
    let me = send(
        app.http
            .get(app.url("/api/v1/opportunities"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK, "the token works");
    let again = page(&c, &app, "/settings").await;
    assert!(!again.text.contains(&token), "shown only once");
}

async fn organization_settings_are_read_by_all_and_changed_by_admins(app: TestApp) {
    let people = app.people().await;
    let current = app.get("/api/v1/settings", &people.rep_east).await.ok(200);
    assert_eq!(
        (
            current["currency"].as_str(),
            current["locale"].as_str(),
            current["time_zone"].as_str()
        ),
        (Some("CNY"), Some("zh-CN"), Some("Asia/Shanghai"))
    );
    let version = current["version"].clone();
    app.patch(
        "/api/v1/settings",
        &people.rep_east,
        json!({"version": version, "currency": "USD"}),
    )
    .await
    .err(403, "forbidden");
    app.patch(
        "/api/v1/settings",
        &people.admin,
        json!({"version": version, "fiscal_year_start_month": 13}),
    )
    .await
    .invalid("fiscal_year_start_month", "out_of_range");
    app.patch(
        "/api/v1/settings",
        &people.admin,
        json!({"version": version, "time_zone": "Beijing"}),
    )
    .await
    .invalid("time_zone", "invalid_choice");
    let saved = app
        .patch(
            "/api/v1/settings",
            &people.admin,
            json!({"version": version, "locale": "en", "default_sales_cycle_days": 120}),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            saved["locale"].as_str(),
            saved["default_sales_cycle_days"].as_i64()
        ),
        (Some("en"), Some(120))
    );
    let stale = app
        .patch(
            "/api/v1/settings",
            &people.admin,
            json!({"version": version, "locale": "zh-CN"}),
        )
        .await
        .err(409, "stale_version");
    assert_eq!(
        (
            stale["current"]["locale"].as_str(),
            stale["current"]["time_zone"].as_str()
        ),
        (Some("en"), Some("Asia/Shanghai")),
        "the settings as they stand"
    );
    let visitor = Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    assert!(
        page(&visitor, &app, "/login")
            .await
            .text
            .contains("lang=\"en\""),
        "the organization default now applies to visitors"
    );
    let rep = browser(&app, &people.rep_east).await;
    assert_eq!(
        page(&rep, &app, "/admin/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let admin = browser(&app, &people.admin).await;
    let bad = form(
        &admin,
        &app,
        "/admin/settings",
        &[
            ("version", &saved["version"].to_string()),
            ("name", "Acme"),
            ("currency", "rmb"),
            ("fiscal_year_start_month", "4"),
            ("locale", "en"),
            ("default_sales_cycle_days", "90"),
            ("week_start", "1"),
            ("time_zone", "Mars/Olympus_Mons"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("rmb"), "the input is kept");
    assert!(
        bad.text.contains("Mars/Olympus_Mons"),
        "the time zone typed is kept"
    );
    let good = form(
        &admin,
        &app,
        "/admin/settings",
        &[
            ("version", &saved["version"].to_string()),
            ("name", "Acme"),
            ("currency", "USD"),
            ("fiscal_year_start_month", "4"),
            ("locale", "en"),
            ("default_sales_cycle_days", "90"),
            ("week_start", "1"),
            ("time_zone", "Asia/Tokyo"),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::OK);
    let now = app.get("/api/v1/settings", &people.rep_east).await.ok(200);
    assert_eq!(
        (now["currency"].as_str(), now["time_zone"].as_str()),
        (Some("USD"), Some("Asia/Tokyo"))
    );
}

/// The deal page's delete keeps the deal for an administrator, who restores it from the deleted
/// deals' page; nobody else sees that page.
async fn an_administrator_restores_a_deleted_deal(app: TestApp) {
    let people = app.people().await;
    let acct = app.account(&people.rep_east, "华东人民医院").await;
    let o = app
        .opportunity(&people.rep_east, acct, "超声设备采购", "1000", "2027-03-31")
        .await;
    let oid = id(&o);
    let rep = browser(&app, &people.rep_east).await;
    let gone = form(&rep, &app, &format!("/opportunities/{oid}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let list = page(&rep, &app, "/opportunities").await;
    assert!(!list.text.contains("超声设备采购"), "left out of the list");
    assert_eq!(
        page(&rep, &app, "/admin/deleted").await.status,
        StatusCode::FORBIDDEN
    );

    let admin = browser(&app, &people.admin).await;
    let bin = page(&admin, &app, "/admin/deleted").await;
    assert_eq!(bin.status, StatusCode::OK);
    assert!(
        bin.text.contains("已删除的商机") && bin.text.contains("超声设备采购"),
        "{}",
        bin.text
    );
    let restored = form(&admin, &app, &format!("/admin/deleted/{oid}/restore"), &[]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    let after = page(&admin, &app, &format!("/admin/deleted?restored={oid}")).await;
    assert!(
        after.text.contains("已恢复“超声设备采购”"),
        "{}",
        after.text
    );
    let deal = page(&rep, &app, &format!("/opportunities/{oid}")).await;
    assert_eq!(deal.status, StatusCode::OK);
    assert!(
        deal.text.contains("已恢复") && deal.text.contains("已删除"),
        "in its history"
    );
}

http_tests!(
    an_administrator_restores_a_deleted_deal,
    signed_out_visitors_get_the_sign_in_form,
    wrong_password_is_refused_and_the_email_kept,
    the_board_shows_what_each_role_may_see,
    the_opportunity_form_keeps_input_and_names_bad_fields,
    a_stale_edit_shows_the_current_values,
    the_move_form_refuses_then_takes_an_override,
    the_language_switch_is_remembered_per_user,
    process_admin_is_for_admins_only,
    cross_site_posts_are_refused,
    api_tokens_are_created_on_the_settings_page,
    organization_settings_are_read_by_all_and_changed_by_admins,
    a_malformed_id_is_an_unknown_record,
);

async fn a_malformed_id_is_an_unknown_record(app: TestApp) {
    let p = app.people().await;
    let c = browser(&app, &p.rep_east).await;
    for path in [
        "/opportunities/abc",
        "/accounts/1x/edit",
        "/leads/%20/convert",
        "/contacts/99999999999999999999",
    ] {
        let r = page(&c, &app, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.text.contains("<h1>"),
            "the 404 page for {path}: {}",
            r.text
        );
    }
}
