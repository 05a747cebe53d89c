//! A small organization to test against, and helpers that create records in it.
//!
//! ```text
//! HQ (admin)
//! ├── East (mgr_east, rep_east)
//! │   └── Shanghai (rep_sh)
//! └── West (mgr_west, rep_west)
//! ```

use chrono::NaiveDate;
use opportune_core::records::Role;
use opportune_core::records::{AccountStatus, ActivityKind, OppStatus};
use opportune_db::accounts::{self, Account, AccountInput};
use opportune_db::activities::ActivityInput;
use opportune_db::opportunities::{self, OppInput, Opportunity};
use opportune_db::processes::{self, Process};
use opportune_db::users::{self, NewUser};
use opportune_db::{Db, Viewer};

pub struct Org {
    pub hq: i64,
    pub east: i64,
    pub shanghai: i64,
    pub west: i64,
    pub admin: Viewer,
    pub mgr_east: Viewer,
    pub rep_east: Viewer,
    pub rep_sh: Viewer,
    pub mgr_west: Viewer,
    pub rep_west: Viewer,
}

pub async fn org(db: &Db) -> Org {
    let mut tx = db.begin().await.expect("begin");
    let hq = users::create_team(&mut tx, "HQ", None)
        .await
        .expect("team HQ");
    let east = users::create_team(&mut tx, "East", Some(hq))
        .await
        .expect("team East");
    let shanghai = users::create_team(&mut tx, "Shanghai", Some(east))
        .await
        .expect("team Shanghai");
    let west = users::create_team(&mut tx, "West", Some(hq))
        .await
        .expect("team West");
    let mut user = async |email: &str, role: Role, team: i64| {
        let id = users::create(
            &mut tx,
            &NewUser {
                email,
                name: email.split('@').next().unwrap_or(email),
                password_hash: "not-a-real-hash",
                role,
                team_id: Some(team),
            },
        )
        .await
        .expect("user");
        Viewer {
            user_id: id,
            role,
            team_id: Some(team),
        }
    };
    let admin = user("admin@example.com", Role::Admin, hq).await;
    let mgr_east = user("mgr_east@example.com", Role::Manager, east).await;
    let rep_east = user("rep_east@example.com", Role::Rep, east).await;
    let rep_sh = user("rep_sh@example.com", Role::Rep, shanghai).await;
    let mgr_west = user("mgr_west@example.com", Role::Manager, west).await;
    let rep_west = user("rep_west@example.com", Role::Rep, west).await;
    tx.commit().await.expect("commit the organization");
    Org {
        hq,
        east,
        shanghai,
        west,
        admin,
        mgr_east,
        rep_east,
        rep_sh,
        mgr_west,
        rep_west,
    }
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a valid test date")
}

pub async fn account(db: &Db, owner: &Viewer, name: &str) -> Account {
    accounts::create(
        db,
        owner,
        &AccountInput {
            name: name.into(),
            status: AccountStatus::Prospect,
            owner_id: owner.user_id,
            ..AccountInput::default()
        },
    )
    .await
    .expect("create account")
}

/// The built-in process with this key.
pub async fn process(db: &Db, key: &str) -> Process {
    processes::list(db)
        .await
        .expect("list processes")
        .into_iter()
        .find(|p| p.row.key.as_deref() == Some(key))
        .expect("built-in process installed")
}

pub fn opp_input(
    owner: &Viewer,
    account_id: i64,
    name: &str,
    amount_minor: i64,
    close: NaiveDate,
) -> OppInput {
    OppInput {
        account_id,
        name: name.into(),
        owner_id: owner.user_id,
        amount_minor,
        expected_close_date: close,
        certainty: 0,
        certainty_evidence: 0,
        smart_goal: String::new(),
        source: String::new(),
        competitors: String::new(),
        status: OppStatus::Open,
        close_reason: String::new(),
        tracked: false,
        grade: None,
        first_meeting_date: None,
        next_review_date: None,
    }
}

/// An open deal of `owner` at the first stage of `process`.
pub async fn opportunity(
    db: &Db,
    owner: &Viewer,
    account_id: i64,
    process: &Process,
    name: &str,
    amount_minor: i64,
    close: NaiveDate,
) -> Opportunity {
    opportunities::create(
        db,
        owner,
        &opp_input(owner, account_id, name, amount_minor, close),
        process.row.id,
        process.stages[0].row.id,
        "CNY",
    )
    .await
    .expect("create opportunity")
}

/// An activity of `kind` by `owner` at an account (and, when given, one of its deals) on `day`,
/// with nothing else said.
pub fn activity_input(
    owner: &Viewer,
    account_id: i64,
    opportunity_id: Option<i64>,
    kind: ActivityKind,
    day: NaiveDate,
) -> ActivityInput {
    ActivityInput {
        opportunity_id,
        account_id,
        contact_id: None,
        kind,
        occurred_on: day,
        participants: String::new(),
        notes: String::new(),
        outcome: String::new(),
        next_step: String::new(),
        next_step_date: None,
        owner_id: owner.user_id,
    }
}
