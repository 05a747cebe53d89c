//! Sales processes: ordered stages, entry criteria and the stage-move rule.

use crate::records::vocabulary;
use std::collections::HashSet;

vocabulary!(
    /// What an item of a stage is: one of its entry criteria (a deal enters the stage when they
    /// are ticked, `CriteriaMode`), or a step of its work checklist.
    ItemKind { Entry = "entry", Work = "work" }
);

/// Whether a stage's entry criteria must all be ticked, or any one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriteriaMode {
    All,
    Any,
}

impl CriteriaMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CriteriaMode::All => "all",
            CriteriaMode::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "all" => Ok(CriteriaMode::All),
            "any" => Ok(CriteriaMode::Any),
            _ => Err("invalid_choice"),
        }
    }
}

/// The criteria of `criteria` that stand in the way of entering a stage, given the ticked ones.
/// Empty means the stage may be entered. For `Any`, one ticked criterion is enough; otherwise
/// all of them are reported as unmet, since any one would do.
pub fn unmet_criteria(mode: CriteriaMode, criteria: &[i64], ticked: &HashSet<i64>) -> Vec<i64> {
    match mode {
        CriteriaMode::All => criteria
            .iter()
            .copied()
            .filter(|c| !ticked.contains(c))
            .collect(),
        CriteriaMode::Any => {
            if criteria.is_empty() || criteria.iter().any(|c| ticked.contains(c)) {
                Vec::new()
            } else {
                criteria.to_vec()
            }
        }
    }
}

/// The entry criteria of one stage a forward move enters, and those of them not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageUnmet {
    pub stage_id: i64,
    pub unmet: Vec<i64>,
}

/// What a requested stage move does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveDecision {
    /// Criteria met, or a move back: carry it out.
    Allowed,
    /// Criteria unmet in these stages but an override reason was given: carry it out and keep
    /// the reason with the stages entered past their criteria.
    Overridden {
        unmet: Vec<StageUnmet>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The deal is already in that stage.
    SameStage,
    /// The target stage belongs to another process.
    OtherProcess,
    /// The deal is closed (won, lost or abandoned) and no longer moves.
    Closed,
    /// Entry criteria unmet and no override reason: these criteria are missing, per stage.
    CriteriaUnmet { unmet: Vec<StageUnmet> },
}

/// A stage a forward move enters: its id and its entry criteria.
#[derive(Debug, Clone, Copy)]
pub struct StageGate<'a> {
    pub stage_id: i64,
    pub mode: CriteriaMode,
    pub criteria: &'a [i64],
}

/// The facts a stage move is decided on.
pub struct MoveRequest<'a> {
    pub is_open: bool,
    pub same_process: bool,
    pub from_position: i64,
    pub to_position: i64,
    /// Every stage after the current one up to and including the target, in order (for a move
    /// back, none are needed).
    pub gates: &'a [StageGate<'a>],
    pub ticked: &'a HashSet<i64>,
    pub override_reason: Option<&'a str>,
}

/// Decides a stage move. Moving forward requires the entry criteria of every stage entered on
/// the way, not only the last one (a jump from stage 1 to 5 passes 2, 3 and 4), or one
/// override reason for them all, kept in history with the stages it skipped; moving back is
/// always allowed, since admitting that a deal regressed must never need a justification.
pub fn decide_move(req: &MoveRequest<'_>) -> Result<MoveDecision, MoveRefusal> {
    if !req.same_process {
        return Err(MoveRefusal::OtherProcess);
    }
    if !req.is_open {
        return Err(MoveRefusal::Closed);
    }
    if req.from_position == req.to_position {
        return Err(MoveRefusal::SameStage);
    }
    if req.to_position < req.from_position {
        return Ok(MoveDecision::Allowed);
    }
    let unmet: Vec<StageUnmet> = req
        .gates
        .iter()
        .map(|g| StageUnmet {
            stage_id: g.stage_id,
            unmet: unmet_criteria(g.mode, g.criteria, req.ticked),
        })
        .filter(|s| !s.unmet.is_empty())
        .collect();
    if unmet.is_empty() {
        return Ok(MoveDecision::Allowed);
    }
    match req.override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => Ok(MoveDecision::Overridden {
            unmet,
            reason: reason.to_owned(),
        }),
        None => Err(MoveRefusal::CriteriaUnmet { unmet }),
    }
}

/// A stage probability must be a whole percentage.
pub fn parse_probability(raw: &str) -> Result<u8, &'static str> {
    match raw.trim().parse::<u8>() {
        Ok(p) if p <= 100 => Ok(p),
        Ok(_) => Err("out_of_range"),
        Err(_) if raw.trim().is_empty() => Err("required"),
        Err(_) => Err("invalid_number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_an_entry_criterion_or_work_in_its_stored_text() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::parse(kind.as_str()), Ok(*kind));
            assert_eq!(ItemKind::try_from(kind.to_string()), Ok(*kind));
        }
        assert_eq!(ItemKind::Entry.as_str(), "entry");
        assert_eq!(ItemKind::Work.as_str(), "work");
        assert_eq!(ItemKind::parse("criterion"), Err("invalid_choice"));
    }

    const GATE: [StageGate<'static>; 1] = [StageGate {
        stage_id: 2,
        mode: CriteriaMode::All,
        criteria: &[10, 11, 12],
    }];
    const ANY_GATE: [StageGate<'static>; 1] = [StageGate {
        stage_id: 2,
        mode: CriteriaMode::Any,
        criteria: &[10, 11, 12],
    }];

    fn req<'a>(
        ticked: &'a HashSet<i64>,
        gates: &'a [StageGate<'a>],
        reason: Option<&'a str>,
    ) -> MoveRequest<'a> {
        MoveRequest {
            is_open: true,
            same_process: true,
            from_position: 1,
            to_position: 2,
            gates,
            ticked,
            override_reason: reason,
        }
    }

    fn at(stage_id: i64, unmet: &[i64]) -> StageUnmet {
        StageUnmet {
            stage_id,
            unmet: unmet.to_vec(),
        }
    }

    #[test]
    fn all_mode_lists_each_missing_criterion() {
        let ticked = HashSet::from([11]);
        assert_eq!(
            unmet_criteria(CriteriaMode::All, &[10, 11, 12], &ticked),
            vec![10, 12]
        );
        assert!(unmet_criteria(CriteriaMode::All, &[], &ticked).is_empty());
    }

    #[test]
    fn any_mode_needs_one() {
        let none = HashSet::new();
        assert_eq!(
            unmet_criteria(CriteriaMode::Any, &[1, 2], &none),
            vec![1, 2]
        );
        assert!(unmet_criteria(CriteriaMode::Any, &[1, 2], &HashSet::from([2])).is_empty());
    }

    #[test]
    fn forward_move_without_criteria_is_refused() {
        let ticked = HashSet::from([10]);
        assert_eq!(
            decide_move(&req(&ticked, &GATE, None)),
            Err(MoveRefusal::CriteriaUnmet {
                unmet: vec![at(2, &[11, 12])]
            })
        );
        assert_eq!(
            decide_move(&req(&ticked, &GATE, Some("  "))),
            Err(MoveRefusal::CriteriaUnmet {
                unmet: vec![at(2, &[11, 12])]
            })
        );
    }

    #[test]
    fn override_reason_lets_it_through_and_is_kept() {
        let ticked = HashSet::new();
        assert_eq!(
            decide_move(&req(&ticked, &ANY_GATE, Some(" 客户口头确认 "))),
            Ok(MoveDecision::Overridden {
                unmet: vec![at(2, &[10, 11, 12])],
                reason: "客户口头确认".into()
            })
        );
    }

    #[test]
    fn met_criteria_and_backward_moves_are_allowed() {
        let all = HashSet::from([10, 11, 12]);
        assert_eq!(
            decide_move(&req(&all, &GATE, None)),
            Ok(MoveDecision::Allowed)
        );
        let none = HashSet::new();
        let mut back = req(&none, &GATE, None);
        back.to_position = 0;
        assert_eq!(decide_move(&back), Ok(MoveDecision::Allowed));
    }

    #[test]
    fn closed_same_and_foreign_moves_are_refused() {
        let none = HashSet::new();
        let mut r = req(&none, &GATE, None);
        r.to_position = 1;
        assert_eq!(decide_move(&r), Err(MoveRefusal::SameStage));
        r.is_open = false;
        assert_eq!(decide_move(&r), Err(MoveRefusal::Closed));
        r.same_process = false;
        assert_eq!(decide_move(&r), Err(MoveRefusal::OtherProcess));
    }

    #[test]
    fn a_jump_needs_every_passed_stages_criteria() {
        let gates = [
            StageGate {
                stage_id: 2,
                mode: CriteriaMode::All,
                criteria: &[20, 21],
            },
            StageGate {
                stage_id: 3,
                mode: CriteriaMode::Any,
                criteria: &[30, 31],
            },
            StageGate {
                stage_id: 4,
                mode: CriteriaMode::All,
                criteria: &[],
            },
            StageGate {
                stage_id: 5,
                mode: CriteriaMode::All,
                criteria: &[50],
            },
        ];
        let none = HashSet::new();
        let mut jump = req(&none, &gates, None);
        jump.to_position = 5;
        // Stage 5's own criterion ticked is not enough: 2 and 3 are entered on the way.
        let ticked = HashSet::from([50, 21]);
        jump.ticked = &ticked;
        assert_eq!(
            decide_move(&jump),
            Err(MoveRefusal::CriteriaUnmet {
                unmet: vec![at(2, &[20]), at(3, &[30, 31])]
            })
        );
        jump.override_reason = Some("招标提前");
        assert_eq!(
            decide_move(&jump),
            Ok(MoveDecision::Overridden {
                unmet: vec![at(2, &[20]), at(3, &[30, 31])],
                reason: "招标提前".into()
            })
        );
        let all = HashSet::from([20, 21, 31, 50]);
        jump.ticked = &all;
        jump.override_reason = None;
        assert_eq!(decide_move(&jump), Ok(MoveDecision::Allowed));
    }

    #[test]
    fn criteria_modes_round_trip_through_their_stored_text() {
        assert_eq!(CriteriaMode::All.as_str(), "all");
        assert_eq!(CriteriaMode::Any.as_str(), "any");
        for mode in [CriteriaMode::All, CriteriaMode::Any] {
            assert_eq!(CriteriaMode::parse(mode.as_str()), Ok(mode));
        }
        assert_eq!(CriteriaMode::parse("some"), Err("invalid_choice"));
        assert_eq!(CriteriaMode::parse(""), Err("invalid_choice"));
    }

    #[test]
    fn probability_parsing() {
        assert_eq!(parse_probability("50"), Ok(50));
        assert_eq!(parse_probability("101"), Err("out_of_range"));
        assert_eq!(parse_probability("x"), Err("invalid_number"));
        assert_eq!(parse_probability(""), Err("required"));
    }
}
