//! The application started in-process on a free port over a fresh database, a real HTTP client,
//! and the people and records the tests work with.

use crate::backend::{self, Backend};
use opportune_core::records::Role;
use opportune_db::Db;
use opportune_db::users::{self, NewUser};
use opportune_web::auth::{hash_password, new_secret, secret_hash};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::OnceLock;

/// The password of every test user.
pub const PASSWORD: &str = "correct-horse-battery-staple";

/// Argon2 is slow in a debug build: hash the one password once per test process.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("hashing the test password"))
}

/// Runs `test` against the application served over a fresh database of `backend`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    backend::run(
        backend,
        |db| async move { test(TestApp::start(db).await).await },
    )
    .await;
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db: Db,
}

/// A user of the API, signed in by their token.
pub struct User {
    pub id: i64,
    pub email: String,
    pub token: String,
}

/// The organization of the tests:
///
/// ```text
/// HQ (admin)
/// ├── East (mgr_east, rep_east, rep_east2)
/// │   └── Shanghai (rep_sh)
/// └── West (mgr_west, rep_west)
/// ```
pub struct People {
    pub admin: User,
    pub mgr_east: User,
    pub rep_east: User,
    pub rep_east2: User,
    pub rep_sh: User,
    pub mgr_west: User,
    pub rep_west: User,
}

impl TestApp {
    /// Serves the application on `127.0.0.1:0`. The listener is bound before the server task
    /// starts, so the first request is accepted without waiting.
    pub async fn start(db: Db) -> TestApp {
        let state = opportune_web::AppState::load(db.clone(), false)
            .await
            .expect("the application state loads");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("the bound address");
        tokio::spawn(async move {
            axum::serve(listener, opportune_web::app(state))
                .await
                .expect("the server runs");
        });
        TestApp {
            base: format!("http://{addr}"),
            http: client(),
            db,
        }
    }

    /// Creates a user (as `opportune user add` does) and an API token for them.
    pub async fn user(&self, email: &str, role: Role, team_id: Option<i64>) -> User {
        let mut tx = self.db.begin().await.expect("begin");
        let id = users::create(
            &mut tx,
            &NewUser {
                email,
                name: email.split('@').next().unwrap_or(email),
                password_hash: password_hash(),
                role,
                team_id,
            },
        )
        .await
        .expect("create user");
        tx.commit().await.expect("commit user");
        let token = new_secret("opp_");
        users::create_token(&self.db, id, "tests", &secret_hash(&token))
            .await
            .expect("create token");
        User {
            id,
            email: email.to_owned(),
            token,
        }
    }

    pub async fn team(&self, name: &str, parent: Option<i64>) -> i64 {
        let mut tx = self.db.begin().await.expect("begin");
        let id = users::create_team(&mut tx, name, parent)
            .await
            .expect("create team");
        tx.commit().await.expect("commit team");
        id
    }

    pub async fn people(&self) -> People {
        let hq = self.team("HQ", None).await;
        let east = self.team("East", Some(hq)).await;
        let shanghai = self.team("Shanghai", Some(east)).await;
        let west = self.team("West", Some(hq)).await;
        People {
            admin: self.user("admin@example.com", Role::Admin, Some(hq)).await,
            mgr_east: self
                .user("mgr_east@example.com", Role::Manager, Some(east))
                .await,
            rep_east: self
                .user("rep_east@example.com", Role::Rep, Some(east))
                .await,
            rep_east2: self
                .user("rep_east2@example.com", Role::Rep, Some(east))
                .await,
            rep_sh: self
                .user("rep_sh@example.com", Role::Rep, Some(shanghai))
                .await,
            mgr_west: self
                .user("mgr_west@example.com", Role::Manager, Some(west))
                .await,
            rep_west: self
                .user("rep_west@example.com", Role::Rep, Some(west))
                .await,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request, with the user's Bearer token when one is given.
    pub fn req(&self, method: Method, path: &str, who: Option<&User>) -> RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match who {
            Some(u) => r.bearer_auth(&u.token),
            None => r,
        }
    }

    pub async fn get(&self, path: &str, who: &User) -> Resp {
        send(self.req(Method::GET, path, Some(who))).await
    }

    pub async fn post(&self, path: &str, who: &User, body: Value) -> Resp {
        send(self.req(Method::POST, path, Some(who)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, who: &User, body: Value) -> Resp {
        send(self.req(Method::PATCH, path, Some(who)).json(&body)).await
    }

    pub async fn put(&self, path: &str, who: &User, body: Value) -> Resp {
        send(self.req(Method::PUT, path, Some(who)).json(&body)).await
    }

    pub async fn delete(&self, path: &str, who: &User) -> Resp {
        send(self.req(Method::DELETE, path, Some(who))).await
    }

    /// The built-in process with this key, as `GET /api/v1/processes` lists it.
    pub async fn process(&self, who: &User, key: &str) -> Value {
        let list = self.get("/api/v1/processes", who).await.ok(200);
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["key"] == key)
            .cloned()
            .expect("the built-in process is listed")
    }

    /// Creates an account through the API; returns its id.
    pub async fn account(&self, who: &User, name: &str) -> i64 {
        let a = self
            .post("/api/v1/accounts", who, json!({ "name": name }))
            .await
            .ok(201);
        id(&a)
    }

    /// Creates a deal through the API in the sales-cycle process, closing on `close`.
    pub async fn opportunity(
        &self,
        who: &User,
        account_id: i64,
        name: &str,
        amount: &str,
        close: &str,
    ) -> Value {
        let process = self.process(who, "sales_cycle").await;
        self.post(
            "/api/v1/opportunities",
            who,
            json!({
                "name": name,
                "account_id": account_id,
                "amount": number(amount),
                "expected_close_date": close,
                "process_id": process["id"],
            }),
        )
        .await
        .ok(201)
    }
}

/// A client with a cookie store, like a browser; it sends no `Accept-Language` unless told.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("an HTTP client")
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, `Null` when it is not JSON.
    pub json: Value,
}

impl Resp {
    /// Asserts the status and returns the JSON body.
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self.json
    }

    /// Asserts an error response of the contract, `{"error": {"code", "message", ...}}`, with
    /// this status and code, and returns the `error` object.
    pub fn err(self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.headers.get("content-type"),
            Some(&HeaderValue::from_static("application/json")),
            "errors are JSON"
        );
        let e = self.json["error"].clone();
        assert_eq!(
            e["code"], code,
            "unexpected error code; body: {}",
            self.text
        );
        assert!(
            e["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && !m.starts_with("error-")),
            "a translated message: {e}"
        );
        e
    }

    /// Asserts a 422 naming `field` with the field's `code`, and returns the field's message.
    pub fn invalid(self, field: &str, code: &str) -> String {
        let e = self.err(422, "invalid");
        assert_eq!(e["fields"][field]["code"], code, "fields: {}", e["fields"]);
        e["fields"][field]["message"]
            .as_str()
            .expect("a message for the field")
            .to_owned()
    }
}

pub async fn send(r: RequestBuilder) -> Resp {
    let resp = r.send().await.expect("the server answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("a readable body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("an id")
}

/// A JSON number written exactly as given (`"1250.50"` stays two decimals).
pub fn number(s: &str) -> Value {
    serde_json::from_str(s).expect("a JSON number")
}

/// An amount from the API, exactly.
pub fn dec(v: &Value) -> Decimal {
    assert!(v.is_number(), "amounts are JSON numbers: {v}");
    v.to_string().parse().expect("a decimal amount")
}

/// Parses a decimal written in a test.
pub fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal literal")
}

/// The ids of a list response's items, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("a list has items")
        .iter()
        .map(id)
        .collect()
}

/// Whether the text contains Chinese characters.
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
