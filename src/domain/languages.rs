//! Languages Nashr knows by code: an edition made from a code alone (by
//! `nashr edition create fa` or a WordPress import into an edition that
//! does not exist yet) takes its names and writing direction from here.

use crate::domain::Direction;

/// A language: its English name, its own name, its writing direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    pub code: &'static str,
    pub name: &'static str,
    pub native_name: &'static str,
    pub direction: Direction,
}

const fn ltr(code: &'static str, name: &'static str, native_name: &'static str) -> Language {
    Language {
        code,
        name,
        native_name,
        direction: Direction::Ltr,
    }
}

const fn rtl(code: &'static str, name: &'static str, native_name: &'static str) -> Language {
    Language {
        code,
        name,
        native_name,
        direction: Direction::Rtl,
    }
}

const LANGUAGES: &[Language] = &[
    rtl("ar", "Arabic", "العربية"),
    rtl("fa", "Persian", "فارسی"),
    rtl("he", "Hebrew", "עברית"),
    rtl("ur", "Urdu", "اردو"),
    rtl("ps", "Pashto", "پښتو"),
    rtl("ckb", "Central Kurdish", "کوردی"),
    rtl("sd", "Sindhi", "سنڌي"),
    rtl("ug", "Uyghur", "ئۇيغۇرچە"),
    rtl("yi", "Yiddish", "ייִדיש"),
    rtl("dv", "Dhivehi", "ދިވެހި"),
    ltr("en", "English", "English"),
    ltr("sq", "Albanian", "Shqip"),
    ltr("az", "Azerbaijani", "Azərbaycanca"),
    ltr("bn", "Bengali", "বাংলা"),
    ltr("bs", "Bosnian", "Bosanski"),
    ltr("de", "German", "Deutsch"),
    ltr("el", "Greek", "Ελληνικά"),
    ltr("es", "Spanish", "Español"),
    ltr("fr", "French", "Français"),
    ltr("hi", "Hindi", "हिन्दी"),
    ltr("hr", "Croatian", "Hrvatski"),
    ltr("hy", "Armenian", "Հայերեն"),
    ltr("id", "Indonesian", "Bahasa Indonesia"),
    ltr("it", "Italian", "Italiano"),
    ltr("ja", "Japanese", "日本語"),
    ltr("ka", "Georgian", "ქართული"),
    ltr("kk", "Kazakh", "Қазақша"),
    ltr("ko", "Korean", "한국어"),
    ltr("ku", "Kurdish", "Kurdî"),
    ltr("mk", "Macedonian", "Македонски"),
    ltr("ms", "Malay", "Bahasa Melayu"),
    ltr("nl", "Dutch", "Nederlands"),
    ltr("pl", "Polish", "Polski"),
    ltr("pt", "Portuguese", "Português"),
    ltr("ro", "Romanian", "Română"),
    ltr("ru", "Russian", "Русский"),
    ltr("sr", "Serbian", "Српски"),
    ltr("sv", "Swedish", "Svenska"),
    ltr("sw", "Swahili", "Kiswahili"),
    ltr("tg", "Tajik", "Тоҷикӣ"),
    ltr("tr", "Turkish", "Türkçe"),
    ltr("uk", "Ukrainian", "Українська"),
    ltr("uz", "Uzbek", "Oʻzbekcha"),
    ltr("vi", "Vietnamese", "Tiếng Việt"),
    ltr("zh", "Chinese", "中文"),
];

/// The language of BCP 47 code `code` (`fa`, `pt-BR`, `en_US` as
/// WordPress writes it): by the whole code, then by its language subtag.
pub fn find(code: &str) -> Option<Language> {
    let code = code.trim().replace('_', "-").to_ascii_lowercase();
    let primary = code.split('-').next().unwrap_or_default();
    LANGUAGES
        .iter()
        .find(|l| l.code == code)
        .or_else(|| LANGUAGES.iter().find(|l| l.code == primary))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_whole_or_by_their_language() {
        assert_eq!(find("fa").unwrap().direction, Direction::Rtl);
        assert_eq!(find("en-US").unwrap().name, "English");
        assert_eq!(find("pt_BR").unwrap().native_name, "Português");
        assert_eq!(find("AR").unwrap().native_name, "العربية");
        assert!(find("xx").is_none());
    }
}
