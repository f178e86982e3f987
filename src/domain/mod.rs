//! Pure types and rules, free of HTTP and SQL.

pub mod access;
pub mod content;
pub mod embed;
pub mod languages;
pub mod limits;
pub mod search;
pub mod slug;
pub mod text;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// Declares a closed set of lowercase string values stored as TEXT.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "`{other}` is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Writing direction of an edition's script.
    Direction { Ltr => "ltr", Rtl => "rtl" }
}

text_enum! {
    /// An article (dated, listed) or a static page.
    PostKind { Article => "article", Page => "page" }
}

text_enum! {
    /// Where a post is in the publishing workflow.
    PostStatus {
        Draft => "draft",
        /// Goes live by itself when `published_at` passes.
        Scheduled => "scheduled",
        Published => "published",
        Archived => "archived",
    }
}

text_enum! {
    /// What a media item holds.
    MediaKind {
        Image => "image",
        Video => "video",
        Audio => "audio",
        Document => "document",
        /// A video hosted elsewhere (YouTube, Vimeo), shown through its player.
        Embed => "embed",
    }
}

text_enum! {
    /// What a user may do, from most to least.
    Role { Admin => "admin", Editor => "editor", Author => "author", Contributor => "contributor" }
}

impl PostStatus {
    /// Statuses that can be live: a scheduled post is live once its time passes.
    pub const MAYBE_LIVE: [&'static str; 2] = ["published", "scheduled"];
}

/// Now, in UTC, truncated to what both databases store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored UTC time as it is answered: RFC 3339, whole seconds, `Z`.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t.trunc_subsecs(0), Utc)
}

/// Parses a time bound given as RFC 3339 (`2020-05-01T12:00:00Z`,
/// `2020-05-01T15:30:00+03:30`) or a date (`2020-05-01`, midnight UTC).
pub fn parse_time(s: &str) -> Result<NaiveDateTime, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc).naive_utc());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
    }
    Err("must be an RFC 3339 time (2020-05-01T12:00:00Z) or a date (2020-05-01)".into())
}

/// What a menu item points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MenuItemType {
    Category,
    Tag,
    Post,
    Page,
    /// A link given as a URL or path.
    Url,
}

impl MenuItemType {
    /// Every value, in the order the API documents them.
    pub const ALL: &'static [MenuItemType] = &[
        MenuItemType::Category,
        MenuItemType::Tag,
        MenuItemType::Post,
        MenuItemType::Page,
        MenuItemType::Url,
    ];
}

/// A reference to a resource by numeric id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrSlug {
    Id(i64),
    Slug(String),
}

impl IdOrSlug {
    /// Parses a comma-separated list such as `12,news,اخبار`.
    pub fn parse_list(s: &str) -> Result<Vec<IdOrSlug>, String> {
        let items: Vec<IdOrSlug> = s
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| match part.parse::<i64>() {
                Ok(id) => IdOrSlug::Id(id),
                Err(_) => IdOrSlug::Slug(part.to_string()),
            })
            .collect();
        if items.is_empty() {
            return Err("must name at least one id or slug".into());
        }
        if items.len() > 50 {
            return Err("names more than 50 items".into());
        }
        Ok(items)
    }
}

impl fmt::Display for IdOrSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdOrSlug::Id(id) => write!(f, "{id}"),
            IdOrSlug::Slug(slug) => f.write_str(slug),
        }
    }
}

/// The paths a frontend shows resources at, relative to its own base URL.
/// Posts and pages share one namespace per edition, as their slugs do.
pub mod paths {
    pub fn edition_home(edition: &str) -> String {
        format!("/{edition}/")
    }

    pub fn post(edition: &str, slug: &str) -> String {
        format!("/{edition}/{slug}")
    }

    pub fn category(edition: &str, slug: &str) -> String {
        format!("/{edition}/category/{slug}")
    }

    pub fn tag(edition: &str, slug: &str) -> String {
        format!("/{edition}/tag/{slug}")
    }

    pub fn author(slug: &str) -> String {
        format!("/author/{slug}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_accept_rfc3339_with_offsets_and_dates() {
        assert_eq!(
            parse_time("2020-05-01T15:30:00+03:30").unwrap().to_string(),
            "2020-05-01 12:00:00"
        );
        assert_eq!(
            parse_time("2020-05-01").unwrap().to_string(),
            "2020-05-01 00:00:00"
        );
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn id_or_slug_lists_split_on_commas() {
        assert_eq!(
            IdOrSlug::parse_list("12, اخبار").unwrap(),
            vec![IdOrSlug::Id(12), IdOrSlug::Slug("اخبار".into())]
        );
        assert!(IdOrSlug::parse_list(" , ").is_err());
    }

    #[test]
    fn enums_round_trip_their_text() {
        for s in PostStatus::ALL {
            assert_eq!(s.as_str().parse::<PostStatus>().unwrap(), *s);
        }
        assert!("trash".parse::<PostStatus>().is_err());
    }
}
