//! Page numbers, the list envelope, and the `Link` / `X-Total-Count` headers.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::keyset::{self, Key};
pub use crate::db::keyset::{KeyValue, Window};
use crate::error::ApiError;
use crate::routes::fields::{Fields, FIELDS_MEDIA_TYPE};

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// The largest page number: what a signed 32-bit integer holds.
pub const MAX_PAGE: u32 = i32::MAX as u32;
pub const X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// Declares the query parameters of a list operation: `page` and
/// `per_page` plus the fields given, parsed strictly (unknown parameters
/// are rejected) and documented in the OpenAPI document.
macro_rules! list_query {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Page number, from 1.
            #[param(minimum = 1, maximum = 2147483647)]
            pub page: Option<u32>,
            /// Items per page, 1 to 100 (default 20).
            #[param(minimum = 1, maximum = 100)]
            pub per_page: Option<u32>,
            /// Instead of `page`: continue after the page that answered
            /// this `meta.next_cursor` (same filters and order). Deep pages
            /// cost what the first does, and items added meanwhile are
            /// neither repeated nor skipped.
            #[param(min_length = 1, max_length = 2048)]
            pub cursor: Option<String>,
            $($fields)*
        }

        impl $name {
            pub fn page_request(&self) -> Result<$crate::routes::pagination::PageRequest, $crate::error::ApiError> {
                $crate::routes::pagination::PageRequest::new(self.page, self.per_page)?
                    .with_cursor(self.page.is_some(), self.cursor.as_deref())
            }
        }
    };
}
pub(crate) use list_query;

/// Which page of a list a request asks for: a page number, or the items
/// after a cursor.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
    pub cursor: Option<Cursor>,
}

/// The longest text a sort key holds (titles, names, slugs) with room to spare.
const MAX_KEY_BYTES: usize = 4096;

/// Where a page ended, for the next: the order it was made for, the sort
/// key values of its last item and that item's id (or, for orders by
/// relevance, how many items came before the next page). Sent as
/// base64url JSON; opaque to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "k")]
    pub keys: Vec<KeyValue>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    pub fn new(order: &str, keys: Vec<KeyValue>, id: i64) -> Cursor {
        Cursor {
            order: order.to_string(),
            keys,
            id,
        }
    }

    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// A cursor is checked like any parameter, since anyone can forge one:
    /// its texts must be text a database can hold (no NUL, which
    /// PostgreSQL refuses) of a length a sort key can have.
    fn decode(raw: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()?;
        let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
        let plausible = |text: &str| text.len() <= MAX_KEY_BYTES && !text.contains('\0');
        let keys_ok = cursor.keys.iter().all(|k| match k {
            KeyValue::Text(text) => plausible(text),
            _ => true,
        });
        (keys_ok && plausible(&cursor.order)).then_some(cursor)
    }

    /// The cursor, if it was made for `order`; a 400 otherwise.
    pub fn check(&self, order: &str) -> Result<&Cursor, ApiError> {
        if self.order == order {
            Ok(self)
        } else {
            Err(ApiError::query(
                "cursor",
                format!("was made for the order `{}`, not `{order}`", self.order),
            ))
        }
    }
}

impl PageRequest {
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<PageRequest, ApiError> {
        let page = page.unwrap_or(1);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::query(
                "page",
                format!("must be a whole number from 1 to {MAX_PAGE}"),
            ));
        }
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::query(
                "per_page",
                format!("must be a whole number from 1 to {MAX_PER_PAGE}"),
            ));
        }
        Ok(PageRequest {
            page,
            per_page,
            cursor: None,
        })
    }

    /// Adds the cursor a request gave (not with `page`).
    pub fn with_cursor(self, paged: bool, raw: Option<&str>) -> Result<PageRequest, ApiError> {
        let Some(raw) = raw else { return Ok(self) };
        if paged {
            return Err(ApiError::query(
                "cursor",
                "give `page` or `cursor`, not both",
            ));
        }
        let cursor = Cursor::decode(raw).ok_or_else(|| {
            ApiError::query(
                "cursor",
                "is not a cursor this API gave (use `meta.next_cursor`)",
            )
        })?;
        Ok(PageRequest {
            cursor: Some(cursor),
            ..self
        })
    }

    /// The rows to ask the database for: a page by offset, or, after a
    /// cursor, one more than a page (to know whether another follows).
    /// `keys` are the order's keys before the id, which the cursor's
    /// values must fit.
    pub fn window(&self, order: &str, keys: &[Key]) -> Result<Window, ApiError> {
        match &self.cursor {
            None => Ok(Window {
                limit: self.limit(),
                offset: self.offset(),
                after: None,
            }),
            Some(c) => {
                let c = c.check(order)?;
                if !keyset::fits(keys, &c.keys) {
                    return Err(ApiError::query("cursor", "does not fit this list"));
                }
                Ok(Window {
                    limit: self.limit() + 1,
                    offset: 0,
                    after: Some((c.keys.clone(), c.id)),
                })
            }
        }
    }

    /// The rows to ask for in an order without keys (relevance), where a
    /// cursor records how many items came before the next page.
    pub fn offset_window(&self, order: &str) -> Result<Window, ApiError> {
        match &self.cursor {
            None => self.window(order, &[]),
            Some(c) => match c.check(order)?.keys[..] {
                [KeyValue::Int(offset)] if offset >= 0 => Ok(Window {
                    limit: self.limit() + 1,
                    offset,
                    after: None,
                }),
                _ => Err(ApiError::query("cursor", "does not fit this list")),
            },
        }
    }

    /// Whether more items follow `rows`, the rows of this page's window
    /// (the extra row of a cursor window is dropped).
    fn more<T>(&self, rows: &mut Vec<T>, total: i64) -> bool {
        match self.cursor {
            Some(_) => {
                let more = rows.len() > self.per_page as usize;
                rows.truncate(self.per_page as usize);
                more
            }
            None => self.offset() + (rows.len() as i64) < total,
        }
    }

    /// Trims `rows` to the page; answers the cursor after its last row when
    /// more follow. `key` gives a row's sort key values and id.
    pub fn next_cursor<T>(
        &self,
        order: &str,
        rows: &mut Vec<T>,
        total: i64,
        key: impl Fn(&T) -> (Vec<KeyValue>, i64),
    ) -> Option<Cursor> {
        if !self.more(rows, total) {
            return None;
        }
        let (keys, id) = key(rows.last()?);
        Some(Cursor::new(order, keys, id))
    }

    /// Like [`PageRequest::next_cursor`] for [`PageRequest::offset_window`]s.
    pub fn next_offset_cursor<T>(
        &self,
        order: &str,
        window: &Window,
        rows: &mut Vec<T>,
        total: i64,
    ) -> Option<Cursor> {
        if !self.more(rows, total) {
            return None;
        }
        let next = window.offset + rows.len() as i64;
        Some(Cursor::new(order, vec![KeyValue::Int(next)], 0))
    }

    /// Pages a whole list held in memory, already in the order named
    /// `order`: ascending by `key` (sort key values, then id), or
    /// descending by it when `desc`. Answers the page, the total and the
    /// next cursor.
    pub fn in_memory<T>(
        &self,
        order: &str,
        items: Vec<T>,
        desc: bool,
        key: impl Fn(&T) -> (Vec<KeyValue>, i64),
    ) -> Result<(Vec<T>, i64, Option<Cursor>), ApiError> {
        let total = items.len() as i64;
        let mut rows: Vec<T> = match &self.cursor {
            None => items
                .into_iter()
                .skip(self.offset() as usize)
                .take(self.per_page as usize)
                .collect(),
            Some(c) => {
                let c = c.check(order)?;
                let after = (c.keys.clone(), c.id);
                items
                    .into_iter()
                    .filter(|item| {
                        let k = key(item);
                        if desc {
                            k < after
                        } else {
                            k > after
                        }
                    })
                    .take(self.per_page as usize + 1)
                    .collect()
            }
        };
        let next = self.next_cursor(order, &mut rows, total, &key);
        Ok((rows, total, next))
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// Where a page sits in the whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// This page's number, from 1 (null for a page asked for by `cursor`).
    pub page: Option<u32>,
    pub per_page: u32,
    /// Items in the whole list (an estimate when `total_is_estimate`).
    pub total: i64,
    /// Pages that can be asked for (0 for an empty list). Exact counts
    /// give `total / per_page` rounded up; with an estimate, the pages of
    /// the items that were ranked.
    pub total_pages: i64,
    /// Whether `total` (and `X-Total-Count`) is an estimate: a search
    /// matching more posts than the server ranks (the newest
    /// `NASHR_SEARCH_WINDOW`, 1,000 unless set) estimates how many match
    /// in all rather than count them; its pages end with the ranked ones.
    pub total_is_estimate: bool,
    /// Pass as `cursor` for the items after this page; null on the last.
    pub next_cursor: Option<String>,
}

/// Links to neighbouring pages; the same links are in the `Link` header.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub first: String,
    /// Absent on the first page.
    pub prev: Option<String>,
    /// Absent on the last page.
    pub next: Option<String>,
    pub last: String,
}

/// Every list answers this envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
    pub links: PageLinks,
}

impl<T: Serialize> ListResponse<T> {
    /// The envelope for `data`, a page of `total` items. `next_cursor`
    /// is the cursor after the page's last item when more follow.
    pub fn new(
        req: &HttpRequest,
        base_url: &str,
        data: Vec<T>,
        total: i64,
        page: PageRequest,
        next_cursor: Option<Cursor>,
    ) -> Self {
        let per_page = i64::from(page.per_page);
        let total_pages = (total + per_page - 1) / per_page;
        let last = total_pages.max(1);
        let url = |n: i64| page_url(req, base_url, "page", &n.to_string());
        let next_cursor = next_cursor.map(|c| c.encode());
        let links = if page.cursor.is_some() {
            PageLinks {
                this: format!("{base_url}{}", req.uri()),
                first: url(1),
                prev: None,
                next: next_cursor
                    .as_ref()
                    .map(|c| page_url(req, base_url, "cursor", c)),
                last: url(last),
            }
        } else {
            let current = i64::from(page.page);
            PageLinks {
                this: url(current),
                first: url(1),
                prev: (current > 1).then(|| url((current - 1).min(last))),
                next: (current < total_pages).then(|| url(current + 1)),
                last: url(last),
            }
        };
        ListResponse {
            data,
            meta: PageMeta {
                page: page.cursor.is_none().then_some(page.page),
                per_page: page.per_page,
                total,
                total_pages,
                total_is_estimate: false,
                next_cursor,
            },
            links,
        }
    }

    /// The same list with `Some(estimate)` of its total where it was
    /// estimated: its pages and links stay those of the items at hand.
    pub fn estimated(mut self, estimate: Option<i64>) -> Self {
        if let Some(total) = estimate {
            self.meta.total = total;
            self.meta.total_is_estimate = true;
        }
        self
    }

    /// The `200` answer with only `fields` of each item (all without).
    pub fn respond_with(self, fields: Option<&Fields>) -> HttpResponse {
        let Some(fields) = fields else {
            return self.respond();
        };
        let headers = self.headers();
        let mut body = serde_json::to_value(&self).unwrap_or_default();
        fields.prune(&mut body["data"]);
        let mut res = HttpResponse::Ok();
        for header in headers {
            res.insert_header(header);
        }
        res.content_type(FIELDS_MEDIA_TYPE)
            .body(serde_json::to_vec(&body).unwrap_or_default())
    }

    /// The `Link` and `X-Total-Count` headers.
    fn headers(&self) -> [(HeaderName, String); 2] {
        let mut link = Vec::with_capacity(5);
        for (rel, href) in [
            ("self", Some(&self.links.this)),
            ("first", Some(&self.links.first)),
            ("prev", self.links.prev.as_ref()),
            ("next", self.links.next.as_ref()),
            ("last", Some(&self.links.last)),
        ] {
            if let Some(href) = href {
                link.push(format!("<{href}>; rel=\"{rel}\""));
            }
        }
        [
            (header::LINK, link.join(", ")),
            (X_TOTAL_COUNT, self.meta.total.to_string()),
        ]
    }

    /// The `200` answer: the envelope with `Link` and `X-Total-Count`.
    pub fn respond(self) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        for header in self.headers() {
            res.insert_header(header);
        }
        res.json(self)
    }
}

/// An item that writes its own JSON (kept bytes, see
/// [`ListResponse::respond_written`]): the same JSON it serializes to.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

impl<T: Serialize + WriteJson> ListResponse<T> {
    /// The `200` answer as [`ListResponse::respond_with`] gives it, each
    /// item writing its own JSON into the envelope (no JSON tree, no
    /// serializer walking the items) unless `fields` prunes them.
    pub fn respond_written(self, fields: Option<&Fields>) -> HttpResponse {
        if fields.is_some() {
            return self.respond_with(fields);
        }
        let mut body = Vec::with_capacity(16 * 1024);
        body.extend_from_slice(b"{\"data\":[");
        for (i, item) in self.data.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            item.write_json(&mut body);
        }
        body.extend_from_slice(b"],\"meta\":");
        // Writing to memory fails only for values JSON cannot hold.
        let _ = serde_json::to_writer(&mut body, &self.meta);
        body.extend_from_slice(b",\"links\":");
        let _ = serde_json::to_writer(&mut body, &self.links);
        body.push(b'}');
        let mut res = HttpResponse::Ok();
        for header in self.headers() {
            res.insert_header(header);
        }
        res.content_type("application/json").body(body)
    }
}

/// This request's URL with `param` (`page` or `cursor`) set to `value`
/// and the other one removed, other parameters kept in order.
fn page_url(req: &HttpRequest, base_url: &str, param: &str, value: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut placed = false;
    for (key, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key == "page" || key == "cursor" {
            if !placed {
                query.append_pair(param, value);
                placed = true;
            }
        } else {
            query.append_pair(&key, &v);
        }
    }
    if !placed {
        query.append_pair(param, value);
    }
    format!("{base_url}{}?{}", req.path(), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn page_bounds_are_checked() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(0)).is_err());
        assert!(PageRequest::new(None, Some(101)).is_err());
        let p = PageRequest::new(Some(3), Some(10)).unwrap();
        assert_eq!((p.limit(), p.offset()), (10, 20));
    }

    #[test]
    fn links_keep_other_parameters_and_encode_them() {
        let req = TestRequest::get()
            .uri("/api/v1/posts?edition=fa&page=2&category=%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1")
            .to_http_request();
        let list = ListResponse::new(
            &req,
            "http://x",
            vec![1, 2],
            45,
            PageRequest::new(Some(2), Some(20)).unwrap(),
            None,
        );
        assert_eq!(list.meta.total_pages, 3);
        assert_eq!(
            list.links.next.as_deref(),
            Some("http://x/api/v1/posts?edition=fa&page=3&category=%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1")
        );
        assert_eq!(
            list.links.prev.as_deref(),
            Some("http://x/api/v1/posts?edition=fa&page=1&category=%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1")
        );
        assert!(list
            .links
            .last
            .ends_with("page=3&category=%D8%A7%D8%AE%D8%A8%D8%A7%D8%B1"));
    }

    #[test]
    fn past_the_end_points_back_to_the_last_page() {
        let req = TestRequest::get()
            .uri("/api/v1/tags?page=9")
            .to_http_request();
        let list = ListResponse::<i32>::new(
            &req,
            "",
            vec![],
            45,
            PageRequest::new(Some(9), Some(20)).unwrap(),
            None,
        );
        assert_eq!(list.links.prev.as_deref(), Some("/api/v1/tags?page=3"));
        assert_eq!(list.links.next, None);
    }
}
