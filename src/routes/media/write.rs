//! Adding media (uploads and embeds) and changing their descriptions.
//!
//! An upload is read with a size limit, typed by its own bytes, cleaned and
//! rendered on the blocking pool, put in the store, and only then written
//! to the database; if anything fails after files were stored, the files
//! that were new are removed again, so a failed upload leaves nothing.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::content::error::WriteError;
use crate::content::media::{self, MediaEdit};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::domain::{self, embed};
use crate::error::{responses, ApiError, FieldErrors};
use crate::media::files;
use crate::media::upload::{self, Incoming, Processed, Rejected};
use crate::media::Store;
use crate::metrics::{self, Metrics};
use crate::repo;
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::media::{media_views, MediaResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// Changes to a media item's description; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMediaRequest {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Edition code; `null` shares the item with every edition.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub edition: Option<Option<String>>,
    /// Public on its own, even while no live content uses it.
    pub listed: Option<bool>,
}

impl From<UpdateMediaRequest> for MediaEdit {
    fn from(r: UpdateMediaRequest) -> Self {
        MediaEdit {
            title: r.title,
            slug: r.slug,
            alt_text: r.alt_text,
            caption: r.caption,
            credit: r.credit,
            edition: r.edition,
            listed: r.listed,
        }
    }
}

fn media_reply(
    conn: &mut Conn,
    state: &AppState,
    id: i64,
) -> Result<(MediaResponse, i32), ApiError> {
    let row = found(repo::media::find(conn, id)?, "media item")?;
    let revision = row.revision;
    let editions = repo::editions::all(conn)?;
    Ok((
        media_views(conn, &editions, state, vec![row], true)?.remove(0),
        revision,
    ))
}

/// Update a media item's title, slug, alt text, caption, credit or edition.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdateMediaRequest,
    security(("bearer" = ["media:write"])),
    responses(
        (status = 200, description = "The updated item", body = MediaResponse, headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::PreconditionFailed, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateMediaRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MediaWrite)?;
    let id = id.into_inner();
    let (view, revision) = db
        .run(move |conn| {
            let actor = Actor::from(&principal);
            media::update(conn, actor, id, &if_match, body.into())?;
            media_reply(conn, &state, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteMediaQuery {
    /// Delete even though posts show it: they lose it.
    pub force: Option<bool>,
}

/// Delete a media item. One that posts still show (as featured media or in
/// a gallery) is a 409 unless `force=true`, which only someone who may edit
/// every one of those posts may give; each of them then keeps its previous
/// version as a revision.
#[utoipa::path(
    tag = "media",
    params(("id" = i64, Path, description = "Media item id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing"), DeleteMediaQuery),
    security(("bearer" = ["media:write"])),
    responses(
        (status = 204, description = "Deleted"),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::Conflict, responses::PreconditionFailed, responses::Unavailable
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    db: Db,
    store: web::Data<Store>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiQuery(q): ApiQuery<DeleteMediaQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MediaWrite)?;
    let id = id.into_inner();
    let runtime = tokio::runtime::Handle::current();
    db.run(move |conn| {
        let force = q.force.unwrap_or(false);
        let keys = media::delete(conn, Actor::from(&principal), id, &if_match, force)?;
        // Files are shared by content: those another item still uses, or
        // an upload is storing now, stay.
        let before = files::released_at() + chrono::Duration::seconds(1);
        if let Err(e) = files::release(conn, &store, &runtime, &keys, before) {
            tracing::warn!(error = %e, "files of a deleted item are left to the sweep");
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Limits on uploads, from the settings.
#[derive(Debug, Clone)]
pub struct UploadLimits {
    pub max_bytes: usize,
    pub max_pixels: u64,
}

/// Descriptions that come with an upload: form fields of a multipart
/// upload, or query parameters of a raw one.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadFields {
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Edition code; absent: shared by every edition.
    pub edition: Option<String>,
    /// Public on its own, even while no live content uses it (default
    /// `false`: the item is public once a live post shows it).
    pub listed: Option<bool>,
}

/// A multipart upload: the file and its descriptions.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: Option<String>,
    alt_text: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    /// Edition code.
    edition: Option<String>,
}

/// A file sent as the whole body, its type in `Content-Type`.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct RawFile(Vec<u8>);

/// An external video to add without uploading anything.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmbedRequest {
    /// Always `embed`.
    #[schema(example = "embed")]
    pub kind: crate::domain::MediaKind,
    /// A YouTube or Vimeo video address.
    #[schema(example = "https://www.youtube.com/watch?v=M7lc1UVf-VE")]
    pub url: String,
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub edition: Option<String>,
    /// Public on its own, even while no live content uses it.
    pub listed: Option<bool>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("uploads are limited to {limit} bytes"))
}

/// Reads a stream of body chunks, refusing it as soon as it passes `limit`.
async fn read_limited<S, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("the upload could not be read: {e}")))?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The file name in a `Content-Disposition` header, if it gives one.
fn disposition_filename(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(header::CONTENT_DISPOSITION)?
        .to_str()
        .ok()?;
    let disposition =
        header::ContentDisposition::from_raw(&header::HeaderValue::from_str(value).ok()?).ok()?;
    disposition.get_filename().map(str::to_owned).or_else(|| {
        disposition
            .get_filename_ext()
            .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
    })
}

/// Reads a multipart upload: one `file` part and text fields.
async fn read_multipart(
    mut form: Multipart,
    limit: usize,
) -> Result<(Incoming, UploadFields), ApiError> {
    let mut file: Option<Incoming> = None;
    let mut fields = UploadFields::default();
    let mut read = 0usize;
    while let Some(part) = form.next().await {
        let part = part
            .map_err(|e| ApiError::BadRequest(format!("the multipart body is not valid: {e}")))?;
        let name = part.name().unwrap_or_default().to_string();
        let filename = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let claimed = part.content_type().map(|m| m.to_string());
        let bytes = read_limited(part, limit - read).await?;
        read += bytes.len();
        let text = || {
            String::from_utf8(bytes.clone())
                .map_err(|_| field_error(&name, "must be UTF-8 text"))
                .and_then(|t| match t.contains('\0') {
                    true => Err(field_error(&name, "may not contain a NUL character")),
                    false => Ok(t),
                })
        };
        match name.as_str() {
            "file" if file.is_none() => file = Some(Incoming { bytes, claimed, filename }),
            "file" => return Err(field_error("file", "send one file per upload")),
            "title" => fields.title = Some(text()?),
            "alt_text" => fields.alt_text = Some(text()?),
            "caption" => fields.caption = Some(text()?),
            "credit" => fields.credit = Some(text()?),
            "edition" => fields.edition = Some(text()?),
            "listed" => {
                fields.listed = Some(match text()?.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(field_error("listed", "must be `true` or `false`")),
                })
            }
            other => return Err(field_error(other, "is not a field of an upload; expected file, title, alt_text, caption, credit, edition, listed")),
        }
    }
    let file = file.ok_or_else(|| field_error("file", "is required"))?;
    Ok((file, fields))
}

fn field_error(field: &str, message: &str) -> ApiError {
    ApiError::Unprocessable(vec![crate::error::FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

impl From<Rejected> for ApiError {
    fn from(r: Rejected) -> Self {
        match r {
            Rejected::Empty => field_error("file", "is empty"),
            Rejected::Unsupported(why) | Rejected::Mismatch(why) => {
                ApiError::UnsupportedMediaType(why)
            }
            Rejected::Filename(why) => field_error("filename", &why),
            Rejected::Unusable(why) => field_error("file", &why),
        }
    }
}

impl UploadFields {
    /// The new item's descriptions.
    fn item(&self) -> media::NewItem {
        media::NewItem {
            title: self.title.clone(),
            alt_text: self.alt_text.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            edition: self.edition.clone(),
            listed: self.listed,
        }
    }
}

/// Writes the row of a processed upload; answers its id.
fn insert_upload(
    conn: &mut Conn,
    principal: &Principal,
    processed: &Processed,
    fields: &UploadFields,
) -> Result<i64, WriteError> {
    let stem = processed
        .filename
        .as_deref()
        .map(|f| f.rsplit_once('.').map_or(f, |(stem, _)| stem));
    let fallback = processed.title.as_deref().or(stem).unwrap_or_default();
    let errors = FieldErrors::default();
    media::create(
        conn,
        principal.into(),
        &fields.item(),
        errors,
        fallback,
        |conn, described| upload::insert(conn, processed, described),
    )
}

/// Writes the row of an embed; answers its id.
fn insert_embed(
    conn: &mut Conn,
    principal: &Principal,
    body: &CreateEmbedRequest,
) -> Result<i64, WriteError> {
    let mut errors = FieldErrors::default();
    if body.kind != crate::domain::MediaKind::Embed {
        errors.add(
            "kind",
            "must be `embed`; files are uploaded as multipart or raw bodies",
        );
    }
    let found = embed::parse(&body.url);
    if found.is_none() {
        errors.add("url", "must be a YouTube or Vimeo video address");
    }
    let item = media::NewItem {
        title: body.title.clone(),
        alt_text: body.alt_text.clone(),
        caption: body.caption.clone(),
        credit: body.credit.clone(),
        edition: body.edition.clone(),
        listed: body.listed,
    };
    let fallback = found
        .as_ref()
        .map(|e| format!("{} video {}", e.provider, e.video_id))
        .unwrap_or_default();
    media::create(
        conn,
        principal.into(),
        &item,
        errors,
        &fallback,
        |conn, described| {
            let embed = found.as_ref().expect("checked before writing");
            repo::media::insert_embed(conn, embed, described)
        },
    )
}

/// Puts the files of an upload in the store. A store that cannot take them
/// is a 503, with nothing of the upload left in it.
async fn store_files(store: &Store, processed: &Processed) -> Result<(), ApiError> {
    store
        .put_all(processed.files())
        .await
        .map(|_| ())
        .map_err(|_| {
            ApiError::Unavailable("the media store is not available; try again shortly".into())
        })
}

/// Add a media item: upload a file (multipart with a `file` part, or the
/// raw bytes with their `Content-Type` and a `Content-Disposition` file
/// name), or add a YouTube/Vimeo video as JSON `{"kind": "embed", "url"}`.
///
/// The type comes from the file's own bytes: JPEG, PNG, WebP, GIF, AVIF,
/// PDF, MP3, M4A, AAC, MP4 and WebM are taken; anything else, or a type or
/// file name that disagrees with the bytes, is a 415. SVG is refused (it
/// can carry scripts). Pictures lose their metadata (EXIF with GPS, XMP,
/// IPTC), are turned upright, and get renditions and a BlurHash
/// placeholder; PDFs report their page count; MP4, M4A, MP3 and WebM their
/// duration.
#[utoipa::path(
    tag = "media",
    params(UploadFields),
    request_body(
        description = "The file, in one of three forms",
        content(
            (UploadForm = "multipart/form-data"),
            (RawFile = "image/*"),
            (RawFile = "audio/*"),
            (RawFile = "video/*"),
            (RawFile = "application/pdf"),
            (CreateEmbedRequest = "application/json")
        )
    ),
    security(("bearer" = ["media:write"])),
    responses(
        (status = 201, description = "The media item as stored", body = MediaResponse,
         headers(("Location" = String, description = "The item's URL"), ("ETag" = String, description = "Its version"))),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden,
        responses::PayloadTooLarge, responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[post("/media")]
#[allow(clippy::too_many_arguments)]
pub async fn create_media(
    req: HttpRequest,
    payload: web::Payload,
    db: Db,
    state: web::Data<AppState>,
    store: web::Data<Store>,
    limits: web::Data<UploadLimits>,
    metrics: web::Data<Metrics>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let result = receive(req, length, payload, db, state, store, limits, principal).await;
    match &result {
        Ok(_) => metrics.upload(metrics::Upload::Stored, length.unwrap_or(0) as u64),
        Err(_) => metrics.upload(metrics::Upload::Refused, 0),
    }
    result
}

/// [`create_media`]; `length` is the request's `Content-Length`.
#[allow(clippy::too_many_arguments)]
async fn receive(
    req: HttpRequest,
    length: Option<usize>,
    payload: web::Payload,
    db: Db,
    state: web::Data<AppState>,
    store: web::Data<Store>,
    limits: web::Data<UploadLimits>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::MediaWrite)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let query = req.query_string().to_string();

    if content_type.starts_with("application/json") {
        crate::routes::extract::parse_query::<NoParams>(&query)?;
        let bytes = read_limited(payload, 64 * 1024).await?;
        let body: CreateEmbedRequest = crate::routes::extract::parse_json(&bytes)?;
        let (view, revision) = db
            .run(move |conn| {
                let id = conn.transaction(|conn| insert_embed(conn, &principal, &body))?;
                media_reply(conn, &state, id)
            })
            .await?;
        return Ok(created(view, revision));
    }

    let (incoming, fields) = if content_type.starts_with("multipart/form-data") {
        crate::routes::extract::parse_query::<NoParams>(&query)?;
        let form = Multipart::new(req.headers(), payload);
        read_multipart(form, limits.max_bytes).await?
    } else {
        let fields: UploadFields = crate::routes::extract::parse_query(&query)?;
        if length.is_some_and(|length| length > limits.max_bytes) {
            return Err(too_large(limits.max_bytes));
        }
        let bytes = read_limited(payload, limits.max_bytes).await?;
        let claimed = (!content_type.is_empty()).then_some(content_type.clone());
        (
            Incoming {
                bytes,
                claimed,
                filename: disposition_filename(&req),
            },
            fields,
        )
    };

    let max_pixels = limits.max_pixels;
    let processed = web::block(move || upload::process(incoming, max_pixels)).await??;
    // Noted before they are stored, so that a crash from here on leaves no
    // file behind for good (media::files).
    let keys: Vec<String> = processed.files().map(|f| f.key.clone()).collect();
    let noted_at = domain::now();
    let noted = keys.clone();
    db.run(move |conn| Ok(repo::pending_files::note_storing(conn, &noted, noted_at)?))
        .await?;
    store_files(&store, &processed).await?;
    let stored = keys.clone();
    let written = db
        .run(move |conn| {
            let id = conn.transaction(|conn| {
                let id = insert_upload(conn, &principal, &processed, &fields)?;
                repo::pending_files::forget(conn, &stored)?;
                Ok::<_, ApiError>(id)
            })?;
            media_reply(conn, &state, id)
        })
        .await;
    match written {
        Ok((view, revision)) => Ok(created(view, revision)),
        Err(e) => {
            // Only this upload's notes: a later one storing the same bytes
            // has made them newer.
            let before = noted_at + chrono::Duration::microseconds(1);
            let runtime = tokio::runtime::Handle::current();
            let released = db
                .run(move |conn| Ok(files::release(conn, &store, &runtime, &keys, before)?))
                .await;
            if let Err(e) = released {
                tracing::warn!(error = %e, "files of a failed upload are left to the sweep");
            }
            Err(e)
        }
    }
}

fn created(view: MediaResponse, revision: i32) -> HttpResponse {
    HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/media/{}", view.id)))
        .insert_header(("ETag", etag(revision)))
        .json(view)
}
