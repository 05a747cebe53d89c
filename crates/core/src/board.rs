//! The pipeline board: close-period filters and column totals.

use crate::money::Money;
use chrono::{Datelike, NaiveDate};

/// The close-date windows the board and list filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosePeriod {
    Overdue,
    ThisMonth,
    NextMonth,
    ThisQuarter,
    NextQuarter,
    ThisYear,
}

impl ClosePeriod {
    pub const ALL: [ClosePeriod; 6] = [
        ClosePeriod::Overdue,
        ClosePeriod::ThisMonth,
        ClosePeriod::NextMonth,
        ClosePeriod::ThisQuarter,
        ClosePeriod::NextQuarter,
        ClosePeriod::ThisYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClosePeriod::Overdue => "overdue",
            ClosePeriod::ThisMonth => "this_month",
            ClosePeriod::NextMonth => "next_month",
            ClosePeriod::ThisQuarter => "this_quarter",
            ClosePeriod::NextQuarter => "next_quarter",
            ClosePeriod::ThisYear => "this_year",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or("invalid_choice")
    }

    /// The inclusive date range `[from, to]` of the period as seen on `today`.
    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(today);
        let add_months = |y: i32, m: u32, n: u32| {
            let idx = y * 12 + (m as i32 - 1) + n as i32;
            month_start(idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32)
        };
        let last_before = |d: NaiveDate| d.pred_opt().unwrap_or(d);
        let (y, m) = (today.year(), today.month());
        let q0 = (m - 1) / 3 * 3 + 1;
        match self {
            ClosePeriod::Overdue => (month_start(1, 1), last_before(today)),
            ClosePeriod::ThisMonth => (month_start(y, m), last_before(add_months(y, m, 1))),
            ClosePeriod::NextMonth => (add_months(y, m, 1), last_before(add_months(y, m, 2))),
            ClosePeriod::ThisQuarter => (month_start(y, q0), last_before(add_months(y, q0, 3))),
            ClosePeriod::NextQuarter => (add_months(y, q0, 3), last_before(add_months(y, q0, 6))),
            ClosePeriod::ThisYear => (month_start(y, 1), last_before(month_start(y + 1, 1))),
        }
    }
}

/// One column head: how many deals, their raw amount and their amount weighted by the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ColumnTotals {
    pub count: i64,
    pub amount: Money,
    pub weighted: Money,
}

impl ColumnTotals {
    /// Totals from the stored sum of amounts and the stage probability.
    pub fn from_sum(count: i64, amount: Money, probability: u8) -> Self {
        ColumnTotals {
            count,
            amount,
            weighted: amount.weighted(probability),
        }
    }
}

/// The board's grand totals over all columns.
pub fn grand_total(columns: &[ColumnTotals]) -> ColumnTotals {
    columns
        .iter()
        .fold(ColumnTotals::default(), |acc, c| ColumnTotals {
            count: acc.count + c.count,
            amount: acc.amount + c.amount,
            weighted: acc.weighted + c.weighted,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn periods() {
        let today = d(2026, 11, 23);
        assert_eq!(
            ClosePeriod::ThisMonth.range(today),
            (d(2026, 11, 1), d(2026, 11, 30))
        );
        assert_eq!(
            ClosePeriod::NextMonth.range(today),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ClosePeriod::ThisQuarter.range(today),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ClosePeriod::NextQuarter.range(today),
            (d(2027, 1, 1), d(2027, 3, 31))
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(today),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(ClosePeriod::Overdue.range(today).1, d(2026, 11, 22));
        assert_eq!(
            ClosePeriod::parse("next_quarter"),
            Ok(ClosePeriod::NextQuarter)
        );
    }

    #[test]
    fn the_last_month_of_a_quarter_is_still_in_that_quarter() {
        // (month, first and last day of its quarter, first day of the next quarter)
        for (m, from, to, next) in [
            (3, d(2026, 1, 1), d(2026, 3, 31), d(2026, 4, 1)),
            (6, d(2026, 4, 1), d(2026, 6, 30), d(2026, 7, 1)),
            (9, d(2026, 7, 1), d(2026, 9, 30), d(2026, 10, 1)),
            (12, d(2026, 10, 1), d(2026, 12, 31), d(2027, 1, 1)),
        ] {
            let today = d(2026, m, 15);
            assert_eq!(
                ClosePeriod::ThisQuarter.range(today),
                (from, to),
                "month {m}"
            );
            assert_eq!(ClosePeriod::NextQuarter.range(today).0, next, "month {m}");
        }
    }

    #[test]
    fn every_month_falls_in_its_calendar_quarter() {
        let quarter_starts = [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10];
        for (m, start) in (1..=12).zip(quarter_starts) {
            let today = d(2026, m, 1);
            let (from, to) = ClosePeriod::ThisQuarter.range(today);
            assert!(from <= today && today <= to, "month {m}: {from}..{to}");
            assert_eq!((from.month(), from.day()), (start, 1), "month {m}");
            assert_eq!(to.month(), start + 2, "month {m}");
        }
    }

    #[test]
    fn totals_weight_by_stage() {
        let a = ColumnTotals::from_sum(2, Money::from_minor(1_000_000), 25);
        assert_eq!(a.weighted, Money::from_minor(250_000));
        let b = ColumnTotals::from_sum(1, Money::from_minor(100), 50);
        let t = grand_total(&[a, b]);
        assert_eq!(
            (t.count, t.amount, t.weighted),
            (3, Money::from_minor(1_000_100), Money::from_minor(250_050))
        );
    }
}
