//! Raw input of the create/edit forms and the API, as text, validated into storage inputs.
//! The API and the pages share these, so a value is judged the same way wherever it comes from.

use crate::App;
use opportune_core::fields::{FieldErrors, optional_date, optional_text, required_text};
use opportune_core::records::{OppGrade, OppStatus};
use opportune_core::visibility::Viewer;
use opportune_core::{Money, certainty};
use opportune_db::opportunities::{OppInput, Opportunity};
use opportune_db::{DbError, accounts, users};
use serde::{Deserialize, Serialize};

/// Text longer than this in a name is refused.
pub const NAME_MAX: usize = 200;
/// Text longer than this in a note is refused.
pub const NOTE_MAX: usize = 10_000;

/// Parses an id typed into a form; blank is `None`.
pub fn optional_id(raw: &str) -> Result<Option<i64>, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        Ok(None)
    } else {
        t.parse::<i64>().map(Some).map_err(|_| "invalid_number")
    }
}

/// Checks that the viewer may give a record to `owner_id`: oneself always; a manager anyone in
/// their team subtree; an admin anyone active.
pub async fn check_owner(
    state: &App,
    v: &Viewer,
    owner_id: i64,
    errors: &mut FieldErrors,
) -> Result<(), DbError> {
    if owner_id == v.user_id {
        return Ok(());
    }
    if !v.can_assign() {
        errors.add("owner_id", "invalid_choice");
        return Ok(());
    }
    let owner = match users::get(&state.db, owner_id).await {
        Ok(u) if u.active => u,
        Ok(_) | Err(DbError::NotFound) => {
            errors.add("owner_id", "not_found");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let allowed = match (v.role, v.team_id, owner.team_id) {
        (opportune_core::records::Role::Admin, _, _) => true,
        (_, Some(mine), Some(theirs)) => users::team_in_subtree(&state.db, mine, theirs).await?,
        _ => false,
    };
    if !allowed {
        errors.add("owner_id", "invalid_choice");
    }
    Ok(())
}

/// Checks that the account exists and the viewer sees it.
pub async fn check_account(
    state: &App,
    v: &Viewer,
    account_id: i64,
    errors: &mut FieldErrors,
) -> Result<(), DbError> {
    match accounts::get(&state.db, v, account_id).await {
        Ok(_) => Ok(()),
        Err(DbError::NotFound) => {
            errors.add("account_id", "not_found");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The opportunity fields as typed. Checkbox-like fields are `Option` so an absent box means off.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OppForm {
    pub name: String,
    pub account_id: String,
    pub owner_id: String,
    pub amount: String,
    pub expected_close_date: String,
    pub process_id: String,
    pub certainty: String,
    pub evidence: Vec<u8>,
    pub smart_goal: String,
    pub source: String,
    pub competitors: String,
    pub status: String,
    pub close_reason: String,
    pub tracked: Option<String>,
    pub grade: String,
    pub first_meeting_date: String,
    pub next_review_date: String,
    pub version: String,
}

impl OppForm {
    /// The form filled with a stored deal, for editing.
    pub fn from_record(o: &Opportunity) -> OppForm {
        OppForm {
            name: o.name.clone(),
            account_id: o.account_id.to_string(),
            owner_id: o.owner_id.to_string(),
            amount: Money::from_minor(o.amount_minor).to_string(),
            expected_close_date: o.expected_close_date.to_string(),
            process_id: o.process_id.to_string(),
            certainty: o.certainty.to_string(),
            evidence: certainty::levels_from_evidence(o.certainty_evidence),
            smart_goal: o.smart_goal.clone(),
            source: o.source.clone(),
            competitors: o.competitors.clone(),
            status: o.status.as_str().to_owned(),
            close_reason: o.close_reason.clone(),
            tracked: o.tracked.then(|| "on".to_owned()),
            grade: o.grade.clone().unwrap_or_default(),
            first_meeting_date: o
                .first_meeting_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            next_review_date: o
                .next_review_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            version: o.version.to_string(),
        }
    }

    /// Validates every field, collecting all problems at once. `viewer_id` owns the deal when
    /// no owner is given.
    pub fn validate(&self, viewer_id: i64) -> Result<OppInput, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", required_text(&self.name, NAME_MAX));
        let account_id = match optional_id(&self.account_id) {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                e.add("account_id", "required");
                None
            }
            Err(c) => {
                e.add("account_id", c);
                None
            }
        };
        let owner_id = e
            .take("owner_id", optional_id(&self.owner_id))
            .map(|o| o.unwrap_or(viewer_id));
        let amount = e.take("amount", Money::parse(&self.amount));
        let close = e.take(
            "expected_close_date",
            opportune_core::fields::date(&self.expected_close_date),
        );
        let certainty_level = if self.certainty.trim().is_empty() {
            Some(0)
        } else {
            e.take(
                "certainty",
                self.certainty
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| "invalid_certainty")
                    .and_then(certainty::parse_level),
            )
        };
        let evidence = e.take("evidence", certainty::evidence_from_levels(&self.evidence));
        let status = if self.status.trim().is_empty() {
            Some(OppStatus::Open)
        } else {
            e.take("status", OppStatus::parse(&self.status))
        };
        let grade = if self.grade.trim().is_empty() {
            Some(None)
        } else {
            e.take("grade", OppGrade::parse(&self.grade).map(Some))
        };
        let smart_goal = e.take("smart_goal", optional_text(&self.smart_goal, NOTE_MAX));
        let source = e.take("source", optional_text(&self.source, NAME_MAX));
        let competitors = e.take("competitors", optional_text(&self.competitors, NOTE_MAX));
        let close_reason = e.take("close_reason", optional_text(&self.close_reason, NOTE_MAX));
        let first_meeting = e.take(
            "first_meeting_date",
            optional_date(&self.first_meeting_date),
        );
        let next_review = e.take("next_review_date", optional_date(&self.next_review_date));
        let tracked = matches!(self.tracked.as_deref(), Some("on" | "true" | "1"));
        match (
            name,
            account_id,
            owner_id,
            amount,
            close,
            certainty_level,
            evidence,
            status,
            grade,
            smart_goal,
            source,
            competitors,
            close_reason,
            first_meeting,
            next_review,
        ) {
            (
                Some(name),
                Some(account_id),
                Some(owner_id),
                Some(amount),
                Some(expected_close_date),
                Some(certainty),
                Some(certainty_evidence),
                Some(status),
                Some(grade),
                Some(smart_goal),
                Some(source),
                Some(competitors),
                Some(close_reason),
                Some(first_meeting_date),
                Some(next_review_date),
            ) if e.is_empty() => Ok(OppInput {
                account_id,
                name,
                owner_id,
                amount_minor: amount.minor(),
                expected_close_date,
                certainty: i64::from(certainty),
                certainty_evidence,
                smart_goal,
                source,
                competitors,
                status,
                close_reason,
                tracked,
                grade: grade.map(|g| g.as_str().to_owned()),
                first_meeting_date,
                next_review_date,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> OppForm {
        OppForm {
            name: "超声设备采购".into(),
            account_id: "7".into(),
            amount: "1,250,000".into(),
            expected_close_date: "2027-03-31".into(),
            ..OppForm::default()
        }
    }

    #[test]
    fn a_good_form_validates_with_defaults() {
        let o = good().validate(3).expect("valid");
        assert_eq!(
            (o.owner_id, o.amount_minor, o.status.as_str(), o.certainty),
            (3, 125_000_000, "open", 0)
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let f = OppForm {
            name: " ".into(),
            amount: "-5".into(),
            expected_close_date: "2027-02-30".into(),
            certainty: "45".into(),
            status: "maybe".into(),
            ..good()
        };
        let e = f.validate(1).expect_err("invalid");
        assert_eq!(e.get("name"), Some("required"));
        assert_eq!(e.get("amount"), Some("negative"));
        assert_eq!(e.get("expected_close_date"), Some("invalid_date"));
        assert_eq!(e.get("certainty"), Some("invalid_certainty"));
        assert_eq!(e.get("status"), Some("invalid_choice"));
    }
}

/// The organization settings as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    pub name: String,
    pub currency: String,
    pub fiscal_year_start_month: String,
    pub locale: String,
    pub default_sales_cycle_days: String,
    pub week_start: String,
    pub time_zone: String,
    pub version: String,
}

fn int_in(raw: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, &'static str> {
    match raw.trim().parse::<i64>() {
        Ok(v) if range.contains(&v) => Ok(v),
        Ok(_) => Err("out_of_range"),
        Err(_) if raw.trim().is_empty() => Err("required"),
        Err(_) => Err("invalid_number"),
    }
}

impl OrgForm {
    pub fn from_record(s: &opportune_db::org::OrgSettings) -> OrgForm {
        OrgForm {
            name: s.name.clone(),
            currency: s.currency.clone(),
            fiscal_year_start_month: s.fiscal_year_start_month.to_string(),
            locale: s.locale.clone(),
            default_sales_cycle_days: s.default_sales_cycle_days.to_string(),
            week_start: s.week_start.to_string(),
            time_zone: s.time_zone.clone(),
            version: s.version.to_string(),
        }
    }

    /// Validates every field: a name, an ISO 4217-style currency code (three capital letters),
    /// fiscal year start month 1–12, a supported locale, a sales cycle of 1–3650 days and the
    /// ISO weekday the week starts on (1 = Monday … 7 = Sunday), and an IANA time zone.
    pub fn validate(&self) -> Result<opportune_db::org::OrgSettings, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take("name", required_text(&self.name, NAME_MAX));
        let code = self.currency.trim().to_owned();
        let currency = errors.take(
            "currency",
            if code.is_empty() {
                Err("required")
            } else if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                Ok(code)
            } else {
                Err("invalid_choice")
            },
        );
        let fiscal_year_start_month = errors.take(
            "fiscal_year_start_month",
            int_in(&self.fiscal_year_start_month, 1..=12),
        );
        let locale = errors.take(
            "locale",
            opportune_core::records::Locale::parse(&self.locale),
        );
        let default_sales_cycle_days = errors.take(
            "default_sales_cycle_days",
            int_in(&self.default_sales_cycle_days, 1..=3650),
        );
        let week_start = errors.take("week_start", int_in(&self.week_start, 1..=7));
        let time_zone = errors.take(
            "time_zone",
            opportune_core::clock::parse_time_zone(&self.time_zone),
        );
        match (
            name,
            currency,
            fiscal_year_start_month,
            locale,
            default_sales_cycle_days,
            week_start,
            time_zone,
        ) {
            (
                Some(name),
                Some(currency),
                Some(fiscal_year_start_month),
                Some(locale),
                Some(default_sales_cycle_days),
                Some(week_start),
                Some(time_zone),
            ) => Ok(opportune_db::org::OrgSettings {
                name,
                currency,
                fiscal_year_start_month,
                locale: locale.as_str().to_owned(),
                default_sales_cycle_days,
                week_start,
                time_zone: time_zone.name().to_owned(),
                version: 0,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod org_tests {
    use super::*;

    #[test]
    fn org_settings_are_validated_field_by_field() {
        let good = OrgForm {
            name: "华东医疗".into(),
            currency: "CNY".into(),
            fiscal_year_start_month: "4".into(),
            locale: "en".into(),
            default_sales_cycle_days: "120".into(),
            week_start: "1".into(),
            time_zone: "Europe/Berlin".into(),
            version: "1".into(),
        };
        let s = good.validate().expect("valid");
        assert_eq!(
            (
                s.fiscal_year_start_month,
                s.locale.as_str(),
                s.default_sales_cycle_days,
                s.time_zone.as_str()
            ),
            (4, "en", 120, "Europe/Berlin")
        );
        let bad = OrgForm {
            currency: "rmb".into(),
            fiscal_year_start_month: "13".into(),
            locale: "fr".into(),
            week_start: "x".into(),
            time_zone: "Mars/Olympus".into(),
            ..good
        };
        let e = bad.validate().expect_err("invalid");
        assert_eq!(e.get("currency"), Some("invalid_choice"));
        assert_eq!(e.get("fiscal_year_start_month"), Some("out_of_range"));
        assert_eq!(e.get("locale"), Some("invalid_choice"));
        assert_eq!(e.get("week_start"), Some("invalid_number"));
        assert_eq!(e.get("time_zone"), Some("invalid_choice"));
    }
}
