//! The i18n catalogues (Fluent, zh-CN and en) and the locale of a request.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use opportune_core::records::Locale;
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

fn lang(l: Locale) -> &'static LanguageIdentifier {
    match l {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

/// Translator handed to templates: `{{ tr.t("board-title") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Tr { locale }
    }

    /// The message `key`; a missing key shows itself, so gaps are visible (and a test fails).
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(lang(self.locale), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with one argument.
    #[allow(clippy::needless_pass_by_value)]
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> =
            HashMap::from([(Cow::Borrowed(name), FluentValue::from(value.to_string()))]);
        LOCALES
            .try_lookup_with_args(lang(self.locale), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether `key` exists in this locale's catalogue.
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(lang(self.locale), key).is_some()
    }

    pub fn is_zh(&self) -> bool {
        self.locale.is_chinese()
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        self.locale.as_str()
    }

    /// Picks the zh or en variant of a stored bilingual text.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_zh() { zh } else { en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(dir: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("locale dir") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
            for line in text.lines() {
                if let Some((k, _)) = line.split_once(" =")
                    && !k.starts_with(['#', ' ', '.'])
                    && !k.is_empty()
                {
                    out.insert(k.trim().to_owned());
                }
            }
        }
        out
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let zh = keys(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-CN"));
        let en = keys(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en"));
        assert!(zh.len() > 50, "catalogue loaded");
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh only: {only_zh:?}; en only: {only_en:?}"
        );
    }

    #[test]
    fn lookups_translate_and_take_arguments() {
        assert_eq!(Tr::new(Locale::En).t("nav-board"), "Pipeline");
        assert_eq!(Tr::new(Locale::ZhCn).t("nav-board"), "销售漏斗");
        assert!(
            Tr::new(Locale::En)
                .t1("list-total", "count", 3)
                .contains('3')
        );
    }
}
