//! Who gets in: Bearer tokens, the session cookie, CSRF protection; the health check and the
//! OpenAPI document; the language errors are written in.

use crate::helpers::{PASSWORD, TestApp, client, has_cjk, send};
use opportune_core::records::{Locale, Role};
use reqwest::Method;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, HeaderValue, SET_COOKIE, WWW_AUTHENTICATE};
use serde_json::json;

async fn no_token_or_a_bad_token_is_401(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let routes = [
        (Method::GET, "/api/v1/opportunities"),
        (Method::POST, "/api/v1/opportunities"),
        (Method::GET, "/api/v1/opportunities/1"),
        (Method::GET, "/api/v1/processes"),
        (Method::GET, "/api/v1/board"),
        (Method::GET, "/api/v1/accounts"),
    ];
    for (method, path) in routes {
        let r = send(app.req(method.clone(), path, None).json(&json!({}))).await;
        assert_eq!(
            r.headers.get(WWW_AUTHENTICATE).map(HeaderValue::as_bytes),
            Some(&b"Bearer"[..]),
            "{method} {path}"
        );
        let e = r.err(401, "unauthorized");
        assert!(e.get("fields").is_none(), "{e}");
        let bad = app
            .req(method.clone(), path, None)
            .bearer_auth("opp_not-a-token");
        send(bad.json(&json!({}))).await.err(401, "unauthorized");
    }
    // A token is only good as a whole, and only as a Bearer token.
    let truncated = &rep.token[..rep.token.len() - 1];
    let r = app
        .req(Method::GET, "/api/v1/processes", None)
        .bearer_auth(truncated);
    send(r).await.err(401, "unauthorized");
    let basic = app
        .req(Method::GET, "/api/v1/processes", None)
        .basic_auth(&rep.email, Some(PASSWORD));
    send(basic).await.err(401, "unauthorized");
    app.get("/api/v1/processes", &rep).await.ok(200);
}

async fn health_and_the_openapi_document_are_public(app: TestApp) {
    let r = send(app.req(Method::GET, "/healthz", None)).await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (200, "ok"));

    let doc = send(app.req(Method::GET, "/api/v1/openapi.json", None))
        .await
        .ok(200);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "OpenAPI 3"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/opportunities", &["get", "post"][..]),
        ("/api/v1/opportunities/{id}", &["get", "patch", "delete"]),
        ("/api/v1/opportunities/{id}/stage", &["post"]),
        ("/api/v1/opportunities/{id}/checks", &["put"]),
        ("/api/v1/opportunities/{id}/history", &["get"]),
        ("/api/v1/board", &["get"]),
        ("/api/v1/processes", &["get"]),
        ("/api/v1/accounts", &["get", "post"]),
        ("/api/v1/accounts/{id}", &["get", "patch", "delete"]),
        ("/api/v1/contacts", &["get", "post"]),
        ("/api/v1/contacts/{id}", &["get", "patch", "delete"]),
        ("/api/v1/leads", &["get", "post"]),
        ("/api/v1/leads/{id}", &["get", "patch", "delete"]),
        ("/api/v1/activities", &["get", "post"]),
        ("/api/v1/activities/{id}", &["get", "patch", "delete"]),
    ] {
        let item = paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is documented"));
        for m in methods {
            assert!(item.get(*m).is_some(), "{m} {path} is documented");
        }
    }
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "Bearer auth is documented"
    );
}

async fn errors_speak_the_callers_language(app: TestApp) {
    let unauthorized = |lang: Option<&'static str>| {
        let mut r = app.req(Method::GET, "/api/v1/opportunities", None);
        if let Some(l) = lang {
            r = r.header(ACCEPT_LANGUAGE, l);
        }
        async move {
            send(r).await.err(401, "unauthorized")["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let zh = unauthorized(None).await;
    assert!(has_cjk(&zh), "Chinese by default: {zh}");
    let en = unauthorized(Some("en-US,en;q=0.9")).await;
    assert!(
        !has_cjk(&en) && en.contains("token"),
        "English when asked: {en}"
    );
    assert_eq!(unauthorized(Some("zh-CN,zh;q=0.9,en;q=0.5")).await, zh);
    assert_eq!(
        unauthorized(Some("de-DE")).await,
        zh,
        "unsupported languages fall back to the default"
    );

    // A signed-in caller: field messages too, and the user's own setting wins over the header.
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let bad = json!({ "name": "" });
    let field = |lang: &'static str| {
        let r = app
            .req(Method::POST, "/api/v1/accounts", Some(&rep))
            .header(ACCEPT_LANGUAGE, lang)
            .json(&bad);
        async move { send(r).await.invalid("name", "required") }
    };
    let en = field("en").await;
    assert!(!has_cjk(&en) && !en.is_empty(), "{en}");
    let zh = field("zh-CN").await;
    assert!(has_cjk(&zh), "{zh}");
    let default = send(
        app.req(Method::POST, "/api/v1/accounts", Some(&rep))
            .json(&bad),
    )
    .await;
    assert!(has_cjk(&default.invalid("name", "required")));
    let lang_cookie = app
        .req(Method::POST, "/api/v1/accounts", Some(&rep))
        .header(COOKIE, "opp_lang=en")
        .json(&bad);
    assert_eq!(
        send(lang_cookie).await.invalid("name", "required"),
        en,
        "the language cookie is honoured"
    );

    opportune_db::users::set_locale(&app.db, rep.id, Locale::En)
        .await
        .expect("set locale");
    assert_eq!(field("zh-CN").await, en, "the user's setting comes first");
}

async fn a_session_cookie_signs_in_the_browser(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let browser = client();
    let get = |path: &str| browser.get(app.url(path));

    let page = send(get("/").header("accept", "text/html")).await;
    assert_eq!(
        page.status.as_u16(),
        200,
        "a signed-out visitor lands on the sign-in page"
    );
    assert!(
        page.text.contains("<form") && page.text.contains("password"),
        "{}",
        page.text
    );
    send(get("/api/v1/opportunities"))
        .await
        .err(401, "unauthorized");

    let wrong = browser.post(app.url("/login")).form(&[
        ("email", rep.email.as_str()),
        ("password", "wrong password"),
    ]);
    let wrong = send(wrong).await;
    assert_eq!(wrong.status.as_u16(), 401, "a wrong password is refused");
    assert!(wrong.headers.get(SET_COOKIE).is_none());

    // Sign in without following the redirect, to see the cookie as it is set.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = send(
        no_redirect
            .post(app.url("/login"))
            .form(&[("email", "REP@example.com"), ("password", PASSWORD)]),
    )
    .await;
    assert_eq!(signed_in.status.as_u16(), 303, "{}", signed_in.text);
    let cookie = signed_in
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.starts_with("opp_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not Secure over plain HTTP: {cookie}"
    );
    let session = cookie.split(';').next().expect("name=value").to_owned();
    let list = no_redirect
        .get(app.url("/api/v1/opportunities"))
        .header(COOKIE, &session);
    send(list).await.ok(200);

    // Behind a TLS proxy the cookie is Secure.
    let tls = no_redirect
        .post(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .form(&[("email", rep.email.as_str()), ("password", PASSWORD)]);
    let tls = send(tls).await;
    let secure = tls
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(secure.contains("; Secure"), "{secure}");

    let out = send(
        no_redirect
            .post(app.url("/logout"))
            .header(COOKIE, &session),
    )
    .await;
    assert_eq!(out.status.as_u16(), 303);
    let cleared = out
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = no_redirect
        .get(app.url("/api/v1/opportunities"))
        .header(COOKIE, &session);
    send(after).await.err(401, "unauthorized");
}

async fn cross_site_form_posts_are_refused(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let form = [("email", rep.email.as_str()), ("password", PASSWORD)];
    let cross = app
        .http
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&form);
    assert_eq!(send(cross).await.status.as_u16(), 403);
    let foreign = app
        .http
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&form);
    assert_eq!(send(foreign).await.status.as_u16(), 403);
    let same = app
        .http
        .post(app.url("/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&form);
    let same = send(same).await;
    assert_eq!(
        same.status.as_u16(),
        200,
        "signed in and redirected: {}",
        same.text
    );
    let cross_api = app
        .req(Method::POST, "/api/v1/accounts", Some(&rep))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "name": "Forged" }));
    assert_eq!(send(cross_api).await.status.as_u16(), 403);
    let list = app.get("/api/v1/accounts", &rep).await.ok(200);
    assert_eq!(
        list["total"], 0,
        "nothing was created by the forged requests"
    );
}

/// After signing in or switching the language the browser goes on to `next` only if it is a path
/// of this site: a tab, a newline, a backslash or an encoded slash could take it to another
/// origin, or (a newline) fail the answer after the session was made.
async fn sign_in_goes_on_only_to_a_path_of_this_site(app: TestApp) {
    let rep = app.user("rep@example.com", Role::Rep, None).await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let sessions = async || {
        opportune_db::read!(&app.db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions").fetch_one(c).await)
            .expect("the sessions")
    };
    let cases = [
        ("/opportunities?status=open", "/opportunities?status=open"),
        ("/accounts?q=医院", "/accounts?q=%E5%8C%BB%E9%99%A2"),
        ("/\t/evil.example", "/board"),
        ("/\n/evil.example", "/board"),
        ("//evil.example", "/board"),
        ("/%2F/evil.example", "/board"),
        ("/\\evil.example", "/board"),
        ("https://evil.example/", "/board"),
    ];
    for (i, (next, to)) in cases.into_iter().enumerate() {
        let signed_in = send(no_redirect.post(app.url("/login")).form(&[
            ("email", rep.email.as_str()),
            ("password", PASSWORD),
            ("next", next),
        ]))
        .await;
        assert_eq!(
            signed_in.status.as_u16(),
            303,
            "{next:?}: {}",
            signed_in.text
        );
        assert_eq!(
            signed_in
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(to),
            "{next:?}"
        );
        assert_eq!(
            sessions().await,
            i as i64 + 1,
            "one session a sign-in, each answered"
        );

        let switched = send(
            no_redirect
                .post(app.url("/settings/language"))
                .header("origin", app.base.as_str())
                .form(&[("locale", "en"), ("next", next)]),
        )
        .await;
        assert_eq!(
            (
                switched.status.as_u16(),
                switched
                    .headers
                    .get("location")
                    .and_then(|v| v.to_str().ok())
            ),
            (303, Some(to)),
            "language, {next:?}"
        );
    }
}

http_tests!(
    no_token_or_a_bad_token_is_401,
    health_and_the_openapi_document_are_public,
    errors_speak_the_callers_language,
    a_session_cookie_signs_in_the_browser,
    sign_in_goes_on_only_to_a_path_of_this_site,
    cross_site_form_posts_are_refused,
);
