//! The operations on a deal that the API and the pages share: create, edit, tick criteria and
//! move through stages. Each validates, applies the domain rule and stores in one transaction.

use crate::App;
use crate::forms::{OppForm, check_account, check_owner};
use crate::{Error, Refusal, UnmetStage};
use opportune_core::history::Actor;
use opportune_core::process::{
    CriteriaMode, MoveDecision, MoveRefusal, MoveRequest, StageGate, StageUnmet, decide_move,
};
use opportune_core::records::Role;
use opportune_core::visibility::Viewer;
use opportune_db::opportunities::{self, Opportunity};
use opportune_db::processes::Process;
use std::collections::HashSet;

/// The process named in a form and its first stage, if it is an active process with stages;
/// else the problem is recorded under `process_id`. From the server's copy of the processes
/// while the caller's `'all'` version `all` stands ([`App::processes`]).
pub async fn process_start(
    state: &App,
    all: Option<i64>,
    raw: &str,
    errors: &mut opportune_core::FieldErrors,
) -> Result<Option<(i64, i64)>, Error> {
    match crate::forms::optional_id(raw) {
        Ok(Some(id)) => match state.process(all, id).await? {
            Some(p) if p.row.active && !p.stages.is_empty() => {
                Ok(Some((p.row.id, p.stages[0].row.id)))
            }
            _ => {
                errors.add("process_id", "not_found");
                Ok(None)
            }
        },
        Ok(None) => {
            errors.add("process_id", "required");
            Ok(None)
        }
        Err(c) => {
            errors.add("process_id", c);
            Ok(None)
        }
    }
}

/// The close date a new deal is offered: today plus the organization's default sales cycle.
pub async fn default_close_date(state: &App) -> chrono::NaiveDate {
    let org = state.org().await;
    let days = org.default_sales_cycle_days.max(0);
    org.today() + chrono::Days::new(days.unsigned_abs())
}

/// Validates and creates a deal at the first stage of its process (`all`: the caller's `'all'`
/// version, for the processes).
pub async fn create(
    state: &App,
    v: &Viewer,
    all: Option<i64>,
    form: &OppForm,
) -> Result<Opportunity, Error> {
    let validated = form.validate(v.user_id);
    let mut errors = validated.as_ref().err().cloned().unwrap_or_default();
    let start = process_start(state, all, &form.process_id, &mut errors).await?;
    if let Ok(input) = &validated {
        check_account(state, v, input.account_id, &mut errors).await?;
        check_owner(state, v, input.owner_id, &mut errors).await?;
    }
    match (validated, start) {
        (Ok(input), Some((process, first))) if errors.is_empty() => Ok(opportunities::create(
            &state.db,
            v,
            &input,
            process,
            first,
            &state.org().await.currency,
        )
        .await?),
        _ => Err(Error::Invalid(errors)),
    }
}

/// Validates and saves an edit of `current` (as the caller read it) made against `version`; a
/// stale version is refused with the current record.
pub async fn update(
    state: &App,
    v: &Viewer,
    current: &Opportunity,
    form: &OppForm,
    version: i64,
) -> Result<Opportunity, Error> {
    let input = form.validate(v.user_id);
    let mut errors = input.as_ref().err().cloned().unwrap_or_default();
    if let Ok(i) = &input {
        if i.account_id != current.account_id {
            check_account(state, v, i.account_id, &mut errors).await?;
        }
        if i.owner_id != current.owner_id {
            check_owner(state, v, i.owner_id, &mut errors).await?;
        }
    }
    let input = match input {
        Ok(i) if errors.is_empty() => i,
        _ => return Err(Error::Invalid(errors)),
    };
    if version != current.version {
        return Err(Error::stale(current.clone()));
    }
    match opportunities::update(&state.db, v, current, &input).await {
        Err(opportune_db::DbError::Stale) => {
            let now = opportunities::get(&state.db, v, current.id).await?;
            Err(Error::stale(now))
        }
        other => Ok(other?),
    }
}

/// Ticks exactly `item_ids` (entry criteria and work items of this deal's process; `all`: the
/// caller's `'all'` version, for the processes).
pub async fn set_checks(
    state: &App,
    v: &Viewer,
    all: Option<i64>,
    opp: &Opportunity,
    item_ids: &[i64],
    version: i64,
) -> Result<Opportunity, Error> {
    let process = deal_process(state, all, opp).await?;
    if item_ids.iter().any(|id| process.item(*id).is_none()) {
        return Err(Error::invalid("item_ids", "invalid_choice"));
    }
    if version != opp.version {
        return Err(Error::stale(opp.clone()));
    }
    let unique: Vec<i64> = item_ids
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    match opportunities::set_checks(&state.db, v, opp.id, version, &unique).await {
        Err(opportune_db::DbError::Stale) => Err(Error::stale(
            opportunities::get(&state.db, v, opp.id).await?,
        )),
        other => Ok(other?),
    }
}

/// The process of `opp`, from the server's copy while `all` stands.
async fn deal_process(state: &App, all: Option<i64>, opp: &Opportunity) -> Result<Process, Error> {
    state
        .process(all, opp.process_id)
        .await?
        .ok_or_else(|| Error::internal("deal in a process that does not exist"))
}

/// Moves a deal to `stage_id` under the entry-criteria rule: `opp` and its `ticked` criteria as
/// the caller read them (one query, `get_with_checks`; the move is refused as stale if either
/// changed since), `all` the caller's `'all'` version, for the processes. A refused move is
/// [`Error::Refused`].
pub async fn move_stage(
    state: &App,
    v: &Viewer,
    all: Option<i64>,
    (opp, ticked): (&Opportunity, &[i64]),
    stage_id: i64,
    override_reason: Option<&str>,
) -> Result<Opportunity, Error> {
    let process = deal_process(state, all, opp).await?;
    let (Some(from), to) = (process.stage(opp.stage_id), process.stage(stage_id)) else {
        return Err(Error::internal("deal in a stage outside its process"));
    };
    let Some(to) = to else {
        return Err(Error::Refused(Refusal {
            code: "other_process",
            unmet: Vec::new(),
        }));
    };
    let ticked: HashSet<i64> = ticked.iter().copied().collect();
    let status = opp.status;
    if let Some(r) = override_reason
        && r.chars().count() > crate::forms::NOTE_MAX
    {
        return Err(Error::invalid("override_reason", "too_long"));
    }
    // Every stage entered on the way forward, up to and including the target.
    let passed: Vec<(i64, CriteriaMode, Vec<i64>)> = process
        .stages
        .iter()
        .filter(|s| s.row.position > from.row.position && s.row.position <= to.row.position)
        .map(|s| (s.row.id, s.mode(), s.entry_ids()))
        .collect();
    let gates: Vec<StageGate> = passed
        .iter()
        .map(|(stage_id, mode, criteria)| StageGate {
            stage_id: *stage_id,
            mode: *mode,
            criteria,
        })
        .collect();
    let decision = decide_move(&MoveRequest {
        is_open: status.is_open(),
        same_process: true,
        from_position: from.row.position,
        to_position: to.row.position,
        gates: &gates,
        ticked: &ticked,
        override_reason,
    });
    let (reason, skipped) = match decision {
        Ok(MoveDecision::Allowed) => (None, Vec::new()),
        Ok(MoveDecision::Overridden { reason, unmet }) => (Some(reason), unmet),
        Err(refusal) => {
            let (code, unmet) = match refusal {
                MoveRefusal::SameStage => ("same_stage", Vec::new()),
                MoveRefusal::OtherProcess => ("other_process", Vec::new()),
                MoveRefusal::Closed => ("closed", Vec::new()),
                MoveRefusal::CriteriaUnmet { unmet } => ("criteria_unmet", unmet),
            };
            let unmet = unmet.iter().map(|s| unmet_stage(&process, s)).collect();
            return Err(Error::Refused(Refusal { code, unmet }));
        }
    };
    match opportunities::move_stage(&state.db, v, opp, &to.row, reason.as_deref(), &skipped).await {
        Ok(o) => Ok(o),
        Err(opportune_db::DbError::Stale) => Err(Error::stale(
            opportunities::get(&state.db, v, opp.id).await?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// A stage's unmet criteria with their names, for the refusal.
fn unmet_stage(process: &Process, s: &StageUnmet) -> UnmetStage {
    let stage = process.stage(s.stage_id);
    UnmetStage {
        stage_id: s.stage_id,
        name_zh: stage.map(|st| st.row.name_zh.clone()).unwrap_or_default(),
        name_en: stage.map(|st| st.row.name_en.clone()).unwrap_or_default(),
        criteria: s
            .unmet
            .iter()
            .filter_map(|id| process.item(*id))
            .map(|i| (i.id, i.label_zh.clone(), i.label_en.clone()))
            .collect(),
    }
}

/// The deleted deals, most recently deleted first: administrators only.
pub async fn deleted(
    state: &App,
    v: &Viewer,
    paging: opportune_db::Paging,
) -> Result<opportune_db::Page<opportunities::Deleted>, Error> {
    if v.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    Ok(opportunities::deleted(&state.db, v, paging).await?)
}

/// Restores a deleted deal: administrators only. Answers with the deal as it is back, with its
/// ticks (one query).
pub async fn restore(state: &App, v: &Viewer, id: i64) -> Result<opportunities::DealRead, Error> {
    if v.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    opportunities::restore(&state.db, Actor::User(v.user_id), id).await?;
    Ok(opportunities::get_with_checks(&state.db, v, id).await?)
}
