//! Sales processes with their stages, entry criteria and work checklists.

use crate::{Db, DbError, Result, Tx, read, write};
use opportune_core::process::{CriteriaMode, ItemKind};
use opportune_core::records::Locale;
use opportune_core::templates::{BUILT_IN, TemplateProcess};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProcessRow {
    pub id: i64,
    pub key: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
    pub active: bool,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageRow {
    pub id: i64,
    pub process_id: i64,
    pub position: i64,
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub definition_zh: String,
    pub definition_en: String,
    pub probability: i64,
    pub target_days: i64,
    pub criteria_mode: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub stage_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ItemKind,
    pub position: i64,
    pub label_zh: String,
    pub label_en: String,
}

impl ItemRow {
    pub fn label(&self, l: Locale) -> &str {
        if l.is_chinese() {
            &self.label_zh
        } else {
            &self.label_en
        }
    }
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub row: StageRow,
    pub entry: Vec<ItemRow>,
    pub work: Vec<ItemRow>,
}

impl Stage {
    pub fn name(&self, l: Locale) -> &str {
        if l.is_chinese() {
            &self.row.name_zh
        } else {
            &self.row.name_en
        }
    }

    pub fn definition(&self, l: Locale) -> &str {
        if l.is_chinese() {
            &self.row.definition_zh
        } else {
            &self.row.definition_en
        }
    }

    pub fn mode(&self) -> CriteriaMode {
        CriteriaMode::parse(&self.row.criteria_mode).unwrap_or(CriteriaMode::All)
    }

    pub fn probability(&self) -> u8 {
        self.row.probability.clamp(0, 100) as u8
    }

    pub fn entry_ids(&self) -> Vec<i64> {
        self.entry.iter().map(|i| i.id).collect()
    }
}

#[derive(Debug, Clone)]
pub struct Process {
    pub row: ProcessRow,
    pub stages: Vec<Stage>,
}

impl Process {
    pub fn name(&self, l: Locale) -> &str {
        if l.is_chinese() {
            &self.row.name_zh
        } else {
            &self.row.name_en
        }
    }

    pub fn stage(&self, id: i64) -> Option<&Stage> {
        self.stages.iter().find(|s| s.row.id == id)
    }

    pub fn item(&self, id: i64) -> Option<&ItemRow> {
        self.stages
            .iter()
            .flat_map(|s| s.entry.iter().chain(&s.work))
            .find(|i| i.id == id)
    }
}

/// Installs the built-in templates that are not installed yet (matched by key).
pub async fn install_built_ins(tx: &mut Tx) -> Result<()> {
    for (pos, t) in BUILT_IN.iter().enumerate() {
        let exists: Option<i64> = write!(tx, c => sqlx::query_scalar("SELECT id FROM processes WHERE key = $1").bind(t.key).fetch_optional(c).await)?;
        if exists.is_none() {
            install(tx, t, pos as i64).await?;
        }
    }
    Ok(())
}

async fn install(tx: &mut Tx, t: &TemplateProcess, position: i64) -> Result<i64> {
    let pid: i64 = write!(tx, c => sqlx::query_scalar(
        "INSERT INTO processes (key, name_zh, name_en, position) VALUES ($1, $2, $3, $4) RETURNING id"
    ).bind(t.key).bind(t.name_zh).bind(t.name_en).bind(position).fetch_one(c).await)?;
    for (i, s) in t.stages.iter().enumerate() {
        let sid: i64 = write!(tx, c => sqlx::query_scalar(
            "INSERT INTO stages (process_id, position, key, name_zh, name_en, definition_zh, definition_en, probability, target_days, criteria_mode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
        ).bind(pid).bind(i as i64).bind(s.key).bind(s.name_zh).bind(s.name_en).bind(s.definition_zh).bind(s.definition_en)
        .bind(i64::from(s.probability)).bind(s.target_days).bind(s.mode.as_str()).fetch_one(c).await)?;
        for (kind, items) in [(ItemKind::Entry, s.entry), (ItemKind::Work, s.work)] {
            for (j, (zh, en)) in items.iter().enumerate() {
                insert_item(tx, sid, kind, j as i64, zh, en).await?;
            }
        }
    }
    Ok(pid)
}

async fn insert_item(
    tx: &mut Tx,
    stage_id: i64,
    kind: ItemKind,
    position: i64,
    zh: &str,
    en: &str,
) -> Result<()> {
    write!(tx, c => sqlx::query(
        "INSERT INTO stage_items (stage_id, kind, position, label_zh, label_en) VALUES ($1, $2, $3, $4, $5)"
    ).bind(stage_id).bind(kind.as_str()).bind(position).bind(zh).bind(en).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! process_sql {
    ($rest:literal) => {
        concat!(
            "SELECT id, key, name_zh, name_en, position, active, version FROM processes",
            $rest
        )
    };
}
macro_rules! stage_sql {
    ($rest:literal) => {
        concat!(
            "SELECT id, process_id, position, key, name_zh, name_en, definition_zh, definition_en, probability, target_days, criteria_mode FROM stages",
            $rest
        )
    };
}
macro_rules! item_sql {
    ($rest:literal) => {
        concat!("SELECT i.id, i.stage_id, i.kind, i.position, i.label_zh, i.label_en FROM stage_items i", $rest)
    };
}

/// Every process with its stages and items: three queries, whatever the count.
pub async fn list(db: &Db) -> Result<Vec<Process>> {
    let procs: Vec<ProcessRow> =
        read!(db, c => sqlx::query_as(process_sql!(" ORDER BY position, id")).fetch_all(c).await)?;
    let stages: Vec<StageRow> = read!(db, c => sqlx::query_as(stage_sql!(" ORDER BY process_id, position")).fetch_all(c).await)?;
    let items: Vec<ItemRow> = read!(db, c => sqlx::query_as(item_sql!(" ORDER BY i.stage_id, i.kind, i.position")).fetch_all(c).await)?;
    Ok(assemble(procs, stages, items))
}

/// One process with its stages and items.
pub async fn get(db: &Db, id: i64) -> Result<Process> {
    let proc: ProcessRow = read!(db, c => sqlx::query_as(process_sql!(" WHERE id = $1")).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)?;
    let stages: Vec<StageRow> = read!(db, c => sqlx::query_as(stage_sql!(" WHERE process_id = $1 ORDER BY position")).bind(id).fetch_all(c).await)?;
    let items: Vec<ItemRow> = read!(db, c => sqlx::query_as(item_sql!(" JOIN stages s ON s.id = i.stage_id WHERE s.process_id = $1 ORDER BY i.stage_id, i.kind, i.position")).bind(id).fetch_all(c).await)?;
    Ok(assemble(vec![proc], stages, items).remove(0))
}

fn assemble(procs: Vec<ProcessRow>, stages: Vec<StageRow>, items: Vec<ItemRow>) -> Vec<Process> {
    let mut out: Vec<Process> = procs
        .into_iter()
        .map(|row| Process {
            row,
            stages: Vec::new(),
        })
        .collect();
    for s in stages {
        if let Some(p) = out.iter_mut().find(|p| p.row.id == s.process_id) {
            p.stages.push(Stage {
                row: s,
                entry: Vec::new(),
                work: Vec::new(),
            });
        }
    }
    for i in items {
        if let Some(st) = out
            .iter_mut()
            .flat_map(|p| p.stages.iter_mut())
            .find(|s| s.row.id == i.stage_id)
        {
            if i.kind == ItemKind::Entry {
                st.entry.push(i);
            } else {
                st.work.push(i);
            }
        }
    }
    out
}

#[derive(Debug)]
/// An edit of one stage by an admin. Items are given in order as (zh, en) labels; existing items
/// keep their ids position by position, so ticks on deals survive relabelling.
pub struct StageEdit {
    pub name_zh: String,
    pub name_en: String,
    pub definition_zh: String,
    pub definition_en: String,
    pub probability: u8,
    pub target_days: i64,
    pub mode: CriteriaMode,
    pub entry: Vec<(String, String)>,
    pub work: Vec<(String, String)>,
}

/// Renames a process; refused with `Stale` if it changed since `version`.
pub async fn rename(db: &Db, id: i64, version: i64, name_zh: &str, name_en: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = write!(&mut tx, c => sqlx::query(
        "UPDATE processes SET name_zh = $1, name_en = $2, version = version + 1 WHERE id = $3 AND version = $4"
    ).bind(name_zh).bind(name_en).bind(id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(stale_or_missing(&mut tx, id).await);
    }
    tx.commit().await
}

async fn stale_or_missing(tx: &mut Tx, process_id: i64) -> DbError {
    let found: Result<Option<i64>, _> = write!(tx, c => sqlx::query_scalar("SELECT id FROM processes WHERE id = $1").bind(process_id).fetch_optional(c).await);
    match found {
        Ok(Some(_)) => DbError::Stale,
        Ok(None) => DbError::NotFound,
        Err(e) => e.into(),
    }
}

/// Saves a stage (`stage_id` = None appends a new one). Bumps the process version, checked
/// against `version` so two admins cannot overwrite each other.
pub async fn save_stage(
    db: &Db,
    process_id: i64,
    version: i64,
    stage_id: Option<i64>,
    e: &StageEdit,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let n = write!(&mut tx, c => sqlx::query("UPDATE processes SET version = version + 1 WHERE id = $1 AND version = $2")
        .bind(process_id).bind(version).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(stale_or_missing(&mut tx, process_id).await);
    }
    let sid = if let Some(sid) = stage_id {
        let n = write!(&mut tx, c => sqlx::query(
            "UPDATE stages SET name_zh = $1, name_en = $2, definition_zh = $3, definition_en = $4, probability = $5, target_days = $6, criteria_mode = $7 WHERE id = $8 AND process_id = $9"
        ).bind(&e.name_zh).bind(&e.name_en).bind(&e.definition_zh).bind(&e.definition_en).bind(i64::from(e.probability))
        .bind(e.target_days).bind(e.mode.as_str()).bind(sid).bind(process_id).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(DbError::NotFound);
        }
        sid
    } else {
        let pos: i64 = write!(&mut tx, c => sqlx::query_scalar("SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM stages WHERE process_id = $1").bind(process_id).fetch_one(c).await)?;
        write!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO stages (process_id, position, key, name_zh, name_en, definition_zh, definition_en, probability, target_days, criteria_mode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
        ).bind(process_id).bind(pos).bind(format!("stage_{pos}")).bind(&e.name_zh).bind(&e.name_en).bind(&e.definition_zh).bind(&e.definition_en)
        .bind(i64::from(e.probability)).bind(e.target_days).bind(e.mode.as_str()).fetch_one(c).await)?
    };
    for (kind, labels) in [(ItemKind::Entry, &e.entry), (ItemKind::Work, &e.work)] {
        let existing: Vec<i64> = write!(&mut tx, c => sqlx::query_scalar("SELECT id FROM stage_items WHERE stage_id = $1 AND kind = $2 ORDER BY position").bind(sid).bind(kind.as_str()).fetch_all(c).await)?;
        for (pos, (zh, en)) in labels.iter().enumerate() {
            if let Some(id) = existing.get(pos) {
                write!(&mut tx, c => sqlx::query("UPDATE stage_items SET label_zh = $1, label_en = $2 WHERE id = $3").bind(zh).bind(en).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
            } else {
                insert_item(&mut tx, sid, kind, pos as i64, zh, en).await?;
            }
        }
        for id in existing.iter().skip(labels.len()) {
            write!(&mut tx, c => sqlx::query("DELETE FROM stage_items WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        }
    }
    tx.commit().await?;
    Ok(sid)
}

/// Creates a new, empty process (an admin then adds stages).
pub async fn create(db: &Db, name_zh: &str, name_en: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = write!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO processes (name_zh, name_en, position) VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM processes)) RETURNING id"
    ).bind(name_zh).bind(name_en).fetch_one(c).await)?;
    tx.commit().await?;
    Ok(id)
}
