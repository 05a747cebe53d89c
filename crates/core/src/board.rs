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

    /// The inclusive date range `[from, to]` of the period as seen on `cal`'s today: quarters
    /// and years are fiscal, counted from the month the organization's fiscal year starts in.
    pub fn range(self, cal: Calendar) -> (NaiveDate, NaiveDate) {
        let today = cal.today;
        // Months counted from year 0: the arithmetic needs no carry between month and year.
        let start = |idx: i32| {
            NaiveDate::from_ymd_opt(idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32, 1)
                .unwrap_or(today)
        };
        let last_before = |d: NaiveDate| d.pred_opt().unwrap_or(d);
        let month = today.year() * 12 + today.month0() as i32;
        let fiscal_start = cal.fiscal_start_month.clamp(1, 12) as i32 - 1;
        let into_year = (month - fiscal_start).rem_euclid(12);
        let quarter = month - into_year % 3;
        let year = month - into_year;
        let span = |from: i32, months: i32| (start(from), last_before(start(from + months)));
        match self {
            ClosePeriod::Overdue => (start(12), last_before(today)),
            ClosePeriod::ThisMonth => span(month, 1),
            ClosePeriod::NextMonth => span(month + 1, 1),
            ClosePeriod::ThisQuarter => span(quarter, 3),
            ClosePeriod::NextQuarter => span(quarter + 3, 3),
            ClosePeriod::ThisYear => span(year, 12),
        }
    }
}

/// Where the organization stands in time: its today (in its time zone) and the month (1–12)
/// its fiscal year starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub today: NaiveDate,
    pub fiscal_start_month: u32,
}

impl Calendar {
    /// A calendar whose fiscal year is the calendar year.
    pub fn calendar_year(today: NaiveDate) -> Calendar {
        Calendar {
            today,
            fiscal_start_month: 1,
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
            ClosePeriod::ThisMonth.range(Calendar::calendar_year(today)),
            (d(2026, 11, 1), d(2026, 11, 30))
        );
        assert_eq!(
            ClosePeriod::NextMonth.range(Calendar::calendar_year(today)),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ClosePeriod::ThisQuarter.range(Calendar::calendar_year(today)),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ClosePeriod::NextQuarter.range(Calendar::calendar_year(today)),
            (d(2027, 1, 1), d(2027, 3, 31))
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(Calendar::calendar_year(today)),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(
            ClosePeriod::Overdue.range(Calendar::calendar_year(today)).1,
            d(2026, 11, 22)
        );
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
                ClosePeriod::ThisQuarter.range(Calendar::calendar_year(today)),
                (from, to),
                "month {m}"
            );
            assert_eq!(
                ClosePeriod::NextQuarter
                    .range(Calendar::calendar_year(today))
                    .0,
                next,
                "month {m}"
            );
        }
    }

    #[test]
    fn every_month_falls_in_its_calendar_quarter() {
        let quarter_starts = [1, 1, 1, 4, 4, 4, 7, 7, 7, 10, 10, 10];
        for (m, start) in (1..=12).zip(quarter_starts) {
            let today = d(2026, m, 1);
            let (from, to) = ClosePeriod::ThisQuarter.range(Calendar::calendar_year(today));
            assert!(from <= today && today <= to, "month {m}: {from}..{to}");
            assert_eq!((from.month(), from.day()), (start, 1), "month {m}");
            assert_eq!(to.month(), start + 2, "month {m}");
        }
    }

    #[test]
    fn quarters_and_years_follow_the_fiscal_year() {
        let april = |today| Calendar {
            today,
            fiscal_start_month: 4,
        };
        // January is the last quarter of the fiscal year that began in April.
        let jan = april(d(2027, 1, 15));
        assert_eq!(
            ClosePeriod::ThisQuarter.range(jan),
            (d(2027, 1, 1), d(2027, 3, 31))
        );
        assert_eq!(
            ClosePeriod::NextQuarter.range(jan),
            (d(2027, 4, 1), d(2027, 6, 30))
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(jan),
            (d(2026, 4, 1), d(2027, 3, 31))
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(april(d(2026, 4, 1))),
            (d(2026, 4, 1), d(2027, 3, 31)),
            "its first day"
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(april(d(2026, 3, 31))),
            (d(2025, 4, 1), d(2026, 3, 31)),
            "the day before"
        );
        // A February start: the quarter of January runs from November.
        let feb = Calendar {
            today: d(2026, 1, 10),
            fiscal_start_month: 2,
        };
        assert_eq!(
            ClosePeriod::ThisQuarter.range(feb),
            (d(2025, 11, 1), d(2026, 1, 31))
        );
        assert_eq!(
            ClosePeriod::ThisYear.range(feb),
            (d(2025, 2, 1), d(2026, 1, 31))
        );
        // Months are not fiscal.
        assert_eq!(
            ClosePeriod::ThisMonth.range(feb),
            (d(2026, 1, 1), d(2026, 1, 31))
        );
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
