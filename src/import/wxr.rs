//! A WordPress export (WXR 1.2, Tools → Export) read as a stream of
//! [`Record`]s: authors, terms (categories, tags, menus and others) and
//! items (posts, pages, attachments, menu items, ...), one at a time, so
//! memory does not grow with the file. WordPress lists categories and tags
//! twice (`wp:category` and `wp:term`, same id): both are passed on. A
//! file that ends inside a record,
//! or is not well-formed XML, is an error naming the byte position.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;

/// An author of the site (`wp:author`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

/// A term: `wp:category`, `wp:tag` or `wp:term` (menus, post formats, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    pub id: i64,
    /// `category`, `post_tag`, `nav_menu`, `post_format`, `language`, ...
    pub taxonomy: String,
    /// As WordPress stores it: percent-encoded when not ASCII.
    pub slug: String,
    pub name: String,
    /// The parent's slug, empty at the top.
    pub parent: String,
    pub description: String,
}

/// A term an item is filed under (`<category domain=.. nicename=..>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTerm {
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
}

/// A post, page, attachment, menu item or other post type (`item`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub post_type: String,
    pub title: String,
    pub link: String,
    pub guid: String,
    /// The author's login.
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    /// `YYYY-MM-DD HH:MM:SS` in UTC, or `0000-00-00 00:00:00` for drafts.
    pub date_gmt: String,
    pub modified_gmt: String,
    /// `post_name`, percent-encoded when not ASCII; may be empty.
    pub slug: String,
    /// `publish`, `future`, `draft`, `pending`, `private`, `inherit`, `trash`.
    pub status: String,
    pub parent: i64,
    pub menu_order: i64,
    pub sticky: bool,
    /// Whether WordPress shows it only with a password.
    pub password_protected: bool,
    pub attachment_url: String,
    pub terms: Vec<ItemTerm>,
    /// `wp:postmeta` pairs, in order (`_thumbnail_id`, `_menu_item_*`, ...).
    pub meta: Vec<(String, String)>,
    /// `open` or `closed`.
    pub comment_status: String,
    pub comments: Vec<Comment>,
}

/// A comment on an item (`wp:comment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    pub date_gmt: String,
    /// HTML, as WordPress keeps it.
    pub content: String,
    /// `1`, `0` (held), `spam` or `trash`.
    pub approved: String,
    /// Empty or `comment` for comments; `pingback`, `trackback`.
    pub comment_type: String,
    pub parent: i64,
}

impl Item {
    /// The value of meta key `key`, if present.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One thing an export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A field of the site itself (`title`, `link`, `language`,
    /// `wp:base_site_url`, `wp:base_blog_url`), before its other records.
    Site {
        field: String,
        value: String,
    },
    Author(Author),
    Term(Term),
    Item(Box<Item>),
}

#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("the file ends inside {open} (byte {position}): it is truncated")]
    Truncated { position: u64, open: String },
    #[error("not a WordPress export: no <rss><channel>")]
    NotWxr,
}

/// The channel's own fields passed on as [`Record::Site`].
const SITE_FIELDS: [&str; 6] = [
    "title",
    "description",
    "link",
    "language",
    "wp:base_site_url",
    "wp:base_blog_url",
];

/// What is being read.
enum Current {
    None,
    Author(Author),
    Term(Term),
    Item(Box<Item>),
}

/// Reads records from a WXR file.
pub struct WxrReader<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Names of the open elements.
    path: Vec<String>,
    text: String,
    current: Current,
    /// `domain` and `nicename` of an item's `<category>` being read.
    term_attrs: (String, String),
    meta: (String, String),
    comment: Comment,
    seen_channel: bool,
    done: bool,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(input: R) -> Self {
        WxrReader {
            reader: Reader::from_reader(input),
            buf: Vec::with_capacity(64 * 1024),
            path: Vec::new(),
            text: String::new(),
            current: Current::None,
            term_attrs: Default::default(),
            meta: Default::default(),
            comment: Comment::default(),
            seen_channel: false,
            done: false,
        }
    }

    /// How many bytes of the input have been read.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn next_record(&mut self) -> Result<Option<Record>, WxrError> {
        loop {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf).map_err(|e| {
                let position = self.reader.error_position();
                match e {
                    // Something left open when the input ran out.
                    quick_xml::Error::Syntax(s)
                        if s != quick_xml::errors::SyntaxError::InvalidBangMarkup =>
                    {
                        WxrError::Truncated {
                            position,
                            open: s.to_string(),
                        }
                    }
                    e => WxrError::Xml {
                        position,
                        message: e.to_string(),
                    },
                }
            })?;
            let position = self.reader.buffer_position();
            let xml_error = |e: &dyn std::fmt::Display| WxrError::Xml {
                position,
                message: e.to_string(),
            };
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.text.clear();
                    if name == "channel" && self.path.last().is_some_and(|p| p == "rss") {
                        self.seen_channel = true;
                    }
                    if self.path.len() == 2 {
                        self.current = match name.as_str() {
                            "wp:author" => Current::Author(Author::default()),
                            "wp:category" => Current::Term(Term {
                                taxonomy: "category".into(),
                                ..Term::default()
                            }),
                            "wp:tag" => Current::Term(Term {
                                taxonomy: "post_tag".into(),
                                ..Term::default()
                            }),
                            "wp:term" => Current::Term(Term::default()),
                            "item" => Current::Item(Box::default()),
                            _ => Current::None,
                        };
                    }
                    if name == "category" && matches!(self.current, Current::Item(_)) {
                        let mut attrs = (String::new(), String::new());
                        for attr in e.attributes().flatten() {
                            let value = attr
                                .unescape_value()
                                .map_err(|e| xml_error(&e))?
                                .into_owned();
                            match attr.key.as_ref() {
                                b"domain" => attrs.0 = value,
                                b"nicename" => attrs.1 = value,
                                _ => {}
                            }
                        }
                        self.term_attrs = attrs;
                    }
                    if name == "wp:comment" {
                        self.comment = Comment::default();
                    }
                    self.path.push(name);
                }
                Event::Empty(_) => {}
                Event::Text(t) => {
                    let text = t.decode().map_err(|e| xml_error(&e))?;
                    self.text.push_str(&text);
                }
                Event::CData(c) => {
                    let text = c.decode().map_err(|e| xml_error(&e))?;
                    self.text.push_str(&text);
                }
                Event::GeneralRef(r) => {
                    if let Some(c) = r.resolve_char_ref().map_err(|e| xml_error(&e))? {
                        self.text.push(c);
                    } else {
                        let name = r.decode().map_err(|e| xml_error(&e))?;
                        match &*name {
                            "amp" => self.text.push('&'),
                            "lt" => self.text.push('<'),
                            "gt" => self.text.push('>'),
                            "quot" => self.text.push('"'),
                            "apos" => self.text.push('\''),
                            other => return Err(xml_error(&format!("unknown entity &{other};"))),
                        }
                    }
                }
                Event::End(_) => {
                    let Some(name) = self.path.pop() else {
                        return Err(xml_error(&"a closing tag with nothing open"));
                    };
                    let text = std::mem::take(&mut self.text);
                    if let Some(record) = self.close(&name, text) {
                        return Ok(Some(record));
                    }
                }
                Event::Eof => {
                    if let Some(open) = self.path.last() {
                        return Err(WxrError::Truncated {
                            position: self.reader.buffer_position(),
                            open: format!("<{open}>"),
                        });
                    }
                    if !self.seen_channel {
                        return Err(WxrError::NotWxr);
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    /// Takes the text of element `name`, just closed; a finished record
    /// is returned.
    fn close(&mut self, name: &str, text: String) -> Option<Record> {
        let number = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
        if self.path.len() == 2 {
            return match std::mem::replace(&mut self.current, Current::None) {
                Current::Author(a) => Some(Record::Author(a)),
                Current::Term(t) => Some(Record::Term(t)),
                Current::Item(i) => Some(Record::Item(i)),
                Current::None => SITE_FIELDS.contains(&name).then(|| Record::Site {
                    field: name.to_string(),
                    value: text.trim().to_string(),
                }),
            };
        }
        let inside_comment = name == "wp:comment" || self.path.iter().any(|p| p == "wp:comment");
        let inside_meta = self.path.iter().any(|p| p == "wp:postmeta");
        match &mut self.current {
            Current::None => {}
            Current::Author(a) => match name {
                "wp:author_id" => a.id = number(&text),
                "wp:author_login" => a.login = text,
                "wp:author_email" => a.email = text,
                "wp:author_display_name" => a.display_name = text,
                _ => {}
            },
            Current::Term(t) => match name {
                "wp:term_id" => t.id = number(&text),
                "wp:term_taxonomy" => t.taxonomy = text,
                "wp:category_nicename" | "wp:tag_slug" | "wp:term_slug" => t.slug = text,
                "wp:cat_name" | "wp:tag_name" | "wp:term_name" => t.name = text,
                "wp:category_parent" | "wp:term_parent" => t.parent = text,
                "wp:category_description" | "wp:tag_description" | "wp:term_description" => {
                    t.description = text
                }
                _ => {}
            },
            Current::Item(i) if inside_comment => match name {
                "wp:comment_id" => self.comment.id = number(&text),
                "wp:comment_author" => self.comment.author = text,
                "wp:comment_author_email" => self.comment.author_email = text,
                "wp:comment_author_url" => self.comment.author_url = text,
                "wp:comment_author_IP" => self.comment.author_ip = text,
                "wp:comment_date_gmt" => self.comment.date_gmt = text,
                "wp:comment_content" => self.comment.content = text,
                "wp:comment_approved" => self.comment.approved = text.trim().to_string(),
                "wp:comment_type" => self.comment.comment_type = text.trim().to_string(),
                "wp:comment_parent" => self.comment.parent = number(&text),
                "wp:comment" => i.comments.push(std::mem::take(&mut self.comment)),
                _ => {}
            },
            Current::Item(i) if inside_meta || name == "wp:postmeta" => match name {
                "wp:meta_key" => self.meta.0 = text,
                "wp:meta_value" => self.meta.1 = text,
                "wp:postmeta" => i.meta.push(std::mem::take(&mut self.meta)),
                _ => {}
            },
            Current::Item(i) => match name {
                "title" => i.title = text,
                "link" => i.link = text,
                "guid" => i.guid = text,
                "dc:creator" => i.creator = text,
                "content:encoded" => i.content = text,
                "excerpt:encoded" => i.excerpt = text,
                "wp:post_id" => i.id = number(&text),
                "wp:post_date_gmt" => i.date_gmt = text,
                "wp:post_modified_gmt" => i.modified_gmt = text,
                "wp:post_name" => i.slug = text,
                "wp:status" => i.status = text,
                "wp:post_parent" => i.parent = number(&text),
                "wp:menu_order" => i.menu_order = number(&text),
                "wp:comment_status" => i.comment_status = text.trim().to_string(),
                "wp:post_type" => i.post_type = text,
                "wp:is_sticky" => i.sticky = text.trim() == "1",
                "wp:post_password" => i.password_protected = !text.is_empty(),
                "wp:attachment_url" => i.attachment_url = text,
                "category" => {
                    let (taxonomy, slug) = std::mem::take(&mut self.term_attrs);
                    i.terms.push(ItemTerm {
                        taxonomy,
                        slug,
                        name: text,
                    });
                }
                _ => {}
            },
        }
        None
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<Record, WxrError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const WPTEST: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wordpress/wptest.xml"
    );

    fn read_all(bytes: &[u8]) -> Result<Vec<Record>, WxrError> {
        WxrReader::new(bytes).collect()
    }

    #[test]
    fn the_wordpress_test_export_reads_whole() {
        let bytes = std::fs::read(WPTEST).unwrap();
        let records = read_all(&bytes).unwrap();
        let mut types: BTreeMap<String, usize> = BTreeMap::new();
        let mut items = Vec::new();
        let mut terms = Vec::new();
        let mut authors = Vec::new();
        let mut site = BTreeMap::new();
        for r in records {
            match r {
                Record::Site { field, value } => {
                    site.insert(field, value);
                }
                Record::Item(i) => {
                    *types.entry(i.post_type.clone()).or_default() += 1;
                    items.push(i);
                }
                Record::Term(t) => terms.push(t),
                Record::Author(a) => authors.push(a),
            }
        }
        assert_eq!(site["wp:base_blog_url"], "http://wptest.io/demo");
        assert_eq!(site["language"], "en-US");
        assert_eq!(types["post"], 37);
        assert_eq!(types["page"], 15);
        assert_eq!(types["attachment"], 45);
        assert_eq!(types["nav_menu_item"], 102);
        assert_eq!(authors.len(), 1);
        assert_eq!(authors[0].login, "admin");
        // WordPress lists categories and tags twice (`wp:category` and
        // `wp:term`); the same id both times.
        let categories: Vec<&Term> = terms.iter().filter(|t| t.taxonomy == "category").collect();
        let ids: std::collections::BTreeSet<i64> = categories.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 42);
        assert!(
            categories.iter().any(|c| !c.parent.is_empty()),
            "nested categories"
        );
        assert!(terms.iter().any(|t| t.taxonomy == "post_tag"));
        assert!(terms.iter().any(|t| t.taxonomy == "nav_menu"));
        // Every item has an id and a type; entities and CDATA come out as text.
        assert!(items.iter().all(|i| i.id > 0 && !i.post_type.is_empty()));
        assert!(items.iter().any(|i| i.sticky));
        assert!(items.iter().any(|i| i.meta("_thumbnail_id").is_some()));
        assert!(items
            .iter()
            .any(|i| i.comments.iter().any(|c| c.approved == "1")));
        assert!(items
            .iter()
            .filter(|i| i.post_type == "attachment")
            .all(|i| i.attachment_url.starts_with("http")));
        assert!(items
            .iter()
            .any(|i| i.terms.iter().any(|t| t.taxonomy == "post_tag")));
    }

    #[test]
    fn a_truncated_or_malformed_export_is_an_error() {
        let bytes = std::fs::read(WPTEST).unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let err = read_all(cut).unwrap_err();
        assert!(matches!(err, WxrError::Truncated { .. }), "{err}");
        let err =
            read_all(b"<rss><channel><item><title>x</wrong></item></channel></rss>").unwrap_err();
        assert!(matches!(err, WxrError::Xml { .. }), "{err}");
        let err = read_all(b"<html><body>not an export</body></html>").unwrap_err();
        assert!(matches!(err, WxrError::NotWxr), "{err}");
    }

    #[test]
    fn entities_and_cdata_become_text() {
        let xml = b"<rss><channel><item><title>A &amp; B &#1575;</title>\
            <content:encoded><![CDATA[<p>x</p>]]></content:encoded>\
            <wp:post_id>7</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>";
        let records = read_all(xml).unwrap();
        let Record::Item(item) = &records[0] else {
            panic!("an item")
        };
        assert_eq!(item.title, "A & B ا");
        assert_eq!(item.content, "<p>x</p>");
        assert_eq!(item.id, 7);
    }
}
