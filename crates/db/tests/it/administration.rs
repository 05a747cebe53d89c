//! User and team administration: the team tree moves with its closure and refuses cycles,
//! teams in use stay, users are listed by filter and edited with their version, taking their
//! records along to a new team and losing their sessions when deactivated.

use crate::fixtures::{account, d, opportunity, org, process};
use chrono::{Duration, Utc};
use opportune_core::history::{Actor, EventKind};
use opportune_core::records::{Locale, Role};
use opportune_db::users::{self, UserChange, UserFilter};
use opportune_db::versions::Versions;
use opportune_db::{Db, DbError, Paging, accounts};

/// The (name, depth) of every team, in the tree's order.
async fn shape(db: &Db) -> Vec<(String, i64)> {
    users::team_tree(db)
        .await
        .expect("tree")
        .into_iter()
        .map(|t| (t.name, t.depth))
        .collect()
}

async fn moving_a_team_rewrites_the_closure_of_its_subtree(db: Db) {
    let o = org(&db).await;
    let mut tx = db.begin().await.expect("begin");
    let pudong = users::create_team(&mut tx, "Pudong", Some(o.shanghai))
        .await
        .expect("team");
    tx.commit().await.expect("commit");
    let sub = |a: i64, t: i64| {
        let db = db.clone();
        async move { users::team_in_subtree(&db, a, t).await.expect("subtree") }
    };
    let node = users::team(&db, o.shanghai).await.expect("team");
    assert_eq!(
        (node.depth, node.members, node.version),
        (2, 1, 1),
        "Shanghai: under East under HQ, with rep_sh"
    );

    let moved = users::update_team(&db, o.shanghai, 1, "Shanghai", Some(o.west))
        .await
        .expect("move");
    assert_eq!(
        (moved.parent_id, moved.depth, moved.version),
        (Some(o.west), 2, 2)
    );
    for (a, t) in [(o.west, o.shanghai), (o.west, pudong), (o.hq, pudong)] {
        assert!(sub(a, t).await, "{a} above {t}");
    }
    for (a, t) in [(o.east, o.shanghai), (o.east, pudong)] {
        assert!(!sub(a, t).await, "{a} no longer above {t}");
    }
    assert!(
        sub(o.shanghai, pudong).await,
        "the subtree itself is intact"
    );
    assert_eq!(
        shape(&db).await,
        [
            ("HQ".to_owned(), 0),
            ("East".to_owned(), 1),
            ("West".to_owned(), 1),
            ("Shanghai".to_owned(), 2),
            ("Pudong".to_owned(), 3),
        ]
    );

    for parent in [o.west, o.shanghai, pudong] {
        let r = users::update_team(&db, o.west, 1, "West", Some(parent)).await;
        assert!(matches!(r, Err(DbError::Cycle)), "{r:?}");
    }
    let stale = users::update_team(&db, o.shanghai, 1, "Shanghai", None).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    let dup = users::update_team(&db, o.shanghai, 2, "East", Some(o.west)).await;
    assert!(matches!(dup, Err(DbError::Duplicate("name"))), "{dup:?}");
    let missing = users::update_team(&db, 999_999, 1, "X", None).await;
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");
    assert!(
        sub(o.west, pudong).await,
        "refused changes leave the tree alone"
    );

    let top = users::update_team(&db, o.shanghai, 2, "上海", None)
        .await
        .expect("to the top");
    assert_eq!((top.parent_id, top.depth), (None, 0));
    assert!(!sub(o.hq, o.shanghai).await && !sub(o.west, pudong).await);
    assert!(sub(o.shanghai, pudong).await);
    assert_eq!(users::team(&db, pudong).await.expect("team").depth, 1);
}

async fn teams_in_use_are_not_deleted(db: Db) {
    let o = org(&db).await;
    for busy in [o.hq, o.east, o.shanghai] {
        let r = users::delete_team(&db, busy).await;
        assert!(matches!(r, Err(DbError::InUse)), "{r:?}");
    }
    let mut tx = db.begin().await.expect("begin");
    let empty = users::create_team(&mut tx, "Empty", Some(o.east))
        .await
        .expect("team");
    tx.commit().await.expect("commit");
    assert_eq!(users::team(&db, o.east).await.expect("team").members, 2);
    users::delete_team(&db, empty)
        .await
        .expect("an empty team goes");
    assert!(matches!(
        users::team(&db, empty).await,
        Err(DbError::NotFound)
    ));
    assert!(
        !users::team_in_subtree(&db, o.east, empty)
            .await
            .expect("subtree")
    );
    assert!(matches!(
        users::delete_team(&db, empty).await,
        Err(DbError::NotFound)
    ));
    assert_eq!(shape(&db).await.len(), 4);
}

async fn users_are_listed_and_edited_by_administrators(db: Db) {
    let o = org(&db).await;
    let list = |f: UserFilter| {
        let db = db.clone();
        async move {
            users::list_users(&db, &f, Paging::new(None, None))
                .await
                .expect("list")
        }
    };
    let all = list(UserFilter::default()).await;
    assert_eq!(all.total, 6);
    assert_eq!(all.items[0].name, "admin");
    let names = |p: opportune_db::Page<users::UserRecord>| -> Vec<String> {
        p.items.into_iter().map(|u| u.name).collect()
    };
    assert_eq!(
        names(
            list(UserFilter {
                q: Some("EAST".into()),
                ..UserFilter::default()
            })
            .await
        ),
        ["mgr_east", "rep_east"]
    );
    assert_eq!(
        names(
            list(UserFilter {
                role: Some(Role::Manager),
                team_id: Some(o.west),
                ..UserFilter::default()
            })
            .await
        ),
        ["mgr_west"]
    );

    let acct = account(&db, &o.rep_east, "华东人民医院").await;
    let sales = process(&db, "sales_cycle").await;
    let deal = opportunity(
        &db,
        &o.rep_east,
        acct.id,
        &sales,
        "超声",
        100,
        d(2027, 3, 31),
    )
    .await;
    users::create_session(
        &db,
        "live",
        o.rep_east.user_id,
        Utc::now() + Duration::days(1),
    )
    .await
    .expect("session");
    let before = users::get(&db, o.rep_east.user_id).await.expect("user");
    let change = UserChange {
        email: "Rep.East@Example.com",
        name: "东区销售",
        role: Role::Rep,
        team_id: Some(o.west),
        active: false,
        locale: Some(Locale::En),
        password_hash: None,
    };
    let saved = users::update_user(
        &db,
        Actor::User(o.admin.user_id),
        (o.rep_east.user_id, 1),
        &change,
    )
    .await
    .expect("update");
    assert_eq!(
        (
            saved.email.as_str(),
            saved.team_name.as_deref(),
            saved.active,
            saved.locale.as_deref(),
            saved.version
        ),
        ("rep.east@example.com", Some("West"), false, Some("en"), 2)
    );
    let after = users::get(&db, o.rep_east.user_id).await.expect("user");
    assert_eq!(
        after.password_hash, before.password_hash,
        "the password is kept"
    );
    assert!(
        users::session_user(&db, "live", Versions::None)
            .await
            .expect("lookup")
            .is_none(),
        "a deactivated user's sessions end"
    );
    assert_eq!(
        accounts::get(&db, &o.admin, acct.id)
            .await
            .expect("account")
            .team_id,
        Some(o.west),
        "their records follow them to the new team"
    );
    assert!(matches!(
        accounts::get(&db, &o.mgr_east, acct.id).await,
        Err(DbError::NotFound)
    ));
    // Their deals' histories say so, by the administrator who moved them.
    let h = opportune_db::history::of_deal(&db, deal.id)
        .await
        .expect("history");
    assert_eq!(
        (h[0].kind, h[0].actor_id, h[0].team_id, h[0].owner_id),
        (
            EventKind::Team,
            Some(o.admin.user_id),
            Some(o.west),
            o.rep_east.user_id
        )
    );
    assert_eq!(
        (h[0].from_value.clone(), h[0].to_value.clone()),
        (Some(o.east.to_string()), Some(o.west.to_string()))
    );
    let report = opportune_db::history::check_replay(&db)
        .await
        .expect("replay");
    assert_eq!(
        (report.deals, report.failed),
        (1, 0),
        "{:?}",
        report.failures
    );
    assert_eq!(
        names(
            list(UserFilter {
                active: Some(false),
                ..UserFilter::default()
            })
            .await
        ),
        ["东区销售"]
    );

    let stale = users::update_user(
        &db,
        Actor::User(o.admin.user_id),
        (o.rep_east.user_id, 1),
        &change,
    )
    .await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    let dup = users::update_user(
        &db,
        Actor::User(o.admin.user_id),
        (o.rep_east.user_id, 2),
        &UserChange {
            email: "ADMIN@example.com",
            password_hash: Some("new-hash"),
            ..change
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Duplicate("email"))), "{dup:?}");
    let missing = users::update_user(&db, Actor::System, (999_999, 1), &change).await;
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");

    users::set_locale(&db, o.rep_west.user_id, Locale::En)
        .await
        .expect("set locale");
    assert_eq!(
        users::user(&db, o.rep_west.user_id)
            .await
            .expect("user")
            .version,
        2,
        "a language switch is an edit too"
    );
}

conformance!(
    moving_a_team_rewrites_the_closure_of_its_subtree,
    teams_in_use_are_not_deleted,
    users_are_listed_and_edited_by_administrators,
);
