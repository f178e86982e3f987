//! Old addresses and where they lead now. An old address is kept as its
//! path and query, percent-decoded, lower-cased, without a trailing slash,
//! so that `/2013/01/10/Hello-World/`, `/2013/01/10/hello-world` and
//! `https://old.example/2013/01/10/hello-world/` are one address. Where it
//! leads is worked out when asked, so renaming a post moves its redirects.

use std::collections::HashMap;

use diesel::QueryResult;

use crate::db::Conn;
use crate::domain::paths;
use crate::import::wordpress::values::percent_decoded;
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::imports::RedirectRow;

/// What a redirect leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Post(i64),
    Category(i64),
    Tag(i64),
    Media(i64),
    Author(i64),
}

impl Target {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Target::Post(id) => ("post", id),
            Target::Category(id) => ("category", id),
            Target::Tag(id) => ("tag", id),
            Target::Media(id) => ("media", id),
            Target::Author(id) => ("author", id),
        }
    }
}

/// The old address of a URL or path as it is stored and looked up; `None`
/// for something that is not a URL or path.
pub fn old_address(url_or_path: &str) -> Option<String> {
    let s = url_or_path.trim();
    let rest = match s.find("://") {
        Some(i) => {
            let after = &s[i + 3..];
            match after.find(['/', '?']) {
                Some(j) => &after[j..],
                None => "/",
            }
        }
        None => s,
    };
    let rest = rest.split('#').next().unwrap_or_default();
    if !rest.starts_with('/') && !rest.starts_with('?') {
        return None;
    }
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut path = percent_decoded(path).to_lowercase();
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path.is_empty() {
        path.push('/');
    }
    match query.filter(|q| !q.is_empty()) {
        Some(q) => Some(format!("{path}?{}", percent_decoded(q).to_lowercase())),
        None => Some(path),
    }
}

/// Where each redirect leads now: a path for posts, categories, tags and
/// authors, a file URL for media; `None` when the target is gone.
pub fn destinations(
    conn: &mut Conn,
    editions: &Editions,
    media_url: &str,
    rows: &[RedirectRow],
) -> QueryResult<Vec<Option<String>>> {
    let ids = |kind: &str| -> Vec<i64> {
        rows.iter()
            .filter(|r| r.target_kind == kind)
            .map(|r| r.target_id)
            .collect()
    };
    let by_id = |rows: Vec<(i64, i64, String)>| -> HashMap<i64, (i64, String)> {
        rows.into_iter()
            .map(|(id, e, slug)| (id, (e, slug)))
            .collect()
    };
    let posts = by_id(repo::posts::slugs_by_ids(conn, &ids("post"))?);
    let categories = by_id(repo::categories::slugs_by_ids(conn, &ids("category"))?);
    let tags = by_id(repo::tags::slugs_by_ids(conn, &ids("tag"))?);
    let authors: HashMap<i64, String> = repo::users::authors_by_ids(conn, &ids("author"))?
        .into_iter()
        .map(|a| (a.id, a.slug))
        .collect();
    let media: HashMap<i64, String> = repo::media::by_ids(conn, &ids("media"))?
        .into_iter()
        .filter_map(|m| {
            let url = match (m.storage_key, m.source_url) {
                (Some(key), _) => format!("{media_url}/{key}"),
                (None, Some(source)) => source,
                (None, None) => return None,
            };
            Some((m.id, url))
        })
        .collect();
    let path = |map: &HashMap<i64, (i64, String)>, id: i64, make: fn(&str, &str) -> String| {
        map.get(&id)
            .map(|(edition, slug)| make(editions.code(*edition), slug))
    };
    Ok(rows
        .iter()
        .map(|r| match r.target_kind.as_str() {
            "post" => path(&posts, r.target_id, paths::post),
            "category" => path(&categories, r.target_id, paths::category),
            "tag" => path(&tags, r.target_id, paths::tag),
            "author" => authors.get(&r.target_id).map(|slug| paths::author(slug)),
            "media" => media.get(&r.target_id).cloned(),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_are_one_form() {
        let want = Some("/2013/01/10/hello-world".to_string());
        assert_eq!(old_address("/2013/01/10/Hello-World/"), want);
        assert_eq!(old_address("/2013/01/10/hello-world"), want);
        assert_eq!(
            old_address("https://old.example/2013/01/10/hello-world/#comments"),
            want
        );
        assert_eq!(
            old_address("http://old.example/?p=12"),
            Some("/?p=12".into())
        );
        assert_eq!(
            old_address("http://old.example/fa/%D8%A2%D8%B2%D8%A7%D8%AF%DB%8C/"),
            Some("/fa/آزادی".into())
        );
        assert_eq!(old_address("http://old.example"), Some("/".into()));
        assert_eq!(old_address("not a path"), None);
    }
}
