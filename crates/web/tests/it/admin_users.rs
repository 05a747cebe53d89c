//! User and team administration, in the API and the pages: for administrators only; users
//! created, edited, deactivated (and then shut out) with their input checked field by field;
//! no administrator can lock themself out; the team tree grows, moves with its closure (and so
//! with what managers see) and refuses cycles; teams in use are not deleted; stale edits are
//! refused with the current values.

use crate::helpers::{PASSWORD, People, Resp, TestApp, User, id, ids, send};
use crate::pages::{browser, form, page};
use opportune_core::records::Role;
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// The id of the team named `name`, as the API lists it.
async fn team_id(app: &TestApp, admin: &User, name: &str) -> i64 {
    let teams = app.get("/api/v1/teams", admin).await.ok(200);
    teams["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == name)
        .map_or_else(|| panic!("team {name} is listed"), id)
}

/// The user as the API shows them to an administrator.
async fn user(app: &TestApp, admin: &User, who: i64) -> Value {
    app.get(&format!("/api/v1/users/{who}"), admin)
        .await
        .ok(200)
}

/// Signs in with the login form on a fresh client; returns the status.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client");
    let r = form(
        &c,
        app,
        "/login",
        &[("email", email), ("password", password), ("next", "/board")],
    )
    .await;
    r.status
}

/// The status `who` gets reading `path`: 200 when they see the record, 404 when it is not theirs.
async fn see(app: &TestApp, who: &User, path: &str) -> StatusCode {
    app.get(path, who).await.status
}

fn location(r: &Resp) -> &str {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect")
}

async fn only_administrators_reach_user_and_team_administration(app: TestApp) {
    let p = app.people().await;
    let me = p.rep_east.id;
    let east = team_id(&app, &p.admin, "East").await;
    for who in [&p.rep_east, &p.mgr_east] {
        let calls = [
            (Method::GET, "/api/v1/users".to_owned(), json!({})),
            (
                Method::POST,
                "/api/v1/users".to_owned(),
                json!({"email": "x@example.com", "name": "X", "role": "rep", "password": PASSWORD}),
            ),
            (Method::GET, format!("/api/v1/users/{me}"), json!({})),
            (
                Method::PATCH,
                format!("/api/v1/users/{me}"),
                json!({"version": 1, "role": "admin"}),
            ),
            (Method::GET, "/api/v1/teams".to_owned(), json!({})),
            (
                Method::POST,
                "/api/v1/teams".to_owned(),
                json!({"name": "Mine"}),
            ),
            (Method::GET, format!("/api/v1/teams/{east}"), json!({})),
            (
                Method::PATCH,
                format!("/api/v1/teams/{east}"),
                json!({"version": 1, "parent_id": null}),
            ),
            (Method::DELETE, format!("/api/v1/teams/{east}"), json!({})),
        ];
        for (method, path, body) in calls {
            let r = send(app.req(method.clone(), &path, Some(who)).json(&body)).await;
            r.err(403, "forbidden");
        }
        let c = browser(&app, who).await;
        for path in [
            "/admin/users".to_owned(),
            "/admin/users/new".to_owned(),
            format!("/admin/users/{me}/edit"),
            "/admin/teams".to_owned(),
        ] {
            let r = page(&c, &app, &path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        let posts = [
            ("/admin/users".to_owned(), "role"),
            (format!("/admin/users/{me}"), "role"),
            ("/admin/teams".to_owned(), "name"),
            (format!("/admin/teams/{east}"), "name"),
            (format!("/admin/teams/{east}/delete"), "name"),
        ];
        for (path, field) in posts {
            let r = form(&c, &app, &path, &[(field, "admin")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        let board = page(&c, &app, "/board").await;
        assert!(
            !board.text.contains("/admin/users") && !board.text.contains("/admin/teams"),
            "no links for them"
        );
    }
    let after = user(&app, &p.admin, me).await;
    assert_eq!(
        (after["role"].as_str(), after["version"].as_i64()),
        (Some("rep"), Some(1)),
        "nothing changed"
    );
    assert_eq!(
        app.get("/api/v1/teams", &p.admin).await.ok(200)["items"]
            .as_array()
            .map(Vec::len),
        Some(4),
        "no team created or deleted"
    );
    let admin = browser(&app, &p.admin).await;
    let board = page(&admin, &app, "/board").await;
    assert!(
        board.text.contains("href=\"/admin/users\"")
            && board.text.contains("href=\"/admin/teams\""),
        "administrators find the pages in the navigation"
    );
    assert_eq!(
        page(&admin, &app, "/admin/users").await.status,
        StatusCode::OK
    );
    assert_eq!(
        page(&admin, &app, "/admin/teams").await.status,
        StatusCode::OK
    );
}

async fn users_are_created_listed_and_updated_through_the_api(app: TestApp) {
    let p = app.people().await;
    let west = team_id(&app, &p.admin, "West").await;
    let east = team_id(&app, &p.admin, "East").await;
    let created = app
        .post(
            "/api/v1/users",
            &p.admin,
            json!({"email": " Wang.Fang@Example.com ", "name": "王芳", "role": "manager", "team_id": west, "password": "first-password"}),
        )
        .await
        .ok(201);
    let uid = id(&created);
    assert_eq!(created["email"], "wang.fang@example.com");
    assert_eq!(
        (
            created["name"].as_str(),
            created["role"].as_str(),
            created["team_id"].as_i64(),
            created["team_name"].as_str(),
            created["active"].as_bool(),
            created["version"].as_i64()
        ),
        (
            Some("王芳"),
            Some("manager"),
            Some(west),
            Some("West"),
            Some(true),
            Some(1)
        )
    );
    assert!(created["locale"].is_null());
    let body = created.to_string();
    assert!(
        !body.contains("password") && !body.contains("argon2"),
        "never the hash: {body}"
    );
    assert_eq!(user(&app, &p.admin, uid).await, created);
    assert_eq!(
        sign_in(&app, "wang.fang@example.com", "first-password").await,
        StatusCode::SEE_OTHER,
        "the new user signs in"
    );

    let all = app.get("/api/v1/users", &p.admin).await.ok(200);
    assert_eq!(all["total"], 8);
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let found = app.get("/api/v1/users?q=FANG", &p.admin).await.ok(200);
    assert_eq!(ids(&found), [uid], "e-mail matches whatever the case");
    let found = app.get("/api/v1/users?q=王", &p.admin).await.ok(200);
    assert_eq!(ids(&found), [uid], "names match");
    let managers = app
        .get("/api/v1/users?role=manager", &p.admin)
        .await
        .ok(200);
    assert_eq!(names(&managers), ["mgr_east", "mgr_west", "王芳"]);
    let in_west = app
        .get(&format!("/api/v1/users?team_id={west}"), &p.admin)
        .await
        .ok(200);
    assert_eq!(names(&in_west), ["mgr_west", "rep_west", "王芳"]);
    let paged = app
        .get("/api/v1/users?limit=3&offset=3", &p.admin)
        .await
        .ok(200);
    assert_eq!(
        (
            paged["total"].as_i64(),
            paged["items"].as_array().map(Vec::len)
        ),
        (Some(8), Some(3))
    );
    app.get("/api/v1/users?role=boss", &p.admin)
        .await
        .invalid("role", "invalid_choice");

    let changed = app
        .patch(
            &format!("/api/v1/users/{uid}"),
            &p.admin,
            json!({"version": 1, "name": "王芳芳", "role": "rep", "team_id": east, "locale": "en", "password": "second-password"}),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            changed["name"].as_str(),
            changed["role"].as_str(),
            changed["team_name"].as_str(),
            changed["locale"].as_str(),
            changed["version"].as_i64()
        ),
        (
            Some("王芳芳"),
            Some("rep"),
            Some("East"),
            Some("en"),
            Some(2)
        )
    );
    assert_eq!(
        sign_in(&app, "wang.fang@example.com", "first-password").await,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    assert_eq!(
        sign_in(&app, "wang.fang@example.com", "second-password").await,
        StatusCode::SEE_OTHER
    );
    let cleared = app
        .patch(
            &format!("/api/v1/users/{uid}"),
            &p.admin,
            json!({"version": 2, "team_id": null, "locale": null, "password": ""}),
        )
        .await
        .ok(200);
    assert!(cleared["team_id"].is_null() && cleared["team_name"].is_null());
    assert!(cleared["locale"].is_null());
    assert_eq!(cleared["name"], "王芳芳", "absent fields are kept");
    assert_eq!(
        sign_in(&app, "wang.fang@example.com", "second-password").await,
        StatusCode::SEE_OTHER,
        "an empty password keeps the current one"
    );
    app.get("/api/v1/users/999999", &p.admin)
        .await
        .err(404, "not_found");
    app.patch("/api/v1/users/999999", &p.admin, json!({"version": 1}))
        .await
        .err(404, "not_found");
}

async fn bad_user_input_is_refused_field_by_field(app: TestApp) {
    let p = app.people().await;
    let good = json!({"email": "new@example.com", "name": "New", "role": "rep", "password": "long enough"});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, field, code) in [
        (
            with("email", json!("not-an-address")),
            "email",
            "invalid_email",
        ),
        (with("email", json!("")), "email", "required"),
        (with("name", json!("  ")), "name", "required"),
        (with("role", json!("boss")), "role", "invalid_choice"),
        (with("team_id", json!(999_999)), "team_id", "not_found"),
        (with("password", json!("1234567")), "password", "too_short"),
        (
            with("email", json!("REP_EAST@example.com")),
            "email",
            "duplicate",
        ),
    ] {
        let message = app
            .post("/api/v1/users", &p.admin, body)
            .await
            .invalid(field, code);
        assert!(!message.starts_with("field-"), "translated: {message}");
    }
    app.post("/api/v1/users", &p.admin, json!({"email": "a@example.com"}))
        .await
        .invalid("name", "required");
    let listed = app.get("/api/v1/users", &p.admin).await.ok(200);
    assert_eq!(listed["total"], 7, "nothing half-written");

    let rep = user(&app, &p.admin, p.rep_east.id).await;
    let path = format!("/api/v1/users/{}", p.rep_east.id);
    app.patch(
        &path,
        &p.admin,
        json!({"version": rep["version"], "email": "rep_west@example.com"}),
    )
    .await
    .invalid("email", "duplicate");
    app.patch(
        &path,
        &p.admin,
        json!({"version": rep["version"], "password": "short"}),
    )
    .await
    .invalid("password", "too_short");
    app.patch(
        &path,
        &p.admin,
        json!({"version": rep["version"], "locale": "fr"}),
    )
    .await
    .invalid("locale", "invalid_choice");
    app.patch(
        &path,
        &p.admin,
        json!({"version": rep["version"], "active": "no"}),
    )
    .await
    .invalid("active", "invalid_type");
    assert_eq!(user(&app, &p.admin, p.rep_east.id).await, rep, "unchanged");
}

async fn administrators_cannot_lock_themselves_out(app: TestApp) {
    let p = app.people().await;
    let me = user(&app, &p.admin, p.admin.id).await;
    let path = format!("/api/v1/users/{}", p.admin.id);
    app.patch(
        &path,
        &p.admin,
        json!({"version": me["version"], "active": false}),
    )
    .await
    .invalid("active", "self_lockout");
    for role in ["manager", "rep"] {
        app.patch(
            &path,
            &p.admin,
            json!({"version": me["version"], "role": role}),
        )
        .await
        .invalid("role", "self_lockout");
    }
    assert_eq!(user(&app, &p.admin, p.admin.id).await, me, "unchanged");
    let renamed = app
        .patch(
            &path,
            &p.admin,
            json!({"version": me["version"], "name": "总管理员"}),
        )
        .await
        .ok(200);
    assert_eq!(
        renamed["name"], "总管理员",
        "other changes to oneself are fine"
    );

    let second = app
        .post(
            "/api/v1/users",
            &p.admin,
            json!({"email": "admin2@example.com", "name": "Admin 2", "role": "admin", "password": "long enough"}),
        )
        .await
        .ok(201);
    let c = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client");
    let signed_in = form(
        &c,
        &app,
        "/login",
        &[
            ("email", "admin2@example.com"),
            ("password", "long enough"),
            ("next", "/board"),
        ],
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let own = format!("/admin/users/{}", id(&second));
    let refused = form(
        &c,
        &app,
        &own,
        &[
            ("version", "1"),
            ("name", "Admin 2"),
            ("email", "admin2@example.com"),
            ("role", "manager"),
            ("team_id", ""),
            ("locale", ""),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text.contains("不能停用自己的账号"),
        "the page says why: {}",
        refused.text
    );
    let demoted = app
        .patch(
            &path,
            &second_admin(&app, &second).await,
            json!({"version": renamed["version"], "role": "manager"}),
        )
        .await
        .ok(200);
    assert_eq!(demoted["role"], "manager", "another administrator may");
}

/// An API user for an administrator created in a test, with a token made the CLI's way.
async fn second_admin(app: &TestApp, created: &Value) -> User {
    let token = opportune_web::auth::new_secret("opp_");
    opportune_db::users::create_token(
        &app.db,
        id(created),
        "tests",
        &opportune_web::auth::secret_hash(&token),
    )
    .await
    .expect("a token");
    User {
        id: id(created),
        email: created["email"].as_str().expect("email").to_owned(),
        token,
    }
}

async fn a_deactivated_user_is_shut_out(app: TestApp) {
    let p = app.people().await;
    let session = browser(&app, &p.rep_east).await;
    assert_eq!(page(&session, &app, "/board").await.status, StatusCode::OK);
    app.get("/api/v1/opportunities", &p.rep_east).await.ok(200);

    let rep = user(&app, &p.admin, p.rep_east.id).await;
    let path = format!("/api/v1/users/{}", p.rep_east.id);
    let off = app
        .patch(
            &path,
            &p.admin,
            json!({"version": rep["version"], "active": false}),
        )
        .await
        .ok(200);
    assert_eq!(off["active"], false);
    app.get("/api/v1/opportunities", &p.rep_east)
        .await
        .err(401, "unauthorized");
    let board = page(&session, &app, "/board").await;
    assert_eq!(board.status, StatusCode::SEE_OTHER, "the session ended");
    assert!(location(&board).starts_with("/login"));
    assert_eq!(
        sign_in(&app, &p.rep_east.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "no new sign-in either"
    );
    let inactive = app
        .get("/api/v1/users?active=false", &p.admin)
        .await
        .ok(200);
    assert_eq!(ids(&inactive), [p.rep_east.id]);

    app.patch(
        &path,
        &p.admin,
        json!({"version": off["version"], "active": true}),
    )
    .await
    .ok(200);
    app.get("/api/v1/opportunities", &p.rep_east).await.ok(200);
    assert_eq!(
        page(&session, &app, "/board").await.status,
        StatusCode::SEE_OTHER,
        "reactivation does not revive old sessions"
    );
    assert_eq!(
        sign_in(&app, &p.rep_east.email, PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

async fn stale_user_edits_are_refused_with_the_current_values(app: TestApp) {
    let p = app.people().await;
    let path = format!("/api/v1/users/{}", p.rep_west.id);
    let first = app
        .patch(&path, &p.admin, json!({"version": 1, "name": "韩梅梅"}))
        .await
        .ok(200);
    let e = app
        .patch(&path, &p.admin, json!({"version": 1, "name": "李雷"}))
        .await
        .err(409, "stale_version");
    assert_eq!(e["current"], first, "the current user, in the API's shape");

    let c = browser(&app, &p.admin).await;
    let r = form(
        &c,
        &app,
        &format!("/admin/users/{}", p.rep_west.id),
        &[
            ("version", "1"),
            ("name", "我的修改"),
            ("email", "rep_west@example.com"),
            ("role", "rep"),
            ("active", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text.contains("韩梅梅") && !r.text.contains("我的修改"),
        "the current values are shown"
    );
    assert!(
        r.text.contains("name=\"version\" value=\"2\""),
        "with the current version"
    );
    assert_eq!(user(&app, &p.admin, p.rep_west.id).await, first);
}

async fn the_user_forms_keep_input_and_name_bad_fields(app: TestApp) {
    let p = app.people().await;
    let west = team_id(&app, &p.admin, "West").await.to_string();
    let c = browser(&app, &p.admin).await;
    let new = page(&c, &app, "/admin/users/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.text.contains("name=\"password\""));
    let bad = form(
        &c,
        &app,
        "/admin/users",
        &[
            ("name", "赵敏"),
            ("email", "zhao.min@"),
            ("role", "manager"),
            ("team_id", &west),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("value=\"赵敏\"") && bad.text.contains("value=\"zhao.min@\""),
        "the input is kept"
    );
    assert!(
        bad.text
            .contains(&format!("<option value=\"{west}\" selected>")),
        "the chosen team is kept"
    );
    assert!(bad.text.contains("电子邮件地址无效"), "the e-mail is named");
    assert!(bad.text.contains("太短"), "the password is named");
    assert!(
        !bad.text.contains("value=\"short\""),
        "the password is never sent back"
    );
    let good = form(
        &c,
        &app,
        "/admin/users",
        &[
            ("name", "赵敏"),
            ("email", "zhao.min@example.com"),
            ("role", "manager"),
            ("team_id", &west),
            ("password", "long enough"),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
    assert_eq!(location(&good), "/admin/users");
    let list = page(&c, &app, "/admin/users?q=zhao").await;
    assert!(
        list.text.contains("赵敏") && list.text.contains("zhao.min@example.com"),
        "listed: {}",
        list.text
    );
    assert!(!list.text.contains("rep_east@example.com"), "filtered");
    let found = app.get("/api/v1/users?q=zhao", &p.admin).await.ok(200);
    let zid = ids(&found)[0];
    assert_eq!(found["items"][0]["team_id"].as_i64(), west.parse().ok());

    let edit = page(&c, &app, &format!("/admin/users/{zid}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text.contains("value=\"zhao.min@example.com\"") && edit.text.contains(" checked"));
    let bad_edit = form(
        &c,
        &app,
        &format!("/admin/users/{zid}"),
        &[
            ("version", "1"),
            ("name", ""),
            ("email", "rep_east@example.com"),
            ("role", "manager"),
            ("team_id", &west),
            ("locale", "en"),
            ("active", "on"),
        ],
    )
    .await;
    assert_eq!(bad_edit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_edit.text.contains("value=\"rep_east@example.com\""));
    assert!(bad_edit.text.contains("必填"), "the empty name is named");
    let deactivated = form(
        &c,
        &app,
        &format!("/admin/users/{zid}"),
        &[
            ("version", "1"),
            ("name", "赵敏"),
            ("email", "zhao.min@example.com"),
            ("role", "manager"),
            ("team_id", &west),
            ("locale", "en"),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(
        deactivated.status,
        StatusCode::SEE_OTHER,
        "{}",
        deactivated.text
    );
    let after = user(&app, &p.admin, zid).await;
    assert_eq!(
        (after["active"].as_bool(), after["locale"].as_str()),
        (Some(false), Some("en")),
        "an unticked box deactivates"
    );
    assert_eq!(
        sign_in(&app, "zhao.min@example.com", "long enough").await,
        StatusCode::UNAUTHORIZED
    );
    let inactive = page(&c, &app, "/admin/users?active=false").await;
    assert!(inactive.text.contains("赵敏") && inactive.text.contains("已停用"));
    assert_eq!(
        page(&c, &app, "/admin/users/999999/edit").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The People's teams plus Pudong under Shanghai with a rep of its own; returns
/// (HQ, East, Shanghai, West, Pudong) and Pudong's rep.
async fn tree(app: &TestApp, p: &People) -> ([i64; 5], User) {
    let hq = team_id(app, &p.admin, "HQ").await;
    let east = team_id(app, &p.admin, "East").await;
    let sh = team_id(app, &p.admin, "Shanghai").await;
    let west = team_id(app, &p.admin, "West").await;
    let pudong = app
        .post(
            "/api/v1/teams",
            &p.admin,
            json!({"name": "Pudong", "parent_id": sh}),
        )
        .await
        .ok(201);
    assert_eq!(
        (
            pudong["depth"].as_i64(),
            pudong["members"].as_i64(),
            pudong["version"].as_i64()
        ),
        (Some(3), Some(0), Some(1))
    );
    let rep_pd = app
        .user("rep_pd@example.com", Role::Rep, Some(id(&pudong)))
        .await;
    ([hq, east, sh, west, id(&pudong)], rep_pd)
}

async fn teams_form_a_tree_that_moves_with_what_managers_see(app: TestApp) {
    let p = app.people().await;
    let ([hq, east, sh, west, pd], rep_pd) = tree(&app, &p).await;
    let listed = app.get("/api/v1/teams", &p.admin).await.ok(200);
    let shape: Vec<(String, i64, i64)> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("name").to_owned(),
                t["depth"].as_i64().expect("depth"),
                t["members"].as_i64().expect("members"),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("HQ".to_owned(), 0, 1),
            ("East".to_owned(), 1, 3),
            ("Shanghai".to_owned(), 2, 1),
            ("Pudong".to_owned(), 3, 1),
            ("West".to_owned(), 1, 2),
        ],
        "each team before its subtree, with its members"
    );

    let acct_sh = app.account(&p.rep_sh, "浦西医院").await;
    let opp_sh = app
        .opportunity(&p.rep_sh, acct_sh, "CT 设备", "500000", "2027-06-30")
        .await;
    let acct_pd = app.account(&rep_pd, "浦东医院").await;
    let opp_path = format!("/api/v1/opportunities/{}", id(&opp_sh));
    let pd_path = format!("/api/v1/accounts/{acct_pd}");
    assert_eq!(see(&app, &p.mgr_east, &opp_path).await, StatusCode::OK);
    assert_eq!(see(&app, &p.mgr_east, &pd_path).await, StatusCode::OK);
    assert_eq!(
        see(&app, &p.mgr_west, &opp_path).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        see(&app, &p.mgr_west, &pd_path).await,
        StatusCode::NOT_FOUND
    );

    let moved = app
        .patch(
            &format!("/api/v1/teams/{sh}"),
            &p.admin,
            json!({"version": 1, "parent_id": west}),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            moved["parent_id"].as_i64(),
            moved["depth"].as_i64(),
            moved["version"].as_i64()
        ),
        (Some(west), Some(2), Some(2))
    );
    assert_eq!(
        app.get(&format!("/api/v1/teams/{pd}"), &p.admin)
            .await
            .ok(200)["depth"],
        3,
        "the subtree moved along"
    );
    assert_eq!(
        see(&app, &p.mgr_west, &opp_path).await,
        StatusCode::OK,
        "the new parent's manager sees the moved team's deals"
    );
    assert_eq!(
        see(&app, &p.mgr_west, &pd_path).await,
        StatusCode::OK,
        "and those of its sub-teams"
    );
    let west_deals = app.get("/api/v1/opportunities", &p.mgr_west).await.ok(200);
    assert!(ids(&west_deals).contains(&id(&opp_sh)));
    assert_eq!(
        see(&app, &p.mgr_east, &opp_path).await,
        StatusCode::NOT_FOUND,
        "the old parent's manager no longer does"
    );
    assert_eq!(
        see(&app, &p.mgr_east, &pd_path).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        see(&app, &p.rep_sh, &opp_path).await,
        StatusCode::OK,
        "the owner still does"
    );

    for parent in [west, sh, pd] {
        app.patch(
            &format!("/api/v1/teams/{west}"),
            &p.admin,
            json!({"version": 1, "parent_id": parent}),
        )
        .await
        .invalid("parent_id", "cycle");
    }
    app.patch(
        &format!("/api/v1/teams/{west}"),
        &p.admin,
        json!({"version": 1, "parent_id": 999_999}),
    )
    .await
    .invalid("parent_id", "not_found");
    app.patch(
        &format!("/api/v1/teams/{west}"),
        &p.admin,
        json!({"version": 1, "name": "East"}),
    )
    .await
    .invalid("name", "duplicate");
    assert_eq!(
        see(&app, &p.mgr_west, &opp_path).await,
        StatusCode::OK,
        "a refused move changes nothing"
    );

    let top = app
        .patch(
            &format!("/api/v1/teams/{sh}"),
            &p.admin,
            json!({"version": 2, "parent_id": null, "name": "上海"}),
        )
        .await
        .ok(200);
    assert_eq!(
        (
            top["parent_id"].is_null(),
            top["depth"].as_i64(),
            top["name"].as_str()
        ),
        (true, Some(0), Some("上海"))
    );
    assert_eq!(
        see(&app, &p.mgr_west, &opp_path).await,
        StatusCode::NOT_FOUND
    );
    let e = app
        .patch(
            &format!("/api/v1/teams/{sh}"),
            &p.admin,
            json!({"version": 2, "parent_id": hq}),
        )
        .await
        .err(409, "stale_version");
    assert_eq!(e["current"], top, "the current team");
    let back = app
        .patch(
            &format!("/api/v1/teams/{sh}"),
            &p.admin,
            json!({"version": 3, "parent_id": east}),
        )
        .await
        .ok(200);
    assert_eq!(back["depth"], 2);
    assert_eq!(
        see(&app, &p.mgr_east, &pd_path).await,
        StatusCode::OK,
        "moved back, seen again"
    );

    app.post("/api/v1/teams", &p.admin, json!({"name": " "}))
        .await
        .invalid("name", "required");
    app.post("/api/v1/teams", &p.admin, json!({"name": "HQ"}))
        .await
        .invalid("name", "duplicate");
    app.post(
        "/api/v1/teams",
        &p.admin,
        json!({"name": "X", "parent_id": 999_999}),
    )
    .await
    .invalid("parent_id", "not_found");
    let top_level = app
        .post("/api/v1/teams", &p.admin, json!({"name": "华南大区"}))
        .await
        .ok(201);
    assert!(top_level["parent_id"].is_null() && top_level["depth"] == 0);
}

async fn a_user_moved_to_another_team_takes_their_records_along(app: TestApp) {
    let p = app.people().await;
    let west = team_id(&app, &p.admin, "West").await;
    let acct = app.account(&p.rep_east2, "华东协和医院").await;
    let path = format!("/api/v1/accounts/{acct}");
    app.get(&path, &p.mgr_east).await.ok(200);
    app.get(&path, &p.mgr_west).await.err(404, "not_found");
    let rep = user(&app, &p.admin, p.rep_east2.id).await;
    app.patch(
        &format!("/api/v1/users/{}", p.rep_east2.id),
        &p.admin,
        json!({"version": rep["version"], "team_id": west}),
    )
    .await
    .ok(200);
    assert_eq!(
        app.get(&path, &p.mgr_west).await.ok(200)["team_id"],
        west,
        "their new manager sees their accounts"
    );
    app.get(&path, &p.mgr_east).await.err(404, "not_found");
}

async fn teams_in_use_are_not_deleted(app: TestApp) {
    let p = app.people().await;
    let east = team_id(&app, &p.admin, "East").await;
    let sh = team_id(&app, &p.admin, "Shanghai").await;
    let e = app
        .delete(&format!("/api/v1/teams/{east}"), &p.admin)
        .await
        .err(409, "in_use");
    assert!(e.get("fields").is_none());
    app.delete(&format!("/api/v1/teams/{sh}"), &p.admin)
        .await
        .err(409, "in_use");

    // A team whose only member has left: deletable once the member (and their records) moved.
    let temp = app
        .post(
            "/api/v1/teams",
            &p.admin,
            json!({"name": "临时项目组", "parent_id": east}),
        )
        .await
        .ok(201);
    let tid = id(&temp);
    let member = app.user("temp@example.com", Role::Rep, Some(tid)).await;
    app.account(&member, "临时客户").await;
    let c = browser(&app, &p.admin).await;
    let refused = form(&c, &app, &format!("/admin/teams/{tid}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.text.contains("临时项目组") && refused.text.contains("仍有成员"),
        "the page says why: {}",
        refused.text
    );
    let before = user(&app, &p.admin, member.id).await;
    app.patch(
        &format!("/api/v1/users/{}", member.id),
        &p.admin,
        json!({"version": before["version"], "team_id": sh}),
    )
    .await
    .ok(200);
    let gone = form(&c, &app, &format!("/admin/teams/{tid}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.text);
    app.get(&format!("/api/v1/teams/{tid}"), &p.admin)
        .await
        .err(404, "not_found");

    let empty = app
        .post(
            "/api/v1/teams",
            &p.admin,
            json!({"name": "Empty", "parent_id": sh}),
        )
        .await
        .ok(201);
    let r = app
        .delete(&format!("/api/v1/teams/{}", id(&empty)), &p.admin)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let names: Vec<String> = app.get("/api/v1/teams", &p.admin).await.ok(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(names, ["HQ", "East", "Shanghai", "West"]);
    app.delete(&format!("/api/v1/teams/{}", id(&empty)), &p.admin)
        .await
        .err(404, "not_found");
}

async fn the_team_page_shows_the_tree_and_its_forms(app: TestApp) {
    let p = app.people().await;
    let ([_, east, sh, west, pd], _) = tree(&app, &p).await;
    let c = browser(&app, &p.admin).await;
    let r = page(&c, &app, "/admin/teams").await;
    assert_eq!(r.status, StatusCode::OK);
    let order: Vec<usize> = ["HQ", "East", "Shanghai", "Pudong", "West"]
        .iter()
        .map(|n| {
            r.text
                .find(&format!("\">{n}</td>"))
                .unwrap_or_else(|| panic!("{n} shown"))
        })
        .collect();
    assert!(order.is_sorted(), "parents before their sub-teams");
    assert!(
        r.text
            .contains("--depth: 3\">Pudong</td><td class=\"num\">1</td>")
    );

    let bad = form(
        &c,
        &app,
        "/admin/teams",
        &[("name", ""), ("parent_id", &east.to_string())],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("必填"));
    assert!(
        bad.text
            .contains(&format!("<option value=\"{east}\" selected>")),
        "the chosen parent is kept"
    );
    let made = form(
        &c,
        &app,
        "/admin/teams",
        &[("name", "华东二组"), ("parent_id", &east.to_string())],
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let r = page(&c, &app, "/admin/teams").await;
    assert!(r.text.contains("--depth: 2\">华东二组</td>"));

    let cycle = form(
        &c,
        &app,
        &format!("/admin/teams/{east}"),
        &[
            ("version", "1"),
            ("name", "华东"),
            ("parent_id", &pd.to_string()),
        ],
    )
    .await;
    assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        cycle.text.contains("不能移到自身或其下级团队之下"),
        "{}",
        cycle.text
    );
    assert!(cycle.text.contains("value=\"华东\""), "the input is kept");
    assert!(cycle.text.contains("<details open>"), "the form stays open");

    let moved = form(
        &c,
        &app,
        &format!("/admin/teams/{sh}"),
        &[
            ("version", "1"),
            ("name", "Shanghai"),
            ("parent_id", &west.to_string()),
        ],
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/api/v1/teams/{sh}"), &p.admin)
            .await
            .ok(200)["parent_id"],
        west
    );
    let stale = form(
        &c,
        &app,
        &format!("/admin/teams/{sh}"),
        &[
            ("version", "1"),
            ("name", "旧名字"),
            ("parent_id", &east.to_string()),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("保存前这条记录已被他人修改"));
    assert!(
        !stale.text.contains("旧名字"),
        "the current values are shown"
    );
}

async fn the_administration_api_is_documented(app: TestApp) {
    let doc = send(app.req(Method::GET, "/api/v1/openapi.json", None))
        .await
        .ok(200);
    let paths = &doc["paths"];
    for (path, methods) in [
        ("/api/v1/users", &["get", "post"][..]),
        ("/api/v1/users/{id}", &["get", "patch"]),
        ("/api/v1/teams", &["get", "post"]),
        ("/api/v1/teams/{id}", &["get", "patch", "delete"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is documented");
        }
    }
    let user = &doc["components"]["schemas"]["UserOut"]["properties"];
    assert!(user["team_name"].is_object() && user.get("password_hash").is_none());
}

http_tests!(
    only_administrators_reach_user_and_team_administration,
    users_are_created_listed_and_updated_through_the_api,
    bad_user_input_is_refused_field_by_field,
    administrators_cannot_lock_themselves_out,
    a_deactivated_user_is_shut_out,
    stale_user_edits_are_refused_with_the_current_values,
    the_user_forms_keep_input_and_name_bad_fields,
    teams_form_a_tree_that_moves_with_what_managers_see,
    a_user_moved_to_another_team_takes_their_records_along,
    teams_in_use_are_not_deleted,
    the_team_page_shows_the_tree_and_its_forms,
    the_administration_api_is_documented,
);
