//! Page numbers, the list envelope, and the `Link` / `X-Total-Count` headers.

use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

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
            $($fields)*
        }

        impl $name {
            pub fn page_request(&self) -> Result<$crate::routes::pagination::PageRequest, $crate::error::ApiError> {
                $crate::routes::pagination::PageRequest::new(self.page, self.per_page)
            }
        }
    };
}
pub(crate) use list_query;

/// Which page of a list a request asks for.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
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
        Ok(PageRequest { page, per_page })
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
    /// This page's number, from 1.
    pub page: u32,
    pub per_page: u32,
    /// Items in the whole list.
    pub total: i64,
    /// Pages in the whole list (0 for an empty list).
    pub total_pages: i64,
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
    pub fn new(
        req: &HttpRequest,
        base_url: &str,
        data: Vec<T>,
        total: i64,
        page: PageRequest,
    ) -> Self {
        let per_page = i64::from(page.per_page);
        let total_pages = (total + per_page - 1) / per_page;
        let current = i64::from(page.page);
        let last = total_pages.max(1);
        let url = |n: i64| page_url(req, base_url, n);
        let links = PageLinks {
            this: url(current),
            first: url(1),
            prev: (current > 1).then(|| url((current - 1).min(last))),
            next: (current < total_pages).then(|| url(current + 1)),
            last: url(last),
        };
        ListResponse {
            data,
            meta: PageMeta {
                page: page.page,
                per_page: page.per_page,
                total,
                total_pages,
            },
            links,
        }
    }

    /// The `200` answer: the envelope with `Link` and `X-Total-Count`.
    pub fn respond(self) -> HttpResponse {
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
        HttpResponse::Ok()
            .insert_header((header::LINK, link.join(", ")))
            .insert_header((X_TOTAL_COUNT, self.meta.total.to_string()))
            .json(self)
    }
}

/// This request's URL with `page` set to `n`, other parameters kept in order.
fn page_url(req: &HttpRequest, base_url: &str, n: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut placed = false;
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key == "page" {
            if !placed {
                query.append_pair("page", &n.to_string());
                placed = true;
            }
        } else {
            query.append_pair(&key, &value);
        }
    }
    if !placed {
        query.append_pair("page", &n.to_string());
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
        );
        assert_eq!(list.links.prev.as_deref(), Some("/api/v1/tags?page=3"));
        assert_eq!(list.links.next, None);
    }
}
