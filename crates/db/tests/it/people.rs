//! Users, the team tree and its closure, sessions, API tokens and the organization settings.

use crate::fixtures::org;
use chrono::{Duration, Utc};
use opportune_core::records::{Locale, Role};
use opportune_db::users::{self, NewUser};
use opportune_db::versions::Versions;
use opportune_db::{Db, DbError, org as settings};

async fn users_are_found_by_email_whatever_its_case(db: Db) {
    assert_eq!(users::count_users(&db).await.expect("count"), 0);
    let o = org(&db).await;
    assert_eq!(users::count_users(&db).await.expect("count"), 6);
    let u = users::find_by_email(&db, "Rep_East@Example.COM")
        .await
        .expect("lookup")
        .expect("found regardless of case");
    assert_eq!(u.id, o.rep_east.user_id);
    assert_eq!(u.role, Role::Rep);
    assert_eq!(u.team_id, Some(o.east));
    assert!(u.active);
    assert_eq!(u.viewer(), o.rep_east);
    assert!(
        users::find_by_email(&db, "nobody@example.com")
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        users::get(&db, o.admin.user_id).await.expect("get").email,
        "admin@example.com"
    );
    assert!(matches!(
        users::get(&db, 999_999).await,
        Err(DbError::NotFound)
    ));

    let mut tx = db.begin().await.expect("begin");
    let dup = users::create(
        &mut tx,
        &NewUser {
            email: "ADMIN@example.com",
            name: "Second admin",
            password_hash: "x",
            role: Role::Admin,
            team_id: None,
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Duplicate("email"))), "{dup:?}");
}

async fn the_team_tree_keeps_its_closure(db: Db) {
    let o = org(&db).await;
    let sub = |a: i64, t: i64| {
        let db = db.clone();
        async move { users::team_in_subtree(&db, a, t).await.expect("subtree") }
    };
    assert!(sub(o.east, o.east).await, "a team is in its own subtree");
    assert!(sub(o.east, o.shanghai).await);
    assert!(
        sub(o.hq, o.shanghai).await,
        "grandchildren are in the subtree"
    );
    assert!(!sub(o.east, o.west).await, "siblings are not");
    assert!(!sub(o.shanghai, o.east).await, "parents are not");

    let mut tx = db.begin().await.expect("begin");
    assert_eq!(
        users::ensure_team(&mut tx, "East").await.expect("ensure"),
        o.east
    );
    users::create_team(&mut tx, "Pudong", Some(o.shanghai))
        .await
        .expect("a great-grandchild team");
    let dup = users::create_team(&mut tx, "West", None).await;
    assert!(matches!(dup, Err(DbError::Duplicate("name"))), "{dup:?}");
    drop(tx);

    // The failed insert rolled the whole transaction back, Pudong included.
    let names: Vec<String> = users::teams(&db)
        .await
        .expect("teams")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["East", "HQ", "Shanghai", "West"]);

    let mut tx = db.begin().await.expect("begin");
    let pudong = users::create_team(&mut tx, "Pudong", Some(o.shanghai))
        .await
        .expect("a great-grandchild team");
    let created = users::ensure_team(&mut tx, "Guangzhou")
        .await
        .expect("ensure creates");
    tx.commit().await.expect("commit");
    assert!(sub(o.hq, pudong).await && sub(o.east, pudong).await);
    assert!(!sub(o.west, pudong).await);
    let teams = users::teams(&db).await.expect("teams");
    let gz = teams
        .iter()
        .find(|t| t.id == created)
        .expect("Guangzhou listed");
    assert_eq!(gz.parent_id, None);
    assert!(sub(created, created).await && !sub(o.hq, created).await);
}

async fn people_and_teams_are_visible_by_role(db: Db) {
    let o = org(&db).await;
    let teams = |v| {
        let db = db.clone();
        async move {
            users::visible_teams(&db, &v)
                .await
                .expect("visible teams")
                .into_iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(teams(o.admin).await, ["East", "HQ", "Shanghai", "West"]);
    assert_eq!(teams(o.mgr_east).await, ["East", "Shanghai"]);
    assert_eq!(teams(o.mgr_west).await, ["West"]);
    assert_eq!(teams(o.rep_sh).await, ["Shanghai"]);

    let people = |v| {
        let db = db.clone();
        async move {
            users::visible_people(&db, &v)
                .await
                .expect("visible people")
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(people(o.admin).await.len(), 6);
    assert_eq!(people(o.mgr_east).await, ["mgr_east", "rep_east", "rep_sh"]);
    assert_eq!(people(o.mgr_west).await, ["mgr_west", "rep_west"]);
    assert_eq!(people(o.rep_east).await, ["rep_east"]);
}

async fn sessions_expire_and_end(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east.user_id;
    users::create_session(&db, "live", me, Utc::now() + Duration::days(14))
        .await
        .expect("session");
    users::create_session(&db, "old", me, Utc::now() - Duration::minutes(1))
        .await
        .expect("expired session");
    let u = users::session_user(&db, "live", Versions::None)
        .await
        .expect("lookup");
    assert_eq!(u.map(|c| c.user.id), Some(me));
    assert!(
        users::session_user(&db, "old", Versions::None)
            .await
            .expect("lookup")
            .is_none(),
        "expired"
    );
    assert!(
        users::session_user(&db, "nope", Versions::None)
            .await
            .expect("lookup")
            .is_none()
    );
    users::delete_session(&db, "live").await.expect("sign out");
    assert!(
        users::session_user(&db, "live", Versions::None)
            .await
            .expect("lookup")
            .is_none(),
        "signed out"
    );
}

async fn api_tokens_are_found_by_hash_and_revoked_by_their_owner(db: Db) {
    let o = org(&db).await;
    let me = o.rep_east.user_id;
    let id = users::create_token(&db, me, "laptop", "hash-1")
        .await
        .expect("token");
    users::create_token(&db, me, "ci", "hash-2")
        .await
        .expect("token");
    let found = users::token_user(&db, "hash-1", Versions::None)
        .await
        .expect("lookup")
        .expect("token user");
    assert_eq!(found.user.id, me);
    assert!(
        users::token_user(&db, "hash-x", Versions::None)
            .await
            .expect("lookup")
            .is_none()
    );
    let names: Vec<String> = users::tokens(&db, me)
        .await
        .expect("tokens")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["ci", "laptop"], "newest first");
    assert!(
        users::tokens(&db, o.rep_west.user_id)
            .await
            .expect("tokens")
            .is_empty()
    );

    let theirs = users::revoke_token(&db, o.rep_west.user_id, id).await;
    assert!(
        matches!(theirs, Err(DbError::NotFound)),
        "only the owner revokes"
    );
    assert!(
        users::token_user(&db, "hash-1", Versions::None)
            .await
            .expect("lookup")
            .is_some()
    );
    users::revoke_token(&db, me, id).await.expect("revoke");
    assert!(
        users::token_user(&db, "hash-1", Versions::None)
            .await
            .expect("lookup")
            .is_none(),
        "revoked"
    );
    assert!(
        users::token_user(&db, "hash-2", Versions::None)
            .await
            .expect("lookup")
            .is_some(),
        "others stay"
    );
}

async fn settings_exist_and_language_is_remembered(db: Db) {
    let s = settings::get(&db).await.expect("settings");
    assert_eq!((s.currency.as_str(), s.locale.as_str()), ("CNY", "zh-CN"));
    opportune_db::prepare(&db).await.expect("a second prepare");
    assert_eq!(settings::get(&db).await.expect("settings").name, s.name);

    let o = org(&db).await;
    assert_eq!(
        users::get(&db, o.rep_sh.user_id)
            .await
            .expect("user")
            .locale(),
        None
    );
    users::set_locale(&db, o.rep_sh.user_id, Locale::En)
        .await
        .expect("set locale");
    assert_eq!(
        users::get(&db, o.rep_sh.user_id)
            .await
            .expect("user")
            .locale(),
        Some(Locale::En)
    );
}

conformance!(
    users_are_found_by_email_whatever_its_case,
    the_team_tree_keeps_its_closure,
    people_and_teams_are_visible_by_role,
    sessions_expire_and_end,
    api_tokens_are_found_by_hash_and_revoked_by_their_owner,
    settings_exist_and_language_is_remembered,
);
