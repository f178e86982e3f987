//! Who may do what: roles, scopes, and the rules for posts.
//!
//! A login (JWT) acts with every scope its user's role has. A script token
//! acts with the scopes it was given, intersected with its owner's role as
//! it is *now*, so a demotion takes effect on the next request.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{PostStatus, Role};

/// A power a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// See what the public cannot: drafts, scheduled posts, the trash, revisions.
    #[serde(rename = "read")]
    Read,
    /// Create, edit, publish and delete posts and pages (as the role allows).
    #[serde(rename = "posts:write")]
    PostsWrite,
    /// Change media items.
    #[serde(rename = "media:write")]
    MediaWrite,
    /// Create, edit and delete categories and tags.
    #[serde(rename = "taxonomy:write")]
    TaxonomyWrite,
    /// Create, edit and delete menus.
    #[serde(rename = "menus:write")]
    MenusWrite,
    /// Read, approve, edit and delete reader comments (editors, admins).
    #[serde(rename = "comments:moderate")]
    CommentsModerate,
    /// Webhooks: make, change, test and delete them (admins).
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    /// The site's settings: name, tagline, logo, social links (admins).
    #[serde(rename = "settings:write")]
    SettingsWrite,
    /// Users, editions, and other people's tokens.
    #[serde(rename = "admin")]
    Admin,
    /// Your own account: name, slug and bio; your password and e-mail
    /// (with a login token and the current password); your own script
    /// tokens.
    #[serde(rename = "account")]
    Account,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Scope::Read,
        Scope::PostsWrite,
        Scope::MediaWrite,
        Scope::TaxonomyWrite,
        Scope::MenusWrite,
        Scope::CommentsModerate,
        Scope::WebhooksWrite,
        Scope::SettingsWrite,
        Scope::Admin,
        Scope::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::PostsWrite => "posts:write",
            Scope::MediaWrite => "media:write",
            Scope::TaxonomyWrite => "taxonomy:write",
            Scope::MenusWrite => "menus:write",
            Scope::CommentsModerate => "comments:moderate",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::SettingsWrite => "settings:write",
            Scope::Admin => "admin",
            Scope::Account => "account",
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a scope"))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes, stored space-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(pub BTreeSet<Scope>);

impl Scopes {
    pub fn of(scopes: &[Scope]) -> Scopes {
        Scopes(scopes.iter().copied().collect())
    }

    /// Parses what [`Scopes::to_string`] wrote; unknown words are dropped.
    pub fn parse_stored(s: &str) -> Scopes {
        Scopes(
            s.split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect(),
        )
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn intersect(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.intersection(&other.0).copied().collect())
    }

    pub fn is_subset(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

impl Role {
    /// Everything a user with this role may do.
    pub fn scopes(self) -> Scopes {
        use Scope::*;
        match self {
            Role::Admin => Scopes::of(&Scope::ALL),
            Role::Editor => Scopes::of(&[
                Read,
                PostsWrite,
                MediaWrite,
                TaxonomyWrite,
                MenusWrite,
                CommentsModerate,
                Account,
            ]),
            Role::Author => Scopes::of(&[Read, PostsWrite, MediaWrite, Account]),
            Role::Contributor => Scopes::of(&[Read, PostsWrite, Account]),
        }
    }

    /// Editors and admins act on everyone's posts; authors and
    /// contributors on their own.
    pub fn edits_others(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Contributors write drafts; everyone else may publish.
    pub fn may_publish(self) -> bool {
        self != Role::Contributor
    }
}

/// Who is writing: a user and their role (what a write's rules need of a
/// login or a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

impl Actor {
    /// Whoever runs the server's own commands (the CLI, the importer, a
    /// restore): may do anything, and is no user (ids start at 1).
    pub const SYSTEM: Actor = Actor {
        user_id: 0,
        role: Role::Admin,
    };
}

/// Why a post action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

/// May a user with `role` (and id `user`) change a post by `author` that is
/// now in `current` status (None for a new post), leaving it in `next`?
pub fn may_write_post(
    role: Role,
    user: i64,
    author: Option<i64>,
    current: Option<PostStatus>,
    next: PostStatus,
) -> Result<(), Denied> {
    let own = author == Some(user) || current.is_none();
    if !own && !role.edits_others() {
        return Err(Denied(format!("a {role} may only change their own posts")));
    }
    if !role.may_publish() {
        if next != PostStatus::Draft {
            return Err(Denied(
                "contributors write drafts; an editor publishes them".into(),
            ));
        }
        if current.is_some_and(|s| s != PostStatus::Draft) {
            return Err(Denied(
                "contributors may not change a post once it is submitted".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_intersect() {
        let stored = Scopes::of(&[Scope::Read, Scope::Admin]).to_string();
        assert_eq!(stored, "read admin");
        let parsed = Scopes::parse_stored(&stored);
        assert_eq!(
            parsed.intersect(&Role::Editor.scopes()),
            Scopes::of(&[Scope::Read])
        );
        assert!("posts:write".parse::<Scope>().is_ok());
        assert!("root".parse::<Scope>().is_err());
    }

    #[test]
    fn post_rules_follow_the_roles() {
        use PostStatus::*;
        assert!(may_write_post(Role::Editor, 1, Some(2), Some(Draft), Published).is_ok());
        assert!(may_write_post(Role::Author, 1, Some(2), Some(Draft), Draft).is_err());
        assert!(may_write_post(Role::Author, 1, Some(1), Some(Draft), Published).is_ok());
        assert!(may_write_post(Role::Contributor, 1, None, None, Draft).is_ok());
        assert!(may_write_post(Role::Contributor, 1, None, None, Published).is_err());
        assert!(may_write_post(Role::Contributor, 1, Some(1), Some(Published), Draft).is_err());
        assert!(may_write_post(Role::Contributor, 1, Some(1), Some(Draft), Scheduled).is_err());
    }
}
