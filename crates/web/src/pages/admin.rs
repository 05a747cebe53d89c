//! Sales-process administration: rename processes, edit stages (names, definitions, probability,
//! target days, all-of/any-of entry criteria, work checklist), add stages and processes.
//! Admins only; everyone else gets 403.

use super::{Errors, HtmlForm, OrPage, PageError, PageId, PageResult, Shell, render};
use crate::AppState;
use crate::auth::PageUser;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use opportune_core::FieldErrors;
use opportune_core::fields::{optional_text, required_text};
use opportune_core::process::{CriteriaMode, parse_probability};
use opportune_db::DbError;
use opportune_db::processes::{self, Process, StageEdit};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/processes", get(index).post(create))
        .route("/admin/processes/{id}", get(edit).post(rename))
        .route("/admin/processes/{id}/stages", post(add_stage))
        .route("/admin/processes/{id}/stages/{stage_id}", post(save_stage))
}

#[derive(Template)]
#[template(path = "admin_processes.html")]
struct IndexPage {
    s: Shell,
    processes: Vec<Process>,
    errors: Errors,
    name_zh: String,
    name_en: String,
}

/// A stage as its edit form shows it.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StageForm {
    pub version: i64,
    pub name_zh: String,
    pub name_en: String,
    pub definition_zh: String,
    pub definition_en: String,
    pub probability: String,
    pub target_days: String,
    pub criteria_mode: String,
    pub entry: String,
    pub work: String,
}

impl StageForm {
    fn from_stage(s: &processes::Stage, version: i64) -> StageForm {
        let lines = |items: &[processes::ItemRow]| {
            items
                .iter()
                .map(|i| format!("{} | {}", i.label_zh, i.label_en))
                .collect::<Vec<_>>()
                .join("\n")
        };
        StageForm {
            version,
            name_zh: s.row.name_zh.clone(),
            name_en: s.row.name_en.clone(),
            definition_zh: s.row.definition_zh.clone(),
            definition_en: s.row.definition_en.clone(),
            probability: s.row.probability.to_string(),
            target_days: s.row.target_days.to_string(),
            criteria_mode: s.row.criteria_mode.clone(),
            entry: lines(&s.entry),
            work: lines(&s.work),
        }
    }

    /// Validates the stage; item lines are `中文 | English` (one label serves both when there is no `|`).
    pub fn validate(&self) -> Result<StageEdit, FieldErrors> {
        let mut e = FieldErrors::new();
        let name_zh = e.take("name_zh", required_text(&self.name_zh, 100));
        let name_en = e.take("name_en", required_text(&self.name_en, 100));
        let definition_zh = e.take("definition_zh", optional_text(&self.definition_zh, 2000));
        let definition_en = e.take("definition_en", optional_text(&self.definition_en, 2000));
        let probability = e.take("probability", parse_probability(&self.probability));
        let target_days = e.take(
            "target_days",
            match self.target_days.trim().parse::<i64>() {
                Ok(d) if (0..=3650).contains(&d) => Ok(d),
                Ok(_) => Err("out_of_range"),
                Err(_) => Err("invalid_number"),
            },
        );
        let mode = e.take("criteria_mode", CriteriaMode::parse(&self.criteria_mode));
        let entry = e.take("entry", items(&self.entry));
        let work = e.take("work", items(&self.work));
        match (
            name_zh,
            name_en,
            definition_zh,
            definition_en,
            probability,
            target_days,
            mode,
            entry,
            work,
        ) {
            (
                Some(name_zh),
                Some(name_en),
                Some(definition_zh),
                Some(definition_en),
                Some(probability),
                Some(target_days),
                Some(mode),
                Some(entry),
                Some(work),
            ) => Ok(StageEdit {
                name_zh,
                name_en,
                definition_zh,
                definition_en,
                probability,
                target_days,
                mode,
                entry,
                work,
            }),
            _ => Err(e),
        }
    }
}

fn items(raw: &str) -> Result<Vec<(String, String)>, &'static str> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (zh, en) = l
                .split_once('|')
                .map_or((l, l), |(a, b)| (a.trim(), b.trim()));
            if zh.chars().count() > 300 || en.chars().count() > 300 {
                Err("too_long")
            } else if zh.is_empty() || en.is_empty() {
                Err("required")
            } else {
                Ok((zh.to_owned(), en.to_owned()))
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_process.html")]
struct EditPage {
    s: Shell,
    p: Process,
    stages: Vec<(Option<i64>, StageForm, Errors)>,
    name_errors: Errors,
    name_zh: String,
    name_en: String,
    saved: bool,
    stale: bool,
}

impl EditPage {
    fn mode_is(&self, f: &StageForm, m: &str) -> bool {
        f.criteria_mode == m
    }
}

fn forbidden(me: &PageUser) -> Result<(), PageError> {
    super::admin_only(me, "admin-only")
}

async fn index(State(state): State<AppState>, me: PageUser) -> PageResult {
    forbidden(&me)?;
    let processes = processes::list(&state.db).await?;
    let page = IndexPage {
        s: Shell::new(me.tr, Some(&me.user), "nav-admin", "/admin/processes"),
        processes,
        errors: Errors::default(),
        name_zh: String::new(),
        name_en: String::new(),
    };
    Ok(render(&page, StatusCode::OK))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NamesForm {
    version: i64,
    name_zh: String,
    name_en: String,
}

fn names(f: &NamesForm) -> Result<(String, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let zh = e.take("name_zh", required_text(&f.name_zh, 100));
    let en = e.take("name_en", required_text(&f.name_en, 100));
    match (zh, en) {
        (Some(zh), Some(en)) => Ok((zh, en)),
        _ => Err(e),
    }
}

async fn create(
    State(state): State<AppState>,
    me: PageUser,
    HtmlForm(f): HtmlForm<NamesForm>,
) -> PageResult {
    forbidden(&me)?;
    match names(&f) {
        Ok((zh, en)) => {
            let id = processes::create(&state.db, &zh, &en).await?;
            Ok(Redirect::to(&format!("/admin/processes/{id}")).into_response())
        }
        Err(errors) => {
            let page = IndexPage {
                s: Shell::new(me.tr, Some(&me.user), "nav-admin", "/admin/processes"),
                processes: processes::list(&state.db).await?,
                errors: Errors::new(&errors, me.tr),
                name_zh: f.name_zh,
                name_en: f.name_en,
            };
            Ok(render(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

struct Edited {
    stage: Option<(Option<i64>, StageForm, FieldErrors)>,
    names: Option<(NamesForm, FieldErrors)>,
    saved: bool,
    stale: bool,
}

async fn edit_page(state: &AppState, me: &PageUser, id: i64, edited: Edited) -> PageResult {
    let p = processes::get(&state.db, id).await.or_page(me)?;
    let version = p.row.version;
    let mut stages: Vec<(Option<i64>, StageForm, Errors)> = p
        .stages
        .iter()
        .map(|s| {
            (
                Some(s.row.id),
                StageForm::from_stage(s, version),
                Errors::default(),
            )
        })
        .collect();
    let blank = StageForm {
        version,
        probability: "0".into(),
        target_days: "14".into(),
        criteria_mode: "all".into(),
        ..StageForm::default()
    };
    stages.push((None, blank, Errors::default()));
    let mut status = if edited.stale {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    if let Some((sid, form, errors)) = edited.stage {
        if let Some(slot) = stages.iter_mut().find(|(x, _, _)| *x == sid) {
            *slot = (
                sid,
                StageForm { version, ..form },
                Errors::new(&errors, me.tr),
            );
        }
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let (name_zh, name_en, name_errors) = match edited.names {
        Some((f, e)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            (f.name_zh, f.name_en, Errors::new(&e, me.tr))
        }
        None => (
            p.row.name_zh.clone(),
            p.row.name_en.clone(),
            Errors::default(),
        ),
    };
    let page = EditPage {
        s: Shell::new(
            me.tr,
            Some(&me.user),
            "nav-admin",
            format!("/admin/processes/{id}"),
        ),
        stages,
        name_errors,
        name_zh,
        name_en,
        saved: edited.saved,
        stale: edited.stale,
        p,
    };
    Ok(render(&page, status))
}

const NOTHING: Edited = Edited {
    stage: None,
    names: None,
    saved: false,
    stale: false,
};

async fn edit(State(state): State<AppState>, me: PageUser, PageId(id): PageId) -> PageResult {
    forbidden(&me)?;
    edit_page(&state, &me, id, NOTHING).await
}

async fn rename(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<NamesForm>,
) -> PageResult {
    forbidden(&me)?;
    let edited = match names(&f) {
        Ok((zh, en)) => {
            after_save(processes::rename(&state.db, id, f.version, &zh, &en).await).or_page(&me)?
        }
        Err(e) => Edited {
            names: Some((f, e)),
            ..NOTHING
        },
    };
    edit_page(&state, &me, id, edited).await
}

/// What the process page shows after a save: that it was saved, or that the process had
/// changed meanwhile.
fn after_save<T>(result: Result<T, DbError>) -> Result<Edited, DbError> {
    match result {
        Err(DbError::Stale) => Ok(Edited {
            stale: true,
            ..NOTHING
        }),
        done => done.map(|_| Edited {
            saved: true,
            ..NOTHING
        }),
    }
}

async fn store_stage(
    state: &AppState,
    me: &PageUser,
    id: i64,
    stage_id: Option<i64>,
    f: StageForm,
) -> PageResult {
    forbidden(me)?;
    let edited = match f.validate() {
        Ok(edit) => {
            after_save(processes::save_stage(&state.db, id, f.version, stage_id, &edit).await)
                .or_page(me)?
        }
        Err(e) => Edited {
            stage: Some((stage_id, f, e)),
            ..NOTHING
        },
    };
    edit_page(state, me, id, edited).await
}

async fn add_stage(
    State(state): State<AppState>,
    me: PageUser,
    PageId(id): PageId,
    HtmlForm(f): HtmlForm<StageForm>,
) -> PageResult {
    store_stage(&state, &me, id, None, f).await
}

async fn save_stage(
    State(state): State<AppState>,
    me: PageUser,
    Path((id, stage_id)): Path<(i64, i64)>,
    HtmlForm(f): HtmlForm<StageForm>,
) -> PageResult {
    store_stage(&state, &me, id, Some(stage_id), f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_form_parses_bilingual_lines() {
        let f = StageForm {
            name_zh: "认可".into(),
            name_en: "Qualify".into(),
            probability: "40".into(),
            target_days: "30".into(),
            criteria_mode: "any".into(),
            entry: "已确认资金 | Funds identified\n\n仅中文".into(),
            ..StageForm::default()
        };
        let e = f.validate().expect("valid");
        assert_eq!(
            e.entry,
            vec![
                ("已确认资金".into(), "Funds identified".into()),
                ("仅中文".into(), "仅中文".into())
            ]
        );
        assert_eq!((e.probability, e.mode), (40, CriteriaMode::Any));
    }

    #[test]
    fn stage_form_reports_each_bad_field() {
        let f = StageForm {
            probability: "120".into(),
            target_days: "x".into(),
            criteria_mode: "some".into(),
            entry: " | English".into(),
            ..StageForm::default()
        };
        let e = f.validate().expect_err("invalid");
        assert_eq!(e.get("name_zh"), Some("required"));
        assert_eq!(e.get("probability"), Some("out_of_range"));
        assert_eq!(e.get("target_days"), Some("invalid_number"));
        assert_eq!(e.get("criteria_mode"), Some("invalid_choice"));
        assert_eq!(e.get("entry"), Some("required"));
    }
}
