//! The sales processes: the four built-ins installed once, and admin edits with versions.

use opportune_core::process::{CriteriaMode, ItemKind};
use opportune_core::records::Locale;
use opportune_db::processes::{self, Process, Stage, StageEdit};
use opportune_db::{Db, DbError};

/// A stage id with the ids of its entry criteria and work items.
type StageShape = (i64, Vec<i64>);

/// (process id, its stages' shapes): what must not change across restarts.
fn shape(procs: &[Process]) -> Vec<(i64, Vec<StageShape>)> {
    procs
        .iter()
        .map(|p| {
            let stages = p
                .stages
                .iter()
                .map(|s| {
                    (
                        s.row.id,
                        s.entry.iter().chain(&s.work).map(|i| i.id).collect(),
                    )
                })
                .collect();
            (p.row.id, stages)
        })
        .collect()
}

async fn four_built_in_processes_with_ordered_gated_stages(db: Db) {
    let procs = processes::list(&db).await.expect("list");
    let keys: Vec<_> = procs
        .iter()
        .map(|p| p.row.key.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        [
            "sales_cycle",
            "prospect_system",
            "project_milestones",
            "customer_development"
        ]
    );
    for p in &procs {
        assert!(p.row.active && p.row.version == 1);
        assert!(!p.name(Locale::ZhCn).is_empty() && !p.name(Locale::En).is_empty());
        assert!(
            p.stages.len() >= 4,
            "{}: {} stages",
            p.row.name_en,
            p.stages.len()
        );
        for (i, s) in p.stages.iter().enumerate() {
            assert_eq!(s.row.position, i as i64, "stages come in order");
            assert_eq!(s.row.process_id, p.row.id);
            assert!(!s.name(Locale::ZhCn).is_empty() && !s.name(Locale::En).is_empty());
            assert!(!s.definition(Locale::En).is_empty());
            if i > 0 {
                assert!(
                    !s.entry.is_empty(),
                    "{}: stage {i} gates entry",
                    p.row.name_en
                );
                assert!(
                    s.probability() > p.stages[i - 1].probability(),
                    "probabilities rise"
                );
            }
            for (j, item) in s.entry.iter().enumerate() {
                assert_eq!((item.kind, item.position), (ItemKind::Entry, j as i64));
                assert!(!item.label(Locale::ZhCn).is_empty() && !item.label(Locale::En).is_empty());
            }
            assert!(s.work.iter().all(|w| w.kind == ItemKind::Work));
        }
    }
    let sales = &procs[0];
    let probs: Vec<u8> = sales.stages.iter().map(Stage::probability).collect();
    assert_eq!(probs, [10, 20, 40, 60, 80, 100]);
    assert_eq!(sales.stages[1].entry.len(), 4);
    assert_eq!(sales.stages[1].mode(), CriteriaMode::All);
    let milestones = &procs[2];
    assert_eq!(milestones.stages[4].mode(), CriteriaMode::Any);
    let first_entry = sales.stages[1].entry[0].id;
    assert_eq!(
        sales.item(first_entry).map(|i| i.stage_id),
        Some(sales.stages[1].row.id)
    );
    assert_eq!(
        sales.stage(sales.stages[2].row.id).map(|s| s.row.position),
        Some(2)
    );
    assert!(sales.stage(milestones.stages[0].row.id).is_none());

    let one = processes::get(&db, milestones.row.id).await.expect("get");
    assert_eq!(
        shape(std::slice::from_ref(&one)),
        shape(std::slice::from_ref(milestones))
    );
    assert!(matches!(
        processes::get(&db, 999_999).await,
        Err(DbError::NotFound)
    ));
}

async fn preparing_again_installs_nothing_twice(db: Db) {
    let before = shape(&processes::list(&db).await.expect("list"));
    opportune_db::prepare(&db).await.expect("second prepare");
    opportune_db::prepare(&db).await.expect("third prepare");
    assert_eq!(shape(&processes::list(&db).await.expect("list")), before);
}

fn edit(name: &str, entry: &[&str]) -> StageEdit {
    StageEdit {
        name_zh: format!("{name}（中）"),
        name_en: name.into(),
        definition_zh: String::new(),
        definition_en: format!("{name} defined"),
        probability: 30,
        target_days: 10,
        mode: CriteriaMode::Any,
        entry: entry
            .iter()
            .map(|e| (format!("{e}（中）"), (*e).to_owned()))
            .collect(),
        work: vec![("跟进".into(), "Follow up".into())],
    }
}

async fn admins_edit_processes_against_a_version(db: Db) {
    let id = processes::create(&db, "渠道销售", "Channel sales")
        .await
        .expect("create");
    let p = processes::get(&db, id).await.expect("get");
    assert!(p.stages.is_empty() && p.row.key.is_none());
    assert_eq!(processes::list(&db).await.expect("list").len(), 5);
    assert_eq!(
        processes::list(&db).await.expect("list")[4].row.id,
        id,
        "new processes come last"
    );

    let sid = processes::save_stage(&db, id, 1, None, &edit("Contact", &["Met", "Called"]))
        .await
        .expect("append a stage");
    let p = processes::get(&db, id).await.expect("get");
    assert_eq!(p.row.version, 2);
    let s = p.stage(sid).expect("stage saved");
    assert_eq!(
        (s.name(Locale::En), s.probability(), s.mode()),
        ("Contact", 30, CriteriaMode::Any)
    );
    let kept = s.entry[0].id;

    let stale = processes::save_stage(&db, id, 1, Some(sid), &edit("Lost", &[])).await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    processes::save_stage(
        &db,
        id,
        2,
        Some(sid),
        &edit("Contacted", &["Met in person"]),
    )
    .await
    .expect("edit the stage");
    let p = processes::get(&db, id).await.expect("get");
    let s = p.stage(sid).expect("stage");
    assert_eq!(s.name(Locale::En), "Contacted");
    assert_eq!(s.entry.len(), 1, "the dropped criterion is gone");
    assert_eq!(
        (s.entry[0].id, s.entry[0].label_en.as_str()),
        (kept, "Met in person"),
        "ids survive relabelling"
    );

    processes::rename(&db, id, 3, "渠道", "Channel")
        .await
        .expect("rename");
    let stale = processes::rename(&db, id, 3, "x", "y").await;
    assert!(matches!(stale, Err(DbError::Stale)), "{stale:?}");
    let missing = processes::rename(&db, 999_999, 1, "x", "y").await;
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");
    let p = processes::get(&db, id).await.expect("get");
    assert_eq!((p.name(Locale::En), p.row.version), ("Channel", 4));
}

conformance!(
    four_built_in_processes_with_ordered_gated_stages,
    preparing_again_installs_nothing_twice,
    admins_edit_processes_against_a_version,
);
