//! The bulk loader's rows (the demo's, and the coming import's) arrive as given on both
//! backends: PostgreSQL's are copied as CSV, so text with quotes, commas, line breaks and
//! backslashes, an empty text and a missing one must each read back as written.

use crate::fixtures;
use chrono::{TimeZone, Utc};
use opportune_db::Db;
use opportune_db::bulk::{self, Backend, Batch, Value};

conformance!(rows_read_back_as_written);

async fn rows_read_back_as_written(db: Db) {
    let o = fixtures::org(&db).await;
    let at = Utc
        .with_ymd_and_hms(2026, 12, 7, 9, 30, 15)
        .single()
        .expect("an instant");
    let names = [
        "\"引号\", 逗号",
        "two\nlines, and a \\ backslash",
        "",
        "plain",
    ];
    let mut tx = db.begin().await.expect("begin");
    let first = bulk::next_id(&mut tx, &bulk::ACCOUNTS)
        .await
        .expect("an id");
    let mut batch = Batch::new(Backend::of(&db), &bulk::ACCOUNTS);
    let mut statements = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let id = first + i as i64;
        let grade: Value = if i % 2 == 0 {
            None::<&'static str>.into()
        } else {
            "".into()
        };
        statements.extend(batch.push([
            id.into(),
            (*name).into(),
            "医院".into(),
            "".into(),
            "".into(),
            "".into(),
            grade,
            "prospect".into(),
            "".into(),
            o.rep_east.user_id.into(),
            Some(o.east).into(),
            at.into(),
            at.into(),
        ]));
    }
    statements.extend(batch.finish());
    for s in statements {
        s.execute(&mut tx).await.expect("the rows load");
    }
    bulk::sync_sequences(&mut tx, &[&bulk::ACCOUNTS])
        .await
        .expect("the sequence follows");
    tx.commit().await.expect("commit");

    let rows: Vec<(String, Option<String>, String, chrono::DateTime<Utc>)> =
        opportune_db::read!(&db, c => sqlx::query_as(
            "SELECT name, grade, industry, created_at FROM accounts WHERE id >= $1 ORDER BY id"
        ).bind(first).fetch_all(c).await)
        .expect("the rows read back");
    let expected: Vec<(String, Option<String>, String, chrono::DateTime<Utc>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let grade = (i % 2 == 1).then(String::new);
            ((*n).to_owned(), grade, "医院".to_owned(), at)
        })
        .collect();
    assert_eq!(rows, expected);
}
