//! Money as whole minor units (fen, cents): exact sums, never floating point.

use rust_decimal::Decimal;
use std::fmt;

/// An amount in minor units of the organization's currency (two decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(i64);

/// The largest amount accepted: 10^15 major units, far beyond any deal, well inside i64.
const MAX_MINOR: i64 = 100_000_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Self {
        Money(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses a non-negative amount in major units with at most two decimals.
    pub fn parse_decimal(d: Decimal) -> Result<Self, &'static str> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err("negative");
        }
        if d.normalize().scale() > 2 {
            return Err("too_many_decimals");
        }
        let minor = (d * Decimal::ONE_HUNDRED).trunc();
        i64::try_from(minor)
            .ok()
            .filter(|m| *m <= MAX_MINOR)
            .map(Money)
            .ok_or("too_large")
    }

    /// Parses text as a user types it: `1250000`, `1,250,000.50`, `１２５０` is refused.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let cleaned: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        if cleaned.is_empty() {
            return Err("required");
        }
        let d: Decimal = cleaned.parse().map_err(|_| "invalid_number")?;
        Self::parse_decimal(d)
    }

    /// The amount in major units as an exact decimal.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// `amount × percent / 100`, rounded half away from zero to a minor unit.
    pub fn weighted(self, percent: u8) -> Money {
        let num = i128::from(self.0) * i128::from(percent);
        let rounded = (num + 50).div_euclid(100);
        Money(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    /// Whole major units with thousands separators, for cards and column heads: `1,250,000`.
    pub fn display_major(self) -> String {
        group_thousands(self.0.div_euclid(100))
    }

    /// A compact form for dense places: `125万` in Chinese, `1.25M` in English.
    pub fn compact(self, chinese: bool) -> String {
        let major = self.0.div_euclid(100);
        if chinese {
            if major >= 100_000_000 {
                return format!("{}亿", trim_decimal(major as f64 / 1e8));
            }
            if major >= 10_000 {
                return format!("{}万", trim_decimal(major as f64 / 1e4));
            }
        } else {
            if major >= 1_000_000 {
                return format!("{}M", trim_decimal(major as f64 / 1e6));
            }
            if major >= 1_000 {
                return format!("{}K", trim_decimal(major as f64 / 1e3));
            }
        }
        major.to_string()
    }
}

fn trim_decimal(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_users_type() {
        assert_eq!(
            Money::parse("1,250,000"),
            Ok(Money::from_minor(125_000_000))
        );
        assert_eq!(Money::parse("99.5"), Ok(Money::from_minor(9_950)));
        assert_eq!(Money::parse("0"), Ok(Money::ZERO));
        assert_eq!(Money::parse("-5"), Err("negative"));
        assert_eq!(Money::parse("1.005"), Err("too_many_decimals"));
        assert_eq!(Money::parse("abc"), Err("invalid_number"));
        assert_eq!(Money::parse(""), Err("required"));
        assert_eq!(Money::parse("1e30"), Err("invalid_number"));
        assert_eq!(Money::parse("99999999999999999999"), Err("too_large"));
    }

    #[test]
    fn trailing_zeros_are_not_extra_decimals() {
        assert_eq!(Money::parse("12.500"), Ok(Money::from_minor(1_250)));
    }

    #[test]
    fn displays() {
        let m = Money::from_minor(125_000_050);
        assert_eq!(m.display_major(), "1,250,000");
        assert_eq!(m.to_string(), "1250000.50");
        assert_eq!(m.compact(true), "125万");
        assert_eq!(m.compact(false), "1.25M");
        assert_eq!(Money::from_minor(30_000_000_000).compact(true), "3亿");
    }

    #[test]
    fn minor_units_read_back_as_stored() {
        for minor in [0, 1, 99, 125_000_050, MAX_MINOR] {
            assert_eq!(Money::from_minor(minor).minor(), minor);
        }
    }

    #[test]
    fn whole_units_are_grouped_by_thousands() {
        let major = |units: i64| Money::from_minor(units * 100).display_major();
        assert_eq!(major(0), "0");
        assert_eq!(Money::from_minor(99).display_major(), "0");
        assert_eq!(major(7), "7");
        assert_eq!(major(999), "999");
        assert_eq!(major(1_000), "1,000");
        assert_eq!(major(25_000), "25,000");
        assert_eq!(major(250_000), "250,000");
        assert_eq!(major(1_000_000), "1,000,000");
        assert_eq!(major(999_999_999), "999,999,999");
    }

    #[test]
    fn a_negative_amount_keeps_its_sign() {
        assert_eq!(Money::from_minor(-125_000).display_major(), "-1,250");
        assert_eq!(Money::from_minor(-500).display_major(), "-5");
    }

    #[test]
    fn compact_form_starts_at_a_thousand_or_ten_thousand() {
        let m = |units: i64| Money::from_minor(units * 100);
        assert_eq!(m(0).compact(false), "0");
        assert_eq!(m(999).compact(false), "999");
        assert_eq!(m(1_000).compact(false), "1K");
        assert_eq!(m(2_500).compact(false), "2.5K");
        assert_eq!(m(1_000_000).compact(false), "1M");
        assert_eq!(m(9_999).compact(true), "9999");
        assert_eq!(m(10_000).compact(true), "1万");
        assert_eq!(m(100_000_000).compact(true), "1亿");
    }

    #[test]
    fn sums_add_every_amount() {
        let amounts = [
            Money::from_minor(125_000_000),
            Money::from_minor(50),
            Money::from_minor(9_950),
        ];
        assert_eq!(
            amounts.into_iter().sum::<Money>(),
            Money::from_minor(125_010_000)
        );
        assert_eq!(std::iter::empty::<Money>().sum::<Money>(), Money::ZERO);
    }

    #[test]
    fn weighting_rounds_to_the_nearest_fen() {
        assert_eq!(Money::from_minor(333).weighted(50), Money::from_minor(167));
        assert_eq!(
            Money::from_minor(1_000).weighted(25),
            Money::from_minor(250)
        );
        assert_eq!(Money::from_minor(1_000).weighted(0), Money::ZERO);
    }

    proptest! {
        #[test]
        fn decimal_round_trip(minor in 0i64..MAX_MINOR) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
        }

        #[test]
        fn weighted_never_exceeds_amount(minor in 0i64..MAX_MINOR, p in 0u8..=100) {
            prop_assert!(Money::from_minor(minor).weighted(p) <= Money::from_minor(minor));
        }
    }
}
