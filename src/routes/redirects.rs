//! Old addresses (from an import) and where they lead now, for editors
//! and for frontends that answer old links with a 301.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::domain::access::Scope;
use crate::error::{responses, ApiError};
use crate::import::redirects::{destinations, old_address};
use crate::repo;
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{edition_filter, ApiQuery, AppState, Db};

/// What a redirect leads to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedirectTarget {
    /// `post` (posts and pages), `category`, `tag`, `media` or `author`.
    pub kind: String,
    pub id: i64,
}

/// An old address and where it leads now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedirectResponse {
    pub id: i64,
    /// The old address as it is matched: path and query, percent-decoded,
    /// lower-case, without a trailing slash (`/2013/01/10/hello-world`,
    /// `/?p=12`).
    pub from: String,
    /// Where it leads now: the frontend path of the post, page, category,
    /// tag or author (as in `alternates`), or a media file's URL; null
    /// when what it led to is gone.
    pub to: Option<String>,
    /// 301, or 410 when what it led to is gone.
    pub status: u16,
    /// Edition code of the target.
    pub edition: Option<String>,
    pub target: RedirectTarget,
}

list_query! {
    pub struct RedirectListQuery {
        /// Only redirects into this edition (code).
        #[param(min_length = 1)]
        pub edition: Option<String>,
        /// Only the redirect of this old address: a path (`/2013/01/10/hello-world/`,
        /// `/?p=12`) or a whole URL, matched regardless of case,
        /// percent-encoding and a trailing slash.
        #[param(min_length = 1, max_length = 2048)]
        pub from: Option<String>,
    }
}

/// List redirects from old addresses (editors).
///
/// Imports record every old address of what they bring in: WordPress
/// permalinks, `/?p=ID`, `/?page_id=ID`, `/category/...`, `/tag/...`,
/// `/author/...`, attachment pages and upload URLs. `to` is worked out
/// now, so it follows later renames.
#[utoipa::path(
    tag = "redirects",
    params(RedirectListQuery),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of redirects, by old address", body = ListResponse<RedirectResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/redirects")]
pub async fn list_redirects(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<RedirectListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::Read)?;
    let from = match q.from.as_deref() {
        None => None,
        Some(raw) => Some(old_address(raw).ok_or_else(|| ApiError::BadParameter {
            location: "query",
            param: "from".into(),
            message: "must be a path starting with `/` or `?`, or a URL".into(),
        })?),
    };
    let page = q.page_request()?;
    let request = page.clone();
    let media_url = state.media_url.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let edition_id = edition_filter(&editions, q.edition.as_deref())?;
            let window = page.window("from", &repo::imports::REDIRECT_KEYS)?;
            let (mut rows, total) =
                repo::imports::list_redirects(conn, edition_id, from.as_deref(), &window)?;
            let next = page.next_cursor("from", &mut rows, total, |r| {
                (vec![r.from_path.as_str().into()], r.id)
            });
            let to = destinations(conn, &editions, &media_url, &rows)?;
            let data = rows
                .into_iter()
                .zip(to)
                .map(|(r, to)| RedirectResponse {
                    id: r.id,
                    status: if to.is_some() { 301 } else { 410 },
                    to,
                    from: r.from_path,
                    edition: r.edition_id.map(|id| editions.code(id).to_string()),
                    target: RedirectTarget {
                        kind: r.target_kind,
                        id: r.target_id,
                    },
                })
                .collect::<Vec<_>>();
            Ok((data, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}
