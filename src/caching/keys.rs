//! What a public response shows, as surrogate keys: its collection
//! (`posts`, `feeds`) and `<kind>-<id>` for every item in it, embedded ones
//! included (`post-12 author-3 category-5 tag-9 media-40`), and
//! `<kind>-<id>-posts` where the response shows that item's count of live
//! posts (`category-5-posts`). The same words
//! name what a change makes stale (the change log's `surrogate_keys`), so
//! the cache drops a response when a change names one of its keys, and a
//! CDN purges by them (`Surrogate-Key`, `Cache-Tag`).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

/// Longest `Surrogate-Key` header; beyond it only the collection is named,
/// which a CDN purges all the same.
const MAX_HEADER_LEN: usize = 8 * 1024;

/// The keys of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub collection: String,
    /// A list of the collection (any change in it may show), rather than
    /// one item (named by its own key).
    pub list: bool,
    pub items: BTreeSet<String>,
    /// A response that shows content but names none of it (redirects,
    /// the API's index): any public change makes it stale.
    pub everything: bool,
}

impl Keys {
    /// The keys of a response that names nothing it shows.
    pub fn everything() -> Keys {
        Keys {
            collection: "api".into(),
            list: true,
            items: BTreeSet::new(),
            everything: true,
        }
    }

    /// Whether a change naming `changed` makes this response stale.
    pub fn stale_after(&self, changed: &BTreeSet<String>) -> bool {
        self.everything || self.names().any(|k| changed.contains(k))
    }

    /// The keys that decide when this response goes stale: a list's
    /// collection, and every item shown. (An item's answer also names its
    /// collection, for CDNs that purge a whole collection at once.)
    pub fn names(&self) -> impl Iterator<Item = &String> {
        let collection = self.list.then_some(&self.collection);
        collection.into_iter().chain(&self.items)
    }

    /// Adds what the list's order shows: posts ordered by their comment
    /// count go stale when a count changes (`comment-counts`).
    pub fn note_order(&mut self, query: &str) {
        let by_comments = form_urlencoded::parse(query.as_bytes())
            .any(|(k, v)| k == "sort" && v.contains("comment_count"));
        if self.collection == "posts" && self.list && by_comments {
            self.items.insert("comment-counts".into());
        }
    }

    /// The `Surrogate-Key` header: the keys, space-separated, as many as
    /// fit.
    pub fn header(&self) -> String {
        let mut out = self.collection.clone();
        for key in &self.items {
            if out.len() + key.len() + 1 > MAX_HEADER_LEN {
                break;
            }
            out.push(' ');
            out.push_str(key);
        }
        out
    }
}

/// The collection a public path belongs to (`posts` for
/// `/api/v1/posts/3`, `feeds` for `/feeds/en.xml`).
fn collection(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix('/'))?;
    rest.split(['/', '.']).next().filter(|c| !c.is_empty())
}

/// The keys of a post's comments (`/api/v1/posts/{id}/comments`): stale
/// when they change, or the post does.
fn of_comments(path: &str) -> Option<Keys> {
    let id: i64 = path
        .strip_prefix("/api/v1/posts/")?
        .strip_suffix("/comments")?
        .parse()
        .ok()?;
    Some(Keys {
        collection: "comments".into(),
        list: false,
        items: BTreeSet::from([format!("post-{id}"), format!("post-{id}-comments")]),
        everything: false,
    })
}

/// The keys of the response to `path` with `body`, if it has any.
pub fn of_response(path: &str, body: &[u8]) -> Option<Keys> {
    if let Some(keys) = of_comments(path) {
        return Some(keys);
    }
    let collection = collection(path)?;
    let keys = |items: BTreeSet<String>, everything: bool| Keys {
        collection: collection.to_string(),
        list: true,
        items,
        everything,
    };
    let kind = match collection {
        "posts" => "post",
        "categories" => "category",
        "tags" => "tag",
        "authors" => "author",
        "editions" => "edition",
        "menus" => "menu",
        "media" => "media",
        // The site's settings: stale when they change (`site`), or a
        // picture they show does.
        "site" => return Some(keys(of_item("site", body), false)),
        // Feeds and sitemaps list posts.
        "feeds" | "sitemap" | "sitemaps" => {
            return Some(keys(BTreeSet::from(["posts".to_string()]), false));
        }
        // The API description changes with the code only.
        "openapi" => return Some(keys(BTreeSet::new(), false)),
        _ => return Some(keys(BTreeSet::new(), true)),
    };
    let mut items = BTreeSet::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let list = Top {
        kind,
        keys: &mut items,
    }
    .deserialize(&mut de)
    // Not JSON (or not an object): it names nothing of its own.
    .unwrap_or(true);
    Some(Keys {
        list,
        ..keys(items, false)
    })
}

/// The keys of the response to `path` whose handler named what it shows
/// ([`super::Named`]): the same keys [`of_response`] finds in its body.
pub fn of_named(path: &str, list: bool, items: BTreeSet<String>) -> Option<Keys> {
    Some(Keys {
        collection: collection(path)?.to_string(),
        list,
        items,
        everything: false,
    })
}

/// The keys one item of `kind` names, from its JSON (as [`of_response`]
/// finds them in a body that shows it).
pub fn of_item(kind: &str, json: &[u8]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut de = serde_json::Deserializer::from_slice(json);
    // Not JSON: it names nothing.
    let _ = Item::new(kind, &mut keys).deserialize(&mut de);
    keys
}

/// The kind of what a field of an object of `kind` holds, if it names
/// things: `None` for fields that name nothing (skipped unread).
fn inner_kind<'k>(kind: &'k str, field: &str) -> Option<&'k str> {
    Some(match field {
        "author" => "author",
        "categories" => "category",
        "tags" => "tag",
        "featured_media" | "media" | "avatar" | "logo" | "icon" => "media",
        "gallery" => "gallery",
        "translations" | "children" | "embedded" | "previous" | "next" => kind,
        "items" => "menu-item",
        _ => return None,
    })
}

/// The kind a menu item's `target` is of, by the item's `type`.
fn target_kind(item_type: &str) -> Option<&'static str> {
    match item_type {
        "post" | "page" => Some("post"),
        "category" => Some("category"),
        "tag" => Some("tag"),
        _ => None,
    }
}

/// A whole response body: a list envelope (`data`), or one item. Answers
/// whether it is a list. Bodies are read as a stream: what names nothing
/// (texts, contents) is skipped, not copied.
struct Top<'a> {
    kind: &'a str,
    keys: &'a mut BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a response body")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        let mut list = false;
        Item {
            kind: self.kind,
            keys: self.keys,
            data: Some(&mut list),
        }
        .visit_map(map)?;
        Ok(list)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        Item::new(self.kind, self.keys).visit_seq(seq)?;
        Ok(false)
    }
}

/// A value inside a body: adds `<kind>-<id>` for every object with an
/// `id` and what it embeds (and `<kind>-<id>-posts` where it shows a
/// `post_count`).
struct Item<'a, 'b> {
    kind: &'a str,
    keys: &'a mut BTreeSet<String>,
    /// At the top: a `data` field is the list, and is noted here.
    data: Option<&'b mut bool>,
}

impl<'a> Item<'a, '_> {
    fn new(kind: &'a str, keys: &'a mut BTreeSet<String>) -> Item<'a, 'static> {
        Item {
            kind,
            keys,
            data: None,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Item<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Item<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Item::new(self.kind, &mut *self.keys))?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut id = None;
        let mut counted = false;
        let mut item_type: Option<String> = None;
        // A menu item's target, until its `type` (before or after it) says
        // what it is.
        let mut target = BTreeSet::new();
        while let Some(field) = map.next_key::<Cow<'de, str>>()? {
            match field.as_ref() {
                "id" => id = map.next_value::<Id>()?.0,
                "post_count" => {
                    counted = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "type" => item_type = map.next_value::<Option<String>>().ok().flatten(),
                "target" => map.next_value_seed(Item::new("?", &mut target))?,
                "data" if self.data.is_some() => {
                    if let Some(list) = self.data.take() {
                        *list = true;
                    }
                    map.next_value_seed(Item::new(self.kind, &mut *self.keys))?;
                }
                name => match inner_kind(self.kind, name) {
                    Some(inner) => map.next_value_seed(Item::new(inner, &mut *self.keys))?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        if let Some(id) = id {
            self.keys.insert(format!("{}-{id}", self.kind));
            // A count of its live posts changes with them, where its name
            // alone does not.
            if counted {
                self.keys.insert(format!("{}-{id}-posts", self.kind));
            }
        }
        if let Some(kind) = item_type.as_deref().and_then(target_kind) {
            for key in target {
                match key.strip_prefix("?-") {
                    Some(rest) => self.keys.insert(format!("{kind}-{rest}")),
                    None => self.keys.insert(key),
                };
            }
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An `id` field: a whole number, or anything else (named by nothing).
struct Id(Option<i64>);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Id, D::Error> {
        Ok(Id(serde_json::Value::deserialize(de)?.as_i64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_items_and_what_they_embed() {
        let body = br#"{"data":[{"id":3,"author":{"id":2},"categories":[{"id":5}],
            "featured_media":{"id":40}},{"id":4,"translations":[{"id":9}]}]}"#;
        let keys = of_response("/api/v1/posts", body).unwrap();
        assert_eq!(
            keys.header(),
            "posts author-2 category-5 media-40 post-3 post-4 post-9"
        );
        let menu = br#"{"id":1,"items":[{"id":7,"type":"category","target":{"id":12},
            "children":[{"id":8,"type":"post","target":{"id":30}}]}]}"#;
        let keys = of_response("/api/v1/menus/1", menu).unwrap();
        for key in ["menu-1", "category-12", "post-30"] {
            assert!(keys.items.contains(key), "{key} in {keys:?}");
        }
        assert!(keys.stale_after(&BTreeSet::from(["category-12".to_string()])));
        assert!(!keys.stale_after(&BTreeSet::from(["post-12".to_string()])));
        // One item is stale when it changes, not when its collection does.
        let one = of_response("/api/v1/posts/3", br#"{"id":3}"#).unwrap();
        assert_eq!(one.header(), "posts post-3");
        assert!(!one.stale_after(&BTreeSet::from(["posts".to_string()])));
        // So is one menu: it goes with `menu-1`, not with `menus`.
        assert!(!keys.stale_after(&BTreeSet::from(["menus".to_string()])));
        assert!(keys.stale_after(&BTreeSet::from(["menu-1".to_string()])));
        // A target's kind comes from its item's `type`, before or after it;
        // what names nothing (a post's text) is skipped.
        let menu = br#"{"id":2,"items":[{"target":{"id":31},"type":"page","label":"x"}]}"#;
        let keys = of_response("/api/v1/menus/2", menu).unwrap();
        assert_eq!(keys.header(), "menus menu-2 post-31");
        let post = br#"{"id":5,"content":"<p>\"id\": 9</p>","tags":[{"id":4,"slug":"a"}]}"#;
        assert_eq!(
            of_response("/api/v1/posts/5", post).unwrap().header(),
            "posts post-5 tag-4"
        );
        // A count of posts is named apart from the name it is shown with.
        let category = of_response("/api/v1/categories/5", br#"{"id":5,"post_count":2}"#).unwrap();
        assert_eq!(category.header(), "categories category-5 category-5-posts");
        assert!(!keys.stale_after(&BTreeSet::from(["category-5-posts".to_string()])));
        let redirects = of_response("/api/v1/redirects", b"{}").unwrap();
        assert!(redirects.stale_after(&BTreeSet::from(["tag-1".to_string()])));
    }
}
