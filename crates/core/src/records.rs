//! The closed vocabularies of the records: roles, statuses, grades, kinds, locales.

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stable text form; anything else is `invalid_choice`.
            pub fn parse(s: &str) -> Result<Self, &'static str> {
                match s.trim() { $($text => Ok($name::$variant),)+ _ => Err("invalid_choice") }
            }
        }

        /// For columns read as text (`#[sqlx(try_from = "String")]`).
        impl TryFrom<String> for $name {
            type Error = &'static str;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary!(
    /// What a user may do and see (SPEC §1).
    Role { Rep = "rep", Manager = "manager", Admin = "admin" }
);

vocabulary!(
    /// Where an opportunity stands overall.
    OppStatus { Open = "open", Won = "won", Lost = "lost", Abandoned = "abandoned" }
);

vocabulary!(
    /// Opportunity grade from the value assessment: A all-in … D defer.
    OppGrade { A = "A", B = "B", C = "C", D = "D" }
);

vocabulary!(
    /// Account grade (客户级别).
    AccountGrade { AA = "AA", A = "A", B = "B", C = "C", D = "D" }
);

vocabulary!(
    /// Account status.
    AccountStatus { Prospect = "prospect", Active = "active", Dormant = "dormant", Lost = "lost" }
);

vocabulary!(
    /// The kinds of sales activity (拜访/活动).
    ActivityKind {
        Call = "call",
        Visit = "visit",
        Meeting = "meeting",
        Demo = "demo",
        JointCall = "joint_call",
        Sample = "sample",
        SiteVisit = "site_visit",
        Email = "email",
    }
);

vocabulary!(
    /// Lead status: a lead has had no substantive contact until it qualifies.
    LeadStatus { New = "new", Contacted = "contacted", Qualified = "qualified", Disqualified = "disqualified" }
);

vocabulary!(
    /// The user interface languages.
    Locale { ZhCn = "zh-CN", En = "en" }
);

/// A new account is a prospect (as the column's default says).
impl Default for AccountStatus {
    fn default() -> Self {
        AccountStatus::Prospect
    }
}

/// A new lead is new (as the column's default says).
impl Default for LeadStatus {
    fn default() -> Self {
        LeadStatus::New
    }
}

impl OppStatus {
    pub fn is_open(self) -> bool {
        self == OppStatus::Open
    }

    /// When a deal that goes to this status `at` is closed: never while open; `at` when it
    /// leaves open (or is created closed: `before` is none); a closed deal whose closed status
    /// changes (won to lost) keeps the instant it closed.
    pub fn closed_at<T: Copy>(self, before: Option<(OppStatus, Option<T>)>, at: T) -> Option<T> {
        match before {
            _ if self.is_open() => None,
            Some((was, closed)) if !was.is_open() => closed,
            _ => Some(at),
        }
    }
}

impl Locale {
    /// Picks the best supported locale from an `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let locale = if tag.starts_with("zh") {
                Locale::ZhCn
            } else if tag.starts_with("en") {
                Locale::En
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }

    pub fn is_chinese(self) -> bool {
        self == Locale::ZhCn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deal_closes_when_it_leaves_open_and_reopens_unclosed() {
        use OppStatus::{Abandoned, Lost, Open, Won};
        assert_eq!(Open.closed_at(None, 5), None, "created open");
        assert_eq!(Won.closed_at(None, 5), Some(5), "created won");
        assert_eq!(Lost.closed_at(Some((Open, None)), 7), Some(7), "lost now");
        assert_eq!(
            Lost.closed_at(Some((Won, Some(3))), 7),
            Some(3),
            "won, then lost: closed when it was won"
        );
        assert_eq!(
            Open.closed_at(Some((Abandoned, Some(3))), 7),
            None,
            "reopened"
        );
        assert_eq!(Open.closed_at(Some((Open, None)), 7), None);
    }

    #[test]
    fn vocabularies_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(*r));
        }
        assert_eq!(
            ActivityKind::parse("joint_call"),
            Ok(ActivityKind::JointCall)
        );
        assert_eq!(OppStatus::parse("closed"), Err("invalid_choice"));
    }

    /// The rows hold these as values, and the API writes them: in JSON each must be exactly the
    /// text stored in the database (which the API wrote before the rows were typed).
    #[test]
    fn a_stored_vocabulary_writes_its_stored_text_in_json() {
        fn same<T: serde::Serialize + std::fmt::Display>(all: &[T]) {
            for v in all {
                assert_eq!(
                    serde_json::to_string(v).expect("serializes"),
                    format!("\"{v}\"")
                );
            }
        }
        same(Role::ALL);
        same(OppStatus::ALL);
        same(AccountStatus::ALL);
        same(LeadStatus::ALL);
        same(ActivityKind::ALL);
        same(crate::process::ItemKind::ALL);
    }

    #[test]
    fn a_new_account_is_a_prospect_and_a_new_lead_new() {
        assert_eq!(AccountStatus::default(), AccountStatus::Prospect);
        assert_eq!(LeadStatus::default(), LeadStatus::New);
    }

    #[test]
    fn only_an_open_deal_is_open() {
        assert!(OppStatus::Open.is_open());
        for closed in [OppStatus::Won, OppStatus::Lost, OppStatus::Abandoned] {
            assert!(!closed.is_open(), "{closed}");
        }
    }

    #[test]
    fn the_chinese_locale_is_chinese_and_english_is_not() {
        assert!(Locale::ZhCn.is_chinese());
        assert!(!Locale::En.is_chinese());
    }

    #[test]
    fn accept_language_q0_means_not_acceptable() {
        assert_eq!(Locale::from_accept_language("zh-CN;q=0"), None);
        assert_eq!(Locale::from_accept_language("fr, en;q=0.0"), None);
        assert_eq!(
            Locale::from_accept_language("zh-CN;q=0, en;q=0.1"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0, zh"),
            Some(Locale::ZhCn)
        );
    }

    #[test]
    fn accept_language_equal_weights_keep_the_first_listed() {
        assert_eq!(
            Locale::from_accept_language("zh-CN, en"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("en, zh-CN"), Some(Locale::En));
        assert_eq!(
            Locale::from_accept_language("de;q=0.9, en;q=0.5, zh;q=0.5"),
            Some(Locale::En)
        );
    }

    #[test]
    fn accept_language_prefers_the_highest_weight() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr, zh-TW;q=0.5"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("de-DE"), None);
        assert_eq!(
            Locale::from_accept_language("zh;q=0.3, en;q=0.7"),
            Some(Locale::En)
        );
    }
}
