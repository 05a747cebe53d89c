//! A deal's history: what each event records, who or what made it, and the rule that replaying a
//! deal's events gives the deal as it stands. Every event keeps the deal's state after the
//! change, so any figure can be computed as of any past day (docs/ARCHITECTURE.md, "History").
//! A deal's name is not part of that state: no figure is computed from it, and its changes are
//! events of their own (from one name to the next), so carrying it on every event only made the
//! history larger (docs/PERFORMANCE.md, fix 35).

use crate::records::{OppStatus, vocabulary};
use chrono::{DateTime, NaiveDate, Utc};

vocabulary!(
    /// Who or what made a change: a user, an import a user ran, or the system (no user).
    ActorKind { User = "user", Import = "import", System = "system" }
);

vocabulary!(
    /// What an event of a deal's history records.
    EventKind {
        Created = "created",
        Stage = "stage",
        Amount = "amount",
        CloseDate = "close_date",
        Certainty = "certainty",
        Evidence = "evidence",
        Owner = "owner",
        Team = "team",
        Status = "status",
        CloseReason = "close_reason",
        Name = "name",
        Tracked = "tracked",
        Grade = "grade",
        ReviewDate = "review_date",
        Checks = "checks",
        Deleted = "deleted",
        Restored = "restored",
    }
);

/// Who or what made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(i64),
    /// An import, run by this user.
    Import(i64),
    /// The system itself, e.g. a scheduled demotion.
    System,
}

impl Actor {
    pub fn kind(self) -> ActorKind {
        match self {
            Actor::User(_) => ActorKind::User,
            Actor::Import(_) => ActorKind::Import,
            Actor::System => ActorKind::System,
        }
    }

    /// The user behind the change, if any.
    pub fn user_id(self) -> Option<i64> {
        match self {
            Actor::User(id) | Actor::Import(id) => Some(id),
            Actor::System => None,
        }
    }
}

/// A field of a deal that its history records: the fields of [`DealState`], and the name, which
/// only its own events carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Stage,
    Amount,
    CloseDate,
    Status,
    CloseReason,
    Owner,
    Team,
    Certainty,
    Evidence,
    Tracked,
    Grade,
    ReviewDate,
    Deleted,
}

/// Every field a history records: the name, then the fields of [`DealState`].
const ALL_FIELDS: &[Field] = &[
    Field::Name,
    Field::Stage,
    Field::Amount,
    Field::CloseDate,
    Field::Status,
    Field::CloseReason,
    Field::Owner,
    Field::Team,
    Field::Certainty,
    Field::Evidence,
    Field::Tracked,
    Field::Grade,
    Field::ReviewDate,
    Field::Deleted,
];

/// The fields of [`DealState`].
const STATE_FIELDS: &[Field] = ALL_FIELDS.split_at(1).1;

impl EventKind {
    /// The fields an event of this kind may change.
    pub fn fields(self) -> &'static [Field] {
        match self {
            EventKind::Created => ALL_FIELDS,
            EventKind::Stage => &[Field::Stage],
            EventKind::Amount => &[Field::Amount],
            EventKind::CloseDate => &[Field::CloseDate],
            EventKind::Certainty => &[Field::Certainty],
            EventKind::Evidence => &[Field::Evidence],
            // A new owner brings their team.
            EventKind::Owner => &[Field::Owner, Field::Team],
            EventKind::Team => &[Field::Team],
            // Closing or reopening a deal says why.
            EventKind::Status => &[Field::Status, Field::CloseReason],
            EventKind::CloseReason => &[Field::CloseReason],
            EventKind::Name => &[Field::Name],
            EventKind::Tracked => &[Field::Tracked],
            EventKind::Grade => &[Field::Grade],
            EventKind::ReviewDate => &[Field::ReviewDate],
            EventKind::Checks => &[],
            EventKind::Deleted | EventKind::Restored => &[Field::Deleted],
        }
    }
}

/// A deal as its history keeps it after each event: the fields every figure of the pipeline
/// analysis and the forecast is computed from. (The stage's probability at the time is kept
/// beside it: it follows the stage, and a process's probabilities may be edited later.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealState {
    pub stage_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub expected_close_date: NaiveDate,
    pub status: OppStatus,
    /// Why it was won or lost.
    pub close_reason: String,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    pub certainty: i64,
    pub certainty_evidence: i64,
    pub tracked: bool,
    pub grade: Option<String>,
    pub next_review_date: Option<NaiveDate>,
    /// Deleted: kept with its history, left out of lists, boards and totals.
    pub deleted: bool,
}

impl DealState {
    /// The fields in which `other` differs from `self`. The currency is part of the amount.
    pub fn differences(&self, other: &DealState) -> Vec<Field> {
        let differs = |f: Field| match f {
            Field::Name => false,
            Field::Stage => self.stage_id != other.stage_id,
            Field::Amount => {
                self.amount_minor != other.amount_minor || self.currency != other.currency
            }
            Field::CloseDate => self.expected_close_date != other.expected_close_date,
            Field::Status => self.status != other.status,
            Field::CloseReason => self.close_reason != other.close_reason,
            Field::Owner => self.owner_id != other.owner_id,
            Field::Team => self.team_id != other.team_id,
            Field::Certainty => self.certainty != other.certainty,
            Field::Evidence => self.certainty_evidence != other.certainty_evidence,
            Field::Tracked => self.tracked != other.tracked,
            Field::Grade => self.grade != other.grade,
            Field::ReviewDate => self.next_review_date != other.next_review_date,
            Field::Deleted => self.deleted != other.deleted,
        };
        STATE_FIELDS
            .iter()
            .copied()
            .filter(|f| differs(*f))
            .collect()
    }
}

/// One event as the replay reads it: when, what it says changed (from what to what: a rename's
/// names), and the state after it.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub state: &'a DealState,
}

/// Why a deal's history does not replay to the deal as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// The deal has no history at all.
    Empty,
    /// Its first change is not its creation.
    NotCreatedFirst,
    /// A write at `at` changed these fields without an event that says so.
    Unrecorded {
        at: DateTime<Utc>,
        fields: Vec<Field>,
    },
    /// The state after the last event differs from the deal in these fields.
    Differs { fields: Vec<Field> },
    /// A rename at `at` does not start from the name the previous rename left.
    Renamed { at: DateTime<Utc> },
}

/// Replays a deal's history (oldest first) and checks it against the deal as it stands (its
/// state and its `name`): it starts with the creation; each write (its events share an instant)
/// changes only the fields its events name; the state after the last event is the deal's; and
/// each rename starts from the name the one before it left, the last leaving the deal's name.
pub fn replay(events: &[Recorded<'_>], current: &DealState, name: &str) -> Result<(), ReplayError> {
    let first = events.first().ok_or(ReplayError::Empty)?;
    let mut writes = events.chunk_by(|a, b| a.at == b.at);
    let creation = writes.next().unwrap_or_default();
    if first.kind != EventKind::Created {
        return Err(ReplayError::NotCreatedFirst);
    }
    let mut state = last_state(creation, first.state);
    for write in writes {
        let after = last_state(write, state);
        let unrecorded: Vec<Field> = state
            .differences(after)
            .into_iter()
            .filter(|f| !write.iter().any(|e| e.kind.fields().contains(f)))
            .collect();
        if !unrecorded.is_empty() {
            return Err(ReplayError::Unrecorded {
                at: write[0].at,
                fields: unrecorded,
            });
        }
        state = after;
    }
    let mut fields = state.differences(current);
    if renamed(events)?.is_some_and(|last| last != name) {
        fields.insert(0, Field::Name);
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ReplayError::Differs { fields })
    }
}

/// The name the renames of `events` leave (none if it was never renamed), each starting from the
/// name the one before it left.
fn renamed<'a>(events: &[Recorded<'a>]) -> Result<Option<&'a str>, ReplayError> {
    let mut name = None;
    for e in events.iter().filter(|e| e.kind == EventKind::Name) {
        if name.is_some_and(|before| e.from != Some(before)) {
            return Err(ReplayError::Renamed { at: e.at });
        }
        name = e.to;
    }
    Ok(name)
}

fn last_state<'a>(write: &[Recorded<'a>], or: &'a DealState) -> &'a DealState {
    write.last().map_or(or, |e| e.state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn deal() -> DealState {
        DealState {
            stage_id: 1,
            amount_minor: 100_000,
            currency: "CNY".into(),
            expected_close_date: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap_or_default(),
            status: OppStatus::Open,
            close_reason: String::new(),
            owner_id: 7,
            team_id: Some(2),
            certainty: 10,
            certainty_evidence: 1,
            tracked: false,
            grade: None,
            next_review_date: None,
            deleted: false,
        }
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn ev(day: u32, kind: EventKind, state: &DealState) -> Recorded<'_> {
        Recorded {
            at: at(day),
            kind,
            from: None,
            to: None,
            state,
        }
    }

    fn renamed<'a>(day: u32, from: &'a str, to: &'a str, state: &'a DealState) -> Recorded<'a> {
        Recorded {
            from: Some(from),
            to: Some(to),
            ..ev(day, EventKind::Name, state)
        }
    }

    #[test]
    fn a_history_that_names_every_change_replays_to_the_deal() {
        let created = deal();
        let moved = DealState {
            stage_id: 2,
            ..created.clone()
        };
        // One edit changed the amount and the close date: two events of one instant.
        let edited = DealState {
            amount_minor: 120_000,
            expected_close_date: NaiveDate::from_ymd_opt(2027, 4, 30).unwrap_or_default(),
            ..moved.clone()
        };
        let lost = DealState {
            status: OppStatus::Lost,
            close_reason: "价格".into(),
            ..edited.clone()
        };
        let events = [
            ev(1, EventKind::Created, &created),
            ev(2, EventKind::Stage, &moved),
            ev(3, EventKind::Amount, &edited),
            ev(3, EventKind::CloseDate, &edited),
            ev(4, EventKind::Checks, &edited),
            ev(5, EventKind::Status, &lost),
        ];
        assert_eq!(replay(&events, &lost, "超声设备采购"), Ok(()));
    }

    #[test]
    fn renames_follow_each_other_to_the_deals_name() {
        let d = deal();
        let created = ev(1, EventKind::Created, &d);
        let first = renamed(2, "超声", "超声二期", &d);
        let second = renamed(3, "超声二期", "超声三期", &d);
        assert_eq!(replay(&[created, first, second], &d, "超声三期"), Ok(()));
        assert_eq!(
            replay(&[created, first, second], &d, "超声二期"),
            Err(ReplayError::Differs {
                fields: vec![Field::Name]
            })
        );
        let broken = renamed(3, "别的", "超声三期", &d);
        assert_eq!(
            replay(&[created, first, broken], &d, "超声三期"),
            Err(ReplayError::Renamed { at: at(3) })
        );
        // Never renamed: the name is the one it was created with, whatever it is.
        assert_eq!(replay(&[created], &d, "任何名字"), Ok(()));
        let moved = DealState {
            stage_id: 2,
            ..d.clone()
        };
        assert_eq!(
            replay(&[created, first], &moved, "超声"),
            Err(ReplayError::Differs {
                fields: vec![Field::Name, Field::Stage]
            })
        );
    }

    #[test]
    fn a_change_without_its_event_is_found() {
        let created = deal();
        let moved_and_graded = DealState {
            stage_id: 2,
            grade: Some("A".into()),
            ..created.clone()
        };
        let events = [
            ev(1, EventKind::Created, &created),
            ev(2, EventKind::Stage, &moved_and_graded),
        ];
        assert_eq!(
            replay(&events, &moved_and_graded, ""),
            Err(ReplayError::Unrecorded {
                at: at(2),
                fields: vec![Field::Grade]
            })
        );
    }

    #[test]
    fn a_deal_changed_after_its_last_event_differs() {
        let created = deal();
        let now = DealState {
            certainty: 30,
            owner_id: 8,
            ..created.clone()
        };
        assert_eq!(
            replay(&[ev(1, EventKind::Created, &created)], &now, ""),
            Err(ReplayError::Differs {
                fields: vec![Field::Owner, Field::Certainty]
            })
        );
    }

    #[test]
    fn a_history_must_start_with_the_creation() {
        let d = deal();
        assert_eq!(replay(&[], &d, ""), Err(ReplayError::Empty));
        assert_eq!(
            replay(&[ev(1, EventKind::Stage, &d)], &d, ""),
            Err(ReplayError::NotCreatedFirst)
        );
    }

    #[test]
    fn an_owner_brings_a_team_and_a_status_its_reason() {
        assert_eq!(EventKind::Owner.fields(), &[Field::Owner, Field::Team]);
        assert_eq!(
            EventKind::Status.fields(),
            &[Field::Status, Field::CloseReason]
        );
        assert!(EventKind::Checks.fields().is_empty());
        assert_eq!(EventKind::Deleted.fields(), &[Field::Deleted]);
        assert_eq!(EventKind::Restored.fields(), &[Field::Deleted]);
        let d = deal();
        let every = DealState {
            stage_id: 9,
            amount_minor: 1,
            currency: "USD".into(),
            expected_close_date: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap_or_default(),
            status: OppStatus::Won,
            close_reason: "y".into(),
            owner_id: 1,
            team_id: None,
            certainty: 90,
            certainty_evidence: 3,
            tracked: true,
            grade: Some("A".into()),
            next_review_date: NaiveDate::from_ymd_opt(2027, 1, 1),
            deleted: true,
        };
        assert_eq!(d.differences(&every), STATE_FIELDS);
        assert_eq!(EventKind::Created.fields()[..1], [Field::Name]);
        assert_eq!(EventKind::Created.fields()[1..], *STATE_FIELDS);
        assert!(!STATE_FIELDS.contains(&Field::Name));
        let only_currency = DealState {
            currency: "USD".into(),
            ..d.clone()
        };
        assert_eq!(d.differences(&only_currency), vec![Field::Amount]);
    }

    #[test]
    fn actors() {
        assert_eq!(Actor::User(3).user_id(), Some(3));
        assert_eq!(Actor::Import(4).user_id(), Some(4));
        assert_eq!(Actor::System.user_id(), None);
        assert_eq!(Actor::Import(4).kind(), ActorKind::Import);
        assert_eq!(Actor::System.kind().as_str(), "system");
        assert_eq!(Actor::User(1).kind(), ActorKind::User);
    }
}
