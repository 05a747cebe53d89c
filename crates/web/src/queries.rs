//! The query strings both surfaces read (the API's and the pages' lists and board), parsed into
//! storage filters: one reading of a filter wherever it comes from.

use chrono::NaiveDate;
use opportune_core::FieldErrors;
use opportune_core::board::{Calendar, ClosePeriod};
use opportune_db::opportunities::{OppFilter, Sort};
use opportune_db::shares::ShareKind;
use serde::Deserialize;
use utoipa::IntoParams;

/// Filters, sort and paging of the list. `period` is one of overdue, this_month, next_month,
/// this_quarter, next_quarter, this_year; `sort` one of close, -close, amount, -amount, name,
/// -updated, -certainty.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    pub q: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub owner_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub team_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub process_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub stage_id: Option<i64>,
    pub status: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub account_id: Option<i64>,
    pub period: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub close_from: Option<NaiveDate>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub close_to: Option<NaiveDate>,
    pub sort: Option<String>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

impl ListQuery {
    /// The storage filter, or the fields whose values are not accepted.
    /// The storage filter as of `cal` (close periods are its fiscal ones), or the fields whose
    /// values are not accepted.
    pub fn filter(&self, cal: Calendar) -> Result<OppFilter, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut f = OppFilter {
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            owner_id: self.owner_id,
            team_id: self.team_id,
            process_id: self.process_id,
            stage_id: self.stage_id,
            status: None,
            account_id: self.account_id,
            close_from: self.close_from,
            close_to: self.close_to,
        };
        if let Some(s) = self.status.as_deref().filter(|s| !s.is_empty()) {
            f.status = e
                .take("status", opportune_core::records::OppStatus::parse(s))
                .map(|s| s.as_str().to_owned());
        }
        if let Some(p) = self.period.as_deref().filter(|p| !p.is_empty())
            && let Some(p) = e.take("period", ClosePeriod::parse(p))
        {
            let (from, to) = p.range(cal);
            f.close_from = Some(f.close_from.map_or(from, |x| x.max(from)));
            f.close_to = Some(f.close_to.map_or(to, |x| x.min(to)));
        }
        e.into_result(f)
    }

    pub fn sort(&self) -> Result<Sort, FieldErrors> {
        let mut e = FieldErrors::new();
        let s = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => e.take("sort", Sort::parse(s)),
            None => Some(Sort::CloseAsc),
        };
        e.into_result(s.unwrap_or(Sort::CloseAsc))
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct BoardQuery {
    /// The process whose stages make the columns; the first process when absent.
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub process_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub owner_id: Option<i64>,
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub team_id: Option<i64>,
    pub period: Option<String>,
    pub q: Option<String>,
    /// Cards per column (1–200, default 20: the soonest to close; the column's head counts them
    /// all).
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub per_column: Option<i64>,
    /// Cards to skip in each column, to page down the columns.
    #[serde(deserialize_with = "crate::json::empty_as_none")]
    pub offset: Option<i64>,
}

/// Cards a column shows unless the query asks for more: a screen's worth, soonest close first.
/// What a board costs to build follows its cards (docs/PERFORMANCE.md, fix 30).
pub const CARDS_PER_COLUMN: i64 = 20;

impl BoardQuery {
    /// The cards per column asked for, within 1–200.
    pub fn per_column(&self) -> i64 {
        self.per_column.unwrap_or(CARDS_PER_COLUMN).clamp(1, 200)
    }

    /// What the board asks for: its process, the filter of its open deals (as of `today`),
    /// and the cards per column from `offset`.
    pub fn request(&self, cal: Calendar) -> Result<opportune_app::board::Request, FieldErrors> {
        let lq = ListQuery {
            q: self.q.clone(),
            owner_id: self.owner_id,
            team_id: self.team_id,
            period: self.period.clone(),
            ..ListQuery::default()
        };
        Ok(opportune_app::board::Request {
            process_id: self.process_id,
            filter: lq.filter(cal)?,
            per_column: self.per_column(),
            offset: self.offset.unwrap_or(0).max(0),
        })
    }
}

/// The record kind named by the first path segment of a share route: `accounts`, `contacts`,
/// `leads` or `opportunities`.
pub fn share_kind(segment: &str) -> Option<ShareKind> {
    match segment {
        "accounts" => Some(ShareKind::Account),
        "contacts" => Some(ShareKind::Contact),
        "leads" => Some(ShareKind::Lead),
        "opportunities" => Some(ShareKind::Opportunity),
        _ => None,
    }
}
