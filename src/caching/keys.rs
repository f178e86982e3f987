//! What a public response shows, as surrogate keys: its collection
//! (`posts`, `feeds`) and `<kind>-<id>` for every item in it, embedded ones
//! included (`post-12 author-3 category-5 tag-9 media-40`), and
//! `<kind>-<id>-posts` where the response shows that item's count of live
//! posts (`category-5-posts`). The same words
//! name what a change makes stale (the change log's `surrogate_keys`), so
//! the cache drops a response when a change names one of its keys, and a
//! CDN purges by them (`Surrogate-Key`, `Cache-Tag`).

use std::collections::BTreeSet;

use serde_json::Value;

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

/// The keys of the response to `path` with `body`, if it has any.
pub fn of_response(path: &str, body: &[u8]) -> Option<Keys> {
    let rest = path
        .strip_prefix("/api/v1/")
        .or_else(|| path.strip_prefix('/'))?;
    let collection = rest.split(['/', '.']).next().filter(|c| !c.is_empty())?;
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
        // Feeds and sitemaps list posts.
        "feeds" | "sitemap" | "sitemaps" => {
            return Some(keys(BTreeSet::from(["posts".to_string()]), false));
        }
        // The API description changes with the code only.
        "openapi" => return Some(keys(BTreeSet::new(), false)),
        _ => return Some(keys(BTreeSet::new(), true)),
    };
    let mut items = BTreeSet::new();
    let mut list = true;
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        match value.get("data") {
            Some(found) => collect(found, kind, &mut items),
            None => {
                list = false;
                collect(&value, kind, &mut items);
            }
        }
    }
    Some(Keys {
        list,
        ..keys(items, false)
    })
}

/// Adds `<kind>-<id>` for `value` and what it embeds.
fn collect(value: &Value, kind: &str, keys: &mut BTreeSet<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, kind, keys)),
        Value::Object(fields) => {
            if let Some(id) = fields.get("id").and_then(Value::as_i64) {
                keys.insert(format!("{kind}-{id}"));
                // A count of its live posts changes with them, where its
                // name alone does not.
                if fields.contains_key("post_count") {
                    keys.insert(format!("{kind}-{id}-posts"));
                }
            }
            for (name, v) in fields {
                let inner = match name.as_str() {
                    "author" => "author",
                    "categories" => "category",
                    "tags" => "tag",
                    "featured_media" | "media" | "avatar" => "media",
                    "gallery" => "gallery",
                    "translations" | "children" | "embedded" => kind,
                    "items" => "menu-item",
                    // A menu item's target: a post, page, category or tag.
                    "target" => match fields.get("type").and_then(Value::as_str) {
                        Some("post" | "page") => "post",
                        Some("category") => "category",
                        Some("tag") => "tag",
                        _ => continue,
                    },
                    _ => continue,
                };
                collect(v, inner, keys);
            }
        }
        _ => {}
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
        // A count of posts is named apart from the name it is shown with.
        let category = of_response("/api/v1/categories/5", br#"{"id":5,"post_count":2}"#).unwrap();
        assert_eq!(category.header(), "categories category-5 category-5-posts");
        assert!(!keys.stale_after(&BTreeSet::from(["category-5-posts".to_string()])));
        let redirects = of_response("/api/v1/redirects", b"{}").unwrap();
        assert!(redirects.stale_after(&BTreeSet::from(["tag-1".to_string()])));
    }
}
