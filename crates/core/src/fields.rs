//! Field-level validation errors: a field name and a stable code the UI translates.

use std::collections::BTreeMap;

/// One problem with one field. `code` is a stable snake_case id (`required`, `too_long`, …)
/// that the web layer looks up in the i18n catalogue as `field-<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

/// The problems found with one input, by field; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem; the first problem found for a field wins.
    pub fn add(&mut self, field: &'static str, code: &'static str) {
        self.0.entry(field).or_insert(code);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = FieldError> + '_ {
        self.0
            .iter()
            .map(|(field, code)| FieldError { field, code })
    }

    /// `Ok(value)` when no problem was recorded, else the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Takes a parse result, recording its error under `field`.
    pub fn take<T>(&mut self, field: &'static str, r: Result<T, &'static str>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(code) => {
                self.add(field, code);
                None
            }
        }
    }
}

/// A required, trimmed text of at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        Err("required")
    } else if t.chars().count() > max {
        Err("too_long")
    } else {
        Ok(t.to_owned())
    }
}

/// An optional trimmed text of at most `max` characters; blank becomes empty.
pub fn optional_text(raw: &str, max: usize) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.chars().count() > max {
        Err("too_long")
    } else {
        Ok(t.to_owned())
    }
}

/// An optional e-mail address: blank, or one `@` with text on both sides and a dot in the domain.
pub fn optional_email(raw: &str) -> Result<String, &'static str> {
    let t = optional_text(raw, 254)?;
    if t.is_empty() {
        return Ok(t);
    }
    match t.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !t.contains(char::is_whitespace) =>
        {
            Ok(t.to_lowercase())
        }
        _ => Err("invalid_email"),
    }
}

/// The fewest characters a password may have (the CLI and the administration share the rule).
pub const PASSWORD_MIN: usize = 8;
/// The most characters a password may have.
pub const PASSWORD_MAX: usize = 1024;

/// A new password, taken exactly as typed (spaces count): `PASSWORD_MIN` to `PASSWORD_MAX`
/// characters.
pub fn new_password(raw: &str) -> Result<&str, &'static str> {
    match raw.chars().count() {
        0 => Err("required"),
        n if n < PASSWORD_MIN => Err("too_short"),
        n if n > PASSWORD_MAX => Err("too_long"),
        _ => Ok(raw),
    }
}

/// An ISO date `YYYY-MM-DD` that exists in the calendar.
pub fn date(raw: &str) -> Result<chrono::NaiveDate, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("required");
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| "invalid_date")
}

/// An optional ISO date; blank is `None`.
pub fn optional_date(raw: &str) -> Result<Option<chrono::NaiveDate>, &'static str> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        date(raw).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn first_error_per_field_wins() {
        let mut e = FieldErrors::new();
        e.add("name", "required");
        e.add("name", "too_long");
        assert_eq!(e.get("name"), Some("required"));
        assert!(e.into_result(()).is_err());
    }

    #[test]
    fn no_problem_means_the_value_passes() {
        let e = FieldErrors::new();
        assert!(e.is_empty());
        assert_eq!(e.into_result(42), Ok(42));
    }

    #[test]
    fn take_keeps_a_good_value_and_records_a_bad_one() {
        let mut e = FieldErrors::new();
        assert_eq!(e.take("name", Ok::<_, &str>("华东医院")), Some("华东医院"));
        assert!(e.is_empty());
        assert_eq!(e.take::<()>("amount", Err("negative")), None);
        assert_eq!(e.get("amount"), Some("negative"));
        assert_eq!(e.get("name"), None);
    }

    #[test]
    fn every_problem_is_listed_by_field() {
        let mut e = FieldErrors::new();
        e.add("name", "required");
        e.add("amount", "negative");
        let listed: Vec<FieldError> = e.iter().collect();
        assert_eq!(
            listed,
            vec![
                FieldError {
                    field: "amount",
                    code: "negative"
                },
                FieldError {
                    field: "name",
                    code: "required"
                },
            ]
        );
    }

    #[test]
    fn a_text_of_exactly_the_maximum_length_is_accepted_one_more_is_refused() {
        // Characters are counted, not bytes: five Chinese characters are five.
        assert_eq!(required_text("一二三四五", 5), Ok("一二三四五".into()));
        assert_eq!(required_text("一二三四五六", 5), Err("too_long"));
        assert_eq!(optional_text("一二三四五", 5), Ok("一二三四五".into()));
        assert_eq!(optional_text("一二三四五六", 5), Err("too_long"));
        assert_eq!(optional_text("一二三四五六七", 5), Err("too_long"));
        // Surrounding blanks are trimmed before counting.
        assert_eq!(optional_text("  abcde  ", 5), Ok("abcde".into()));
    }

    #[test]
    fn text_rules() {
        assert_eq!(required_text("  华东医院 ", 10), Ok("华东医院".into()));
        assert_eq!(required_text("   ", 10), Err("required"));
        assert_eq!(required_text("一二三四五六", 5), Err("too_long"));
        assert_eq!(optional_text("", 5), Ok(String::new()));
    }

    #[test]
    fn email_rules() {
        assert_eq!(
            optional_email(" Li.Wei@Example.COM "),
            Ok("li.wei@example.com".into())
        );
        assert_eq!(optional_email(""), Ok(String::new()));
        for bad in ["a@b", "@x.cn", "a b@x.cn", "a@@x.cn", "a@.cn"] {
            assert_eq!(optional_email(bad), Err("invalid_email"), "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        assert_eq!(new_password(""), Err("required"));
        assert_eq!(new_password("1234567"), Err("too_short"));
        assert_eq!(new_password("密码密码密码密码"), Ok("密码密码密码密码"));
        assert_eq!(new_password(" spaces "), Ok(" spaces "));
        assert_eq!(new_password(&"x".repeat(PASSWORD_MAX + 1)), Err("too_long"));
    }

    #[test]
    fn a_password_of_exactly_the_minimum_or_maximum_length_is_accepted() {
        let shortest = "x".repeat(PASSWORD_MIN);
        assert_eq!(new_password(&shortest), Ok(shortest.as_str()));
        assert_eq!(
            new_password(&"x".repeat(PASSWORD_MIN - 1)),
            Err("too_short")
        );
        let longest = "密".repeat(PASSWORD_MAX);
        assert_eq!(new_password(&longest), Ok(longest.as_str()));
        assert_eq!(
            new_password(&"密".repeat(PASSWORD_MAX + 1)),
            Err("too_long")
        );
    }

    #[test]
    fn dates_must_exist() {
        assert!(date("2027-03-31").is_ok());
        assert_eq!(date("2027-02-30"), Err("invalid_date"));
        assert_eq!(date("31/03/2027"), Err("invalid_date"));
        assert_eq!(date(""), Err("required"));
        assert_eq!(optional_date(" "), Ok(None));
        assert_eq!(
            optional_date(" 2027-03-31 "),
            Ok(NaiveDate::from_ymd_opt(2027, 3, 31))
        );
        assert_eq!(optional_date("2027-02-30"), Err("invalid_date"));
    }
}
