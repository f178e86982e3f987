//! Block-theme menus: a `wp_navigation` post holds its menu as a tree of
//! `navigation-link` and `navigation-submenu` blocks. Here they become the
//! links a classic menu (`nav_menu_item`) would have had.

use serde_json::Value;

/// One link of a navigation block tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// From 1, in document order.
    pub number: i64,
    /// The number of the submenu it is in; 0 at the top.
    pub parent: i64,
    pub label: String,
    /// `post_type`, `taxonomy` or `custom`, as classic menu items say.
    pub kind: String,
    /// `page`, `post`, `category`, `post_tag` or `custom`.
    pub object: String,
    /// The WordPress id of the post or term it points at (0: none).
    pub object_id: i64,
    pub url: String,
}

/// The links of navigation block markup, parents before their children.
/// Other blocks (a page list, a search box, spacers) are passed over.
pub fn links(content: &str) -> Vec<Link> {
    let mut out = Vec::new();
    let mut open: Vec<i64> = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let Some(end) = after.find("-->") else {
            break;
        };
        let comment = after[..end].trim();
        rest = &after[end + 3..];
        if comment.starts_with("/wp:navigation-submenu") {
            open.pop();
            continue;
        }
        let (submenu, attrs) = match (
            comment.strip_prefix("wp:navigation-link"),
            comment.strip_prefix("wp:navigation-submenu"),
        ) {
            (Some(attrs), _) => (false, attrs),
            (_, Some(attrs)) => (true, attrs),
            _ => continue,
        };
        let self_closing = attrs.trim_end().ends_with('/');
        let attrs = attrs.trim().trim_end_matches('/').trim();
        let attrs: Value = serde_json::from_str(attrs).unwrap_or(Value::Null);
        let text = |key: &str| attrs[key].as_str().unwrap_or_default().to_string();
        let (kind, object) = match (text("kind").as_str(), text("type").as_str()) {
            ("post-type", t @ ("page" | "post")) => ("post_type", t.to_string()),
            ("taxonomy", "category") => ("taxonomy", "category".to_string()),
            ("taxonomy", "tag" | "post_tag") => ("taxonomy", "post_tag".to_string()),
            _ => ("custom", "custom".to_string()),
        };
        let number = out.len() as i64 + 1;
        out.push(Link {
            number,
            parent: open.last().copied().unwrap_or(0),
            label: text("label"),
            kind: kind.to_string(),
            object,
            object_id: attrs["id"].as_i64().unwrap_or(0),
            url: text("url"),
        });
        if submenu && !self_closing {
            open.push(number);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_nest_under_their_submenus() {
        let markup = r##"<!-- wp:navigation-link {"label":"Home","type":"custom","url":"http://x/","kind":"custom"} /-->

<!-- wp:navigation-submenu {"label":"Parent Page","type":"page","id":1088,"url":"http://x/parent/","kind":"post-type"} -->
<!-- wp:navigation-link {"label":"Child","type":"page","id":1090,"url":"http://x/parent/child/","kind":"post-type"} /-->
<!-- wp:navigation-submenu {"label":"Deeper","type":"custom","url":"#","kind":"custom"} -->
<!-- wp:navigation-link {"label":"News","type":"category","id":7,"url":"http://x/c/news/","kind":"taxonomy"} /-->
<!-- /wp:navigation-submenu -->
<!-- /wp:navigation-submenu -->
<!-- wp:page-list /-->
<!-- wp:navigation-link {"label":"Tagged","type":"tag","id":9,"url":"http://x/t/a/","kind":"taxonomy"} /-->"##;
        let got: Vec<(i64, i64, &str, &str, &str, i64)> = links(markup)
            .iter()
            .map(|l| {
                (
                    l.number,
                    l.parent,
                    l.label.as_str(),
                    l.kind.as_str(),
                    l.object.as_str(),
                    l.object_id,
                )
            })
            .map(|(n, p, l, k, o, i)| (n, p, leak(l), leak(k), leak(o), i))
            .collect();
        assert_eq!(
            got,
            [
                (1, 0, "Home", "custom", "custom", 0),
                (2, 0, "Parent Page", "post_type", "page", 1088),
                (3, 2, "Child", "post_type", "page", 1090),
                (4, 2, "Deeper", "custom", "custom", 0),
                (5, 4, "News", "taxonomy", "category", 7),
                (6, 0, "Tagged", "taxonomy", "post_tag", 9),
            ]
        );
        assert_eq!(links("<!-- wp:navigation-link {broken /-->")[0].label, "");
        assert!(links("<p>no blocks</p><!-- unclosed").is_empty());
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_string().into_boxed_str())
    }
}
