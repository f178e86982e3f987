//! Writing posts: create, update, trash, restore and purge.
//!
//! Every write runs in one transaction that reads the post, checks the
//! caller's `If-Match` against its revision, and updates it only if the
//! revision is still the one read (compare-and-swap), so no edit silently
//! overwrites another. Every update keeps the version it replaced.

use actix_web::{delete, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::db::Conn;
use crate::domain::access::{may_write_post, Scope};
use crate::domain::content::{self, ContentFormat};
use crate::domain::{self, PostKind, PostStatus};
use crate::error::{responses, ApiError, FieldErrors};
use crate::repo;
use crate::repo::editions::Editions;
use crate::repo::posts::{NewPost, PostChanges, PostRow};
use crate::routes::checks;
use crate::routes::extract::{etag, ApiJson, IfMatch, NoParams};
use crate::routes::posts::{effective_status, single_view, PostResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

use crate::domain::limits::{MAX_CONTENT, MAX_EXCERPT, MAX_TITLE};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePostRequest {
    /// Edition code.
    #[schema(example = "fa")]
    #[schema(min_length = 1)]
    pub edition: String,
    #[schema(example = "یادداشت‌های بهاری")]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// `article` (default) or `page`.
    pub kind: Option<PostKind>,
    /// Made from the title when absent (see the README on slugs).
    pub slug: Option<String>,
    /// HTML or Markdown (`content_format`); cleaned before it is stored.
    pub content: Option<String>,
    pub content_format: Option<ContentFormat>,
    /// Plain text; derived from the content when absent.
    pub excerpt: Option<String>,
    /// `draft` (default), `scheduled` (needs a future `published_at`),
    /// `published` (at `published_at`, or now) or `archived`. Contributors
    /// may only write drafts.
    pub status: Option<PostStatus>,
    pub published_at: Option<DateTime<Utc>>,
    /// The author's user id; editors may name anyone, others only themselves.
    pub author: Option<i64>,
    /// Category ids, in the post's edition.
    pub categories: Option<Vec<i64>>,
    /// Tag ids, in the post's edition.
    pub tags: Option<Vec<i64>>,
    pub featured_media: Option<i64>,
    pub featured: Option<bool>,
    /// A post in another edition this one translates.
    pub translation_of: Option<i64>,
    /// Pictures shown as a gallery, in order, each with this post's caption.
    pub gallery: Option<Vec<GalleryInput>>,
}

/// A gallery entry to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GalleryInput {
    /// A media item id.
    pub media: i64,
    /// This post's caption for it (the item keeps its own).
    pub caption: Option<String>,
}

/// Changes to a post; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePostRequest {
    pub title: Option<String>,
    pub kind: Option<PostKind>,
    pub slug: Option<String>,
    pub content: Option<String>,
    pub content_format: Option<ContentFormat>,
    /// `null` derives the excerpt from the content again.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub excerpt: Option<Option<String>>,
    pub status: Option<PostStatus>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub author: Option<i64>,
    pub categories: Option<Vec<i64>>,
    pub tags: Option<Vec<i64>>,
    /// `null` removes the featured media.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub featured_media: Option<Option<i64>>,
    pub featured: Option<bool>,
    /// Joins another post's translation group; `null` leaves the group.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<i64>)]
    pub translation_of: Option<Option<i64>>,
    /// Replaces the gallery (`[]` empties it).
    pub gallery: Option<Vec<GalleryInput>>,
}

/// The status to store and the publication time, from what was asked:
/// `published` with a future time is stored as `scheduled`, and a
/// `scheduled` time that has already passed is stored as `published`.
fn schedule(
    errors: &mut FieldErrors,
    status: PostStatus,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> (PostStatus, Option<NaiveDateTime>) {
    let live_at = |at: NaiveDateTime| {
        if at > now {
            PostStatus::Scheduled
        } else {
            PostStatus::Published
        }
    };
    match status {
        PostStatus::Published => {
            let at = at.unwrap_or(now);
            (live_at(at), Some(at))
        }
        PostStatus::Scheduled => match at {
            Some(at) => (live_at(at), Some(at)),
            None => {
                errors.add("published_at", "is required to schedule a post");
                (status, None)
            }
        },
        other => (other, at),
    }
}

/// May `principal` change this post at all (whatever the new status)?
/// Posts they may neither see nor edit are a 404.
pub fn may_edit(principal: &Principal, post: &PostRow, now: NaiveDateTime) -> Result<(), ApiError> {
    let own = post.author_id == Some(principal.user_id);
    if principal.role.edits_others() || own {
        return Ok(());
    }
    if crate::routes::posts::is_live(post, now) {
        return Err(ApiError::Forbidden(format!(
            "a {} may only change their own posts",
            principal.role
        )));
    }
    Err(ApiError::not_found("no such post"))
}

fn denied(e: domain::access::Denied) -> ApiError {
    ApiError::Forbidden(e.0)
}

/// Checks the references a post makes, all within its edition.
struct References<'a> {
    edition_id: i64,
    editions: &'a Editions,
}

impl References<'_> {
    fn author(&self, conn: &mut Conn, errors: &mut FieldErrors, id: i64) -> Result<(), ApiError> {
        if repo::users::find_user(conn, id)?.is_none() {
            errors.add("author", format!("no user {id}"));
        }
        Ok(())
    }

    fn terms(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        categories: Option<&[i64]>,
        tags: Option<&[i64]>,
    ) -> Result<(), ApiError> {
        let code = self.editions.code(self.edition_id).to_string();
        for (field, ids) in [("categories", categories), ("tags", tags)] {
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = ids.unwrap_or_default().iter().find(|id| !seen.insert(**id)) {
                errors.add(field, format!("lists {twice} more than once"));
            }
        }
        if let Some(ids) = categories {
            let known = repo::categories::slugs_by_ids(conn, ids)?;
            for id in ids {
                match known.iter().find(|(k, _, _)| k == id) {
                    None => errors.add("categories", format!("no category {id}")),
                    Some((_, e, _)) if *e != self.edition_id => errors.add(
                        "categories",
                        format!("category {id} is not in edition {code}"),
                    ),
                    _ => {}
                }
            }
        }
        if let Some(ids) = tags {
            let known = repo::tags::slugs_by_ids(conn, ids)?;
            for id in ids {
                match known.iter().find(|(k, _, _)| k == id) {
                    None => errors.add("tags", format!("no tag {id}")),
                    Some((_, e, _)) if *e != self.edition_id => {
                        errors.add("tags", format!("tag {id} is not in edition {code}"))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn gallery(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        items: Option<&[GalleryInput]>,
    ) -> Result<(), ApiError> {
        let Some(items) = items else {
            return Ok(());
        };
        if items.len() > 200 {
            errors.add("gallery", "holds at most 200 items");
        }
        let ids: Vec<i64> = items.iter().map(|i| i.media).collect();
        let known: Vec<i64> = repo::media::by_ids(conn, &ids)?
            .into_iter()
            .map(|m| m.id)
            .collect();
        for (n, item) in items.iter().enumerate() {
            if !known.contains(&item.media) {
                errors.add(
                    format!("gallery[{n}].media"),
                    format!("no media item {}", item.media),
                );
            }
            if let Some(caption) = &item.caption {
                checks::text(errors, &format!("gallery[{n}].caption"), caption, 0, 2000);
            }
        }
        Ok(())
    }

    fn media(
        &self,
        conn: &mut Conn,
        errors: &mut FieldErrors,
        id: Option<i64>,
    ) -> Result<(), ApiError> {
        if let Some(id) = id {
            if repo::media::find(conn, id)?.is_none() {
                errors.add("featured_media", format!("no media item {id}"));
            }
        }
        Ok(())
    }
}

/// A post's content and excerpt made clean before any transaction opens,
/// so that no writer waits while another's text is parsed.
#[derive(Debug, Default)]
struct Cleaned {
    /// The clean HTML of the content sent, or why it cannot be stored.
    content: Option<Result<String, String>>,
    /// The plain text of the excerpt sent (`Some(None)`: derive it again).
    excerpt: Option<Option<String>>,
}

impl Cleaned {
    /// Takes the content and excerpt out of a request and cleans them.
    async fn of(
        content: Option<String>,
        format: ContentFormat,
        excerpt: Option<Option<String>>,
    ) -> Result<Cleaned, ApiError> {
        Ok(web::block(move || Cleaned {
            content: content.map(|text| {
                if text.len() > MAX_CONTENT {
                    return Err(format!("must be at most {} KiB", MAX_CONTENT / 1024));
                }
                content::render(&text, format).map_err(|e| e.to_string())
            }),
            excerpt: excerpt
                .map(|given| given.map(|text| content::plain_text(&content::sanitize_html(&text)))),
        })
        .await?)
    }

    /// The clean content, with its error noted.
    fn content(&mut self, errors: &mut FieldErrors) -> Option<String> {
        match self.content.take()? {
            Ok(html) => Some(html),
            Err(message) => {
                errors.add("content", message);
                Some(String::new())
            }
        }
    }

    /// The excerpt to store: the one sent, within bounds, or one derived
    /// from `html`.
    fn excerpt(&self, errors: &mut FieldErrors, html: &str) -> String {
        match self.excerpt.as_ref().and_then(|e| e.as_deref()) {
            Some(plain) => checks::text(errors, "excerpt", plain, 0, MAX_EXCERPT),
            None => content::excerpt_of(html),
        }
    }
}

/// Whether a status makes a post public at its time.
fn publishes(status: PostStatus) -> bool {
    matches!(status, PostStatus::Published | PostStatus::Scheduled)
}

fn create(
    conn: &mut Conn,
    principal: &Principal,
    req: CreatePostRequest,
    mut cleaned: Cleaned,
) -> Result<i64, ApiError> {
    let now = domain::now();
    let editions = repo::editions::all(conn)?;
    let mut errors = FieldErrors::default();
    let edition = editions.by_code(&req.edition).map(|e| e.id);
    if edition.is_none() {
        errors.add("edition", format!("no edition `{}`", req.edition));
    }
    let title = checks::name(&mut errors, "title", &req.title, 1, MAX_TITLE);
    let html = cleaned.content(&mut errors).unwrap_or_default();
    let excerpt = cleaned.excerpt(&mut errors, &html);
    let (status, published_at) = schedule(
        &mut errors,
        req.status.unwrap_or(PostStatus::Draft),
        req.published_at.map(|t| t.naive_utc()),
        now,
    );
    let author = req.author.unwrap_or(principal.user_id);
    if author != principal.user_id && !principal.role.edits_others() {
        return Err(ApiError::Forbidden(
            "only editors write posts for other authors".into(),
        ));
    }
    may_write_post(
        principal.role,
        principal.user_id,
        Some(author),
        None,
        status,
    )
    .map_err(denied)?;

    let Some(edition_id) = edition else {
        return Err(errors.check().expect_err("the edition error is there"));
    };
    let refs = References {
        edition_id,
        editions: &editions,
    };
    refs.author(conn, &mut errors, author)?;
    refs.terms(
        conn,
        &mut errors,
        req.categories.as_deref(),
        req.tags.as_deref(),
    )?;
    refs.media(conn, &mut errors, req.featured_media)?;
    refs.gallery(conn, &mut errors, req.gallery.as_deref())?;
    let edition = (edition_id, editions.code(edition_id));
    let group = match req.translation_of {
        Some(of) => {
            checks::group_of::<checks::Posts>(conn, &mut errors, principal, edition, of, None)?
        }
        None => Some(repo::new_translation_group()),
    };
    let slug = checks::slug_for::<checks::Posts>(
        conn,
        &mut errors,
        principal,
        edition,
        req.slug.as_deref(),
        &title,
        None,
    )?;
    errors.check()?;

    let kind = req.kind.unwrap_or(PostKind::Article);
    let id = repo::posts::insert(
        conn,
        &NewPost {
            edition_id,
            kind: kind.as_str(),
            slug: &slug,
            title: &title,
            excerpt: &excerpt,
            content: &html,
            status: status.as_str(),
            published_at,
            author_id: Some(author),
            featured_media_id: req.featured_media,
            parent_id: None,
            featured: req.featured.unwrap_or(false),
            comment_count: 0,
            translation_group: group.as_deref().unwrap_or_default(),
            created_at: now,
            updated_at: now,
            created_by: Some(principal.user_id),
            updated_by: Some(principal.user_id),
            published_by: publishes(status).then_some(principal.user_id),
        },
        req.categories.as_deref().unwrap_or_default(),
        req.tags.as_deref().unwrap_or_default(),
    )?;
    if let Some(gallery) = &req.gallery {
        set_gallery(conn, id, gallery)?;
    }
    Ok(id)
}

fn set_gallery(conn: &mut Conn, id: i64, gallery: &[GalleryInput]) -> Result<(), ApiError> {
    let items: Vec<(i64, &str)> = gallery
        .iter()
        .map(|g| (g.media, g.caption.as_deref().map(str::trim).unwrap_or("")))
        .collect();
    Ok(repo::posts::set_gallery(conn, id, &items)?)
}

/// Applies `req` to post `id` if `if_match` allows; keeps the version it
/// replaces.
fn update(
    conn: &mut Conn,
    principal: &Principal,
    id: i64,
    if_match: &IfMatch,
    req: UpdatePostRequest,
    mut cleaned: Cleaned,
) -> Result<(), ApiError> {
    let now = domain::now();
    let current = found(repo::posts::find(conn, id)?, "post")?;
    may_edit(principal, &current, now)?;
    if current.deleted_at.is_some() {
        return Err(ApiError::Conflict(
            "the post is in the trash; restore it first".into(),
        ));
    }
    if_match.check(current.revision)?;
    let editions = repo::editions::all(conn)?;
    let mut errors = FieldErrors::default();

    let current_status = effective_status(&current, now);
    let (status, published_at) = if req.status.is_some() || req.published_at.is_some() {
        let at = match req.published_at {
            Some(at) => at.map(|t| t.naive_utc()),
            None => current.published_at,
        };
        schedule(&mut errors, req.status.unwrap_or(current_status), at, now)
    } else {
        (current_status, current.published_at)
    };
    if let Some(author) = req.author {
        if Some(author) != current.author_id && !principal.role.edits_others() {
            return Err(ApiError::Forbidden(
                "only editors change a post's author".into(),
            ));
        }
    }
    may_write_post(
        principal.role,
        principal.user_id,
        current.author_id,
        Some(current_status),
        status,
    )
    .map_err(denied)?;

    let title = req
        .title
        .as_deref()
        .map(|t| checks::name(&mut errors, "title", t, 1, MAX_TITLE));
    let html = cleaned.content(&mut errors);
    let excerpt = match &cleaned.excerpt {
        Some(_) => Some(cleaned.excerpt(&mut errors, html.as_deref().unwrap_or(&current.content))),
        // An excerpt derived from the old content follows the new one; one
        // an editor wrote stays.
        None => html
            .as_deref()
            .filter(|_| current.excerpt == content::excerpt_of(&current.content))
            .map(content::excerpt_of),
    };
    let refs = References {
        edition_id: current.edition_id,
        editions: &editions,
    };
    if let Some(author) = req.author {
        refs.author(conn, &mut errors, author)?;
    }
    refs.terms(
        conn,
        &mut errors,
        req.categories.as_deref(),
        req.tags.as_deref(),
    )?;
    if let Some(media) = req.featured_media {
        refs.media(conn, &mut errors, media)?;
    }
    refs.gallery(conn, &mut errors, req.gallery.as_deref())?;
    let edition = (current.edition_id, editions.code(current.edition_id));
    let group = checks::regroup::<checks::Posts>(
        conn,
        &mut errors,
        principal,
        edition,
        req.translation_of,
        id,
    )?;
    let slug = match &req.slug {
        Some(given) => Some(checks::slug_for::<checks::Posts>(
            conn,
            &mut errors,
            principal,
            edition,
            Some(given),
            "",
            Some(id),
        )?),
        None => None,
    };
    errors.check()?;

    let newly_public =
        publishes(status) && !publishes(current.status.parse().unwrap_or(PostStatus::Draft));
    let changes = PostChanges {
        kind: req.kind.map(|k| k.as_str().to_string()),
        slug,
        title,
        excerpt,
        content: html,
        status: Some(status.as_str().to_string()),
        published_at: Some(published_at),
        author_id: req.author.map(Some),
        featured_media_id: req.featured_media,
        featured: req.featured,
        translation_group: group,
        deleted_at: None,
        updated_by: Some(Some(principal.user_id)),
        published_by: newly_public.then_some(Some(principal.user_id)),
    };
    // The compare-and-swap comes first: a concurrent writer waits on the
    // row, then finds the revision gone and gets 412 before writing anything.
    let (category_ids, tag_ids) = repo::posts::term_ids(conn, id)?;
    if !repo::posts::update(conn, id, current.revision, &changes, now)? {
        return Err(ApiError::PreconditionFailed(
            "the post changed meanwhile; fetch it again".into(),
        ));
    }
    repo::revisions::snapshot(conn, &current, &category_ids, &tag_ids)?;
    repo::posts::set_terms(conn, id, req.categories.as_deref(), req.tags.as_deref())?;
    if let Some(gallery) = &req.gallery {
        set_gallery(conn, id, gallery)?;
    }
    Ok(())
}

/// Takes a media item about to be deleted out of the posts that show it
/// (`featured` ones lose their featured media, `galleries` lose the
/// picture, which deleting the item does): each such post must be one
/// `principal` may edit, and keeps its previous version as a revision.
pub fn let_go_of_media(
    conn: &mut Conn,
    principal: &Principal,
    featured: &[i64],
    galleries: &[i64],
) -> Result<(), ApiError> {
    let now = domain::now();
    let mut ids: Vec<i64> = featured.iter().chain(galleries).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let current = found(repo::posts::find(conn, id)?, "post")?;
        let status = effective_status(&current, now);
        let allowed = may_edit(principal, &current, now).is_ok()
            && may_write_post(
                principal.role,
                principal.user_id,
                current.author_id,
                Some(status),
                status,
            )
            .is_ok();
        if !allowed {
            return Err(ApiError::Forbidden(
                "posts you may not change show this item; ask an editor to delete it".into(),
            ));
        }
        let changes = PostChanges {
            featured_media_id: featured.contains(&id).then_some(None),
            updated_by: Some(Some(principal.user_id)),
            ..Default::default()
        };
        let (category_ids, tag_ids) = repo::posts::term_ids(conn, id)?;
        if !repo::posts::update(conn, id, current.revision, &changes, now)? {
            return Err(ApiError::PreconditionFailed(
                "a post that shows the item changed meanwhile; try again".into(),
            ));
        }
        repo::revisions::snapshot(conn, &current, &category_ids, &tag_ids)?;
    }
    Ok(())
}

/// Moves post `id` into the trash (`trashed`) or out of it, as its own
/// revision. Trashing a post already in the trash does nothing; restoring
/// one that is not there is a 409.
fn set_trashed(
    conn: &mut Conn,
    principal: &Principal,
    id: i64,
    if_match: &IfMatch,
    trashed: bool,
) -> Result<(), ApiError> {
    let now = domain::now();
    let current = found(repo::posts::find(conn, id)?, "post")?;
    may_edit(principal, &current, now)?;
    if_match.check(current.revision)?;
    match (current.deleted_at.is_some(), trashed) {
        (true, true) => return Ok(()),
        (false, false) => return Err(ApiError::Conflict("the post is not in the trash".into())),
        _ => {}
    }
    let status = effective_status(&current, now);
    may_write_post(
        principal.role,
        principal.user_id,
        current.author_id,
        Some(status),
        status,
    )
    .map_err(denied)?;
    let changes = PostChanges {
        deleted_at: Some(trashed.then_some(now)),
        updated_by: Some(Some(principal.user_id)),
        ..Default::default()
    };
    if !repo::posts::update(conn, id, current.revision, &changes, now)? {
        return Err(ApiError::PreconditionFailed(
            "the post changed meanwhile; fetch it again".into(),
        ));
    }
    Ok(())
}

/// The post as its writer now sees it, with its `ETag`.
fn written(
    conn: &mut Conn,
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(PostResponse, i32), ApiError> {
    let row = repo::posts::find(conn, id)?;
    single_view(conn, state, row, Some(principal), Default::default())
}

/// Create a post or page.
#[utoipa::path(
    tag = "posts",
    request_body = CreatePostRequest,
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 201, description = "The post as stored", body = PostResponse,
         headers(("Location" = String, description = "The post's URL"), ("ETag" = String, description = "The post's version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[post("/posts")]
pub async fn create_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiJson(mut body): ApiJson<CreatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let content = Some(body.content.take().unwrap_or_default());
    let format = body.content_format.unwrap_or_default();
    let cleaned = Cleaned::of(content, format, Some(body.excerpt.take())).await?;
    let (post, revision) = db
        .run(move |conn| {
            let id = conn.transaction(|conn| create(conn, &principal, body, cleaned))?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/posts/{}", post.id)))
        .insert_header(("ETag", etag(revision)))
        .json(post))
}

/// Update a post. Send the `ETag` you read as `If-Match`: if someone else
/// changed the post since, the answer is 412 and nothing changes.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    request_body = UpdatePostRequest,
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 200, description = "The updated post", body = PostResponse,
         headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::PayloadTooLarge,
        responses::UnsupportedMediaType,
        responses::Unprocessable,
        responses::Unavailable
    )
)]
#[patch("/posts/{id}")]
pub async fn update_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiJson(mut body): ApiJson<UpdatePostRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let id = id.into_inner();
    let format = body.content_format.unwrap_or_default();
    let cleaned = Cleaned::of(body.content.take(), format, body.excerpt.take()).await?;
    let (post, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| update(conn, &principal, id, &if_match, body, cleaned))?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(post))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeletePostQuery {
    /// Admins: delete for good instead of moving to the trash.
    pub force: Option<bool>,
}

/// Move a post to the trash (restorable), or with `force=true` (admins)
/// delete it for good.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing"), DeletePostQuery),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 204, description = "In the trash, or gone"),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::PreconditionFailed,
        responses::Unavailable
    )
)]
#[delete("/posts/{id}")]
pub async fn delete_post(
    db: Db,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    ApiQuery(q): ApiQuery<DeletePostQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let force = q.force.unwrap_or(false);
    if force {
        principal.require(Scope::Admin)?;
    }
    let id = id.into_inner();
    db.run(move |conn| {
        conn.transaction(|conn| {
            if force {
                let current = found(repo::posts::find(conn, id)?, "post")?;
                may_edit(&principal, &current, domain::now())?;
                if_match.check(current.revision)?;
                repo::posts::purge(conn, id)?;
                return Ok(());
            }
            set_trashed(conn, &principal, id, &if_match, true)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Take a post out of the trash, in the state it was in.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, description = "Post id"), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
    security(("bearer" = ["posts:write"])),
    responses(
        (status = 200, description = "The restored post", body = PostResponse,
         headers(("ETag" = String, description = "The new version"))),
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::Unavailable
    )
)]
#[post("/posts/{id}/restore")]
pub async fn restore_post(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    if_match: IfMatch,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::PostsWrite)?;
    let id = id.into_inner();
    let (post, revision) = db
        .run(move |conn| {
            conn.transaction(|conn| set_trashed(conn, &principal, id, &if_match, false))?;
            written(conn, &state, &principal, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(post))
}
