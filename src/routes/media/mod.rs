use std::collections::{BTreeMap, HashMap};

pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::access::Scope;
use crate::domain::search::{self, SearchQuery};
use crate::domain::{self, MediaKind};
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::media::{MediaFilter, MediaRow, MediaSort};
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::principal::Viewer;
use crate::routes::{edition_filter, found, ApiQuery, AppState, Db};

/// A derived file of an image, for `srcset`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RenditionResponse {
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub mime_type: String,
    pub file_size: i64,
}

/// An image, video, audio file, document, or an external embed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaResponse {
    pub id: i64,
    pub kind: MediaKind,
    pub slug: String,
    pub title: String,
    /// Where the file is served from; for an embed, the page it plays on.
    pub url: String,
    pub mime_type: String,
    /// Bytes; null for embeds.
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Seconds, for audio and video.
    pub duration: Option<f64>,
    pub alt_text: String,
    pub caption: String,
    pub credit: String,
    /// The edition the item belongs to; null when shared by all.
    pub edition: Option<String>,
    /// A compact placeholder (BlurHash) to show while the image loads.
    pub placeholder: Option<String>,
    /// Smaller versions of a picture by name: `thumbnail` (150 square),
    /// `medium` (300 wide), `medium_large` (768), `large` (1024), `xlarge`
    /// (2048), each in the picture's format and as `<name>.webp`; only
    /// those smaller than the original.
    pub renditions: BTreeMap<String, RenditionResponse>,
    /// Public on its own: listed for everyone even while no live content
    /// uses it. Other items are public only while a live post shows them
    /// (featured or in its gallery) or they are an author's picture.
    pub listed: bool,
    /// The file's name as uploaded; only for tokens with `media:write`.
    pub original_filename: Option<String>,
    /// For documents: the number of pages.
    pub page_count: Option<i64>,
    /// For embeds: the provider, video and player.
    pub embed: Option<EmbedResponse>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Search results only: the title, alt text or caption around the
    /// words searched for (HTML-escaped), each match in `<mark>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_snippet: Option<String>,
}

/// An external video, as frontends embed it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = Embed)]
pub struct EmbedResponse {
    /// `youtube` or `vimeo`.
    pub provider: String,
    pub video_id: String,
    /// The player's URL, for an `<iframe>` (YouTube's privacy-enhanced host).
    pub embed_url: String,
    /// The provider's still image; Vimeo derives none from the URL alone.
    pub thumbnail_url: Option<String>,
    /// The canonical page of the video.
    pub url: String,
}

/// Media responses for `rows`, in the same order, with their renditions
/// loaded in one query. Uploaded file names are shown only to those who
/// manage media (`filenames`): they can say more than the item does.
pub fn media_views(
    conn: &mut Conn,
    editions: &Editions,
    state: &AppState,
    rows: Vec<MediaRow>,
    filenames: bool,
) -> Result<Vec<MediaResponse>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut renditions: HashMap<i64, BTreeMap<String, RenditionResponse>> = HashMap::new();
    for r in repo::media::renditions_of(conn, &ids)? {
        renditions.entry(r.media_id).or_default().insert(
            r.name,
            RenditionResponse {
                url: format!("{}/{}", state.media_url, r.storage_key),
                width: r.width,
                height: r.height,
                mime_type: r.mime_type,
                file_size: r.file_size,
            },
        );
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let url = match (&m.storage_key, &m.source_url) {
                (Some(key), _) => format!("{}/{key}", state.media_url),
                (None, Some(source)) => source.clone(),
                (None, None) => String::new(),
            };
            let metadata: serde_json::Value = serde_json::from_str(&m.metadata).unwrap_or_default();
            MediaResponse {
                page_count: metadata
                    .get("page_count")
                    .and_then(serde_json::Value::as_i64),
                embed: metadata
                    .get("embed")
                    .and_then(|e| serde_json::from_value(e.clone()).ok()),
                original_filename: m.original_filename.filter(|_| filenames),
                listed: m.listed,
                id: m.id,
                kind: m.kind.parse().unwrap_or(MediaKind::Document),
                renditions: renditions.remove(&m.id).unwrap_or_default(),
                edition: m.edition_id.map(|id| editions.code(id).to_string()),
                slug: m.slug,
                title: m.title,
                url,
                mime_type: m.mime_type,
                file_size: m.file_size,
                width: m.width,
                height: m.height,
                duration: m.duration,
                alt_text: m.alt_text,
                caption: m.caption,
                credit: m.credit,
                placeholder: m.placeholder,
                created_at: domain::utc(m.created_at),
                search_snippet: None,
            }
        })
        .collect())
}

list_query! {
    pub struct MediaListQuery {
        /// Only items of this edition (code).
        #[param(min_length = 1)]
        pub edition: Option<String>,
        /// Only items of this kind.
        pub kind: Option<MediaKind>,
        /// Full-text search in titles, alt texts, captions and credits,
        /// folded like the posts' `search`; most relevant first unless
        /// `sort` says otherwise.
        #[param(min_length = 1, max_length = 256)]
        pub search: Option<String>,
        /// Order; `-` is descending (default `-created_at`, or `relevance`
        /// with `search`).
        #[param(inline)]
        pub sort: Option<MediaSort>,
    }
}

/// List media items, newest first. Without a token (or with one lacking
/// `read`), only the items live content uses: featured on or in the
/// gallery of a live post, or an author's picture.
#[utoipa::path(
    tag = "media",
    params(MediaListQuery),
    responses(
        (status = 200, description = "A page of media items", body = ListResponse<MediaResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/media")]
pub async fn list_media(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    ApiQuery(q): ApiQuery<MediaListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let (public, filenames) = media_audience(&viewer);
    let search = q
        .search
        .as_deref()
        .map(SearchQuery::parse)
        .transpose()
        .map_err(|m| ApiError::query("search", m))?;
    let sort = match (q.sort, &search) {
        (Some(MediaSort::Relevance), None) => {
            return Err(ApiError::query("sort", "`relevance` needs `search`"))
        }
        (Some(sort), _) => sort,
        (None, Some(_)) => MediaSort::Relevance,
        (None, None) => MediaSort::default(),
    };
    let st = state.clone();
    let request = page.clone();
    let (data, total, next) = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let by_relevance = sort == MediaSort::Relevance && search.is_some();
            let filter = MediaFilter {
                public_at: public.then(domain::now),
                edition_id: edition_filter(&editions, q.edition.as_deref())?,
                kind: q.kind,
                search,
            };
            let window = if by_relevance {
                page.offset_window(sort.name())?
            } else {
                page.window(sort.name(), &sort.keys().0)?
            };
            let (mut rows, total) = repo::media::list(conn, &filter, sort, &window)?;
            let next = if by_relevance {
                page.next_offset_cursor(sort.name(), &window, &mut rows, total)
            } else {
                page.next_cursor(sort.name(), &mut rows, total, |m| (sort.values(m), m.id))
            };
            let mut views = media_views(conn, &editions, &st, rows, filenames)?;
            if let Some(words) = &filter.search {
                for v in &mut views {
                    v.search_snippet = [&v.title, &v.alt_text, &v.caption, &v.credit]
                        .into_iter()
                        .find_map(|text| search::snippet(text, words));
                }
            }
            Ok((views, total, next))
        })
        .await?;
    Ok(ListResponse::new(&req, &state.public_url, data, total, request, next).respond())
}

/// Whether a viewer sees only public media, and whether uploaded file names.
fn media_audience(viewer: &Viewer) -> (bool, bool) {
    let reader = viewer.reader();
    (
        reader.is_none(),
        reader.is_some_and(|p| p.scopes.contains(Scope::MediaWrite)),
    )
}

/// One media item by id; without a `read` token, only one live content uses.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id")),
    responses(
        (status = 200, description = "The media item", body = MediaResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/media/{id}")]
pub async fn get_media(
    db: Db,
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i64>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (public, filenames) = media_audience(&viewer);
    let (item, revision) = db
        .run(move |conn| {
            let row = found(repo::media::find(conn, id)?, "media item")?;
            if public && !repo::media::is_public(conn, id, domain::now())? {
                return Err(ApiError::not_found("no such media item"));
            }
            let revision = row.revision;
            let editions = repo::editions::all(conn)?;
            Ok((
                media_views(conn, &editions, &state, vec![row], filenames)?.remove(0),
                revision,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", crate::routes::extract::etag(revision)))
        .json(item))
}
