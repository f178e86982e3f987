//! Media items' descriptions (title, slug, alt text, caption, credit,
//! edition, listed): a new item's row, changes, and deletion. The files
//! of an upload are processed and stored by `media::upload`; those of a
//! deleted item go with `media::files` once nothing uses them.

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks;
use crate::content::error::{FieldErrors, WriteError};
use crate::content::posts;
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Actor;
use crate::repo;
use crate::repo::media::{Described, MediaChanges};

/// Changes to a media item; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct MediaEdit {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Edition code; `Some(None)` shares the item with every edition.
    pub edition: Option<Option<String>>,
    /// Public on its own, even while no live content uses it.
    pub listed: Option<bool>,
}

/// The descriptions a new item comes with; absent ones are empty.
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Edition code; absent: shared by every edition.
    pub edition: Option<String>,
    /// Public on its own, even while no live content uses it.
    pub listed: Option<bool>,
}

/// The descriptions title, alt text, caption and credit, each checked
/// against its limit; answers them cleaned.
fn check_texts(
    errors: &mut FieldErrors,
    [title, alt_text, caption, credit]: [Option<&str>; 4],
) -> [Option<String>; 4] {
    [
        title.map(|t| checks::name(errors, "title", t, 0, 300)),
        alt_text.map(|t| checks::text(errors, "alt_text", t, 0, 1000)),
        caption.map(|t| checks::text(errors, "caption", t, 0, 5000)),
        credit.map(|t| checks::text(errors, "credit", t, 0, 300)),
    ]
}

/// The edition `code` names, as an id (`None` with a field error when
/// there is no such edition).
fn edition_id(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    code: &str,
) -> Result<Option<i64>, WriteError> {
    let editions = repo::editions::all(conn)?;
    let id = editions.by_code(code).map(|e| e.id);
    if id.is_none() {
        errors.add("edition", format!("no edition `{code}`"));
    }
    Ok(id)
}

/// Writes a new item uploaded by `actor` with `item`'s descriptions: a
/// title (`item`'s, else `fallback_title`), a free slug from it, and the
/// row `write` makes of them (the stored files of an upload, or an
/// embed), recorded in the change log. `errors` holds what the caller
/// found wrong with the rest of the request: all are answered together.
/// Answers the new id.
pub fn create(
    conn: &mut Conn,
    actor: Actor,
    item: &NewItem,
    mut errors: FieldErrors,
    fallback_title: &str,
    write: impl FnOnce(&mut Conn, &Described<'_>) -> diesel::QueryResult<i64>,
) -> Result<i64, WriteError> {
    let [title, alt_text, caption, credit] = check_texts(
        &mut errors,
        [
            item.title.as_deref(),
            item.alt_text.as_deref(),
            item.caption.as_deref(),
            item.credit.as_deref(),
        ],
    );
    let edition_id = match &item.edition {
        Some(code) => edition_id(conn, &mut errors, code)?,
        None => None,
    };
    errors.check()?;
    let title = title.unwrap_or_else(|| fallback_title.trim().to_string());
    let name = if title.is_empty() { "media" } else { &title };
    let base = domain::slug::slugify(name).unwrap_or_else(|| "media".into());
    let taken = repo::media::slugs_like(conn, edition_id, &base)?;
    let slug = domain::slug::free(name, "media", &taken);
    let described = Described {
        edition_id,
        slug: &slug,
        title: &title,
        alt_text: alt_text.as_deref().unwrap_or(""),
        caption: caption.as_deref().unwrap_or(""),
        credit: credit.as_deref().unwrap_or(""),
        uploaded_by: Some(actor.user_id),
        created_at: domain::now(),
        listed: item.listed.unwrap_or(false),
    };
    Ok(changes::tracking(conn, Resource::Media, None, |conn| {
        write(conn, &described)
    })?)
}

fn no_such_item() -> WriteError {
    WriteError::NotFound("no such media item".into())
}

/// Editors change any item; authors the ones they uploaded.
pub fn may_change(actor: Actor, uploaded_by: Option<i64>) -> Result<(), WriteError> {
    if actor.role.edits_others() || uploaded_by == Some(actor.user_id) {
        Ok(())
    } else {
        Err(WriteError::Forbidden(format!(
            "a {} may only change media they uploaded",
            actor.role
        )))
    }
}

/// Applies `edit` to item `id` if `if_match` allows.
pub fn update(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    edit: MediaEdit,
) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let current = repo::media::find(conn, id)?.ok_or_else(no_such_item)?;
        may_change(actor, current.uploaded_by)?;
        if_match.check(current.revision)?;
        let mut errors = FieldErrors::default();
        let edition_id = match &edit.edition {
            Some(Some(code)) => edition_id(conn, &mut errors, code)?.map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let [title, alt_text, caption, credit] = check_texts(
            &mut errors,
            [
                edit.title.as_deref(),
                edit.alt_text.as_deref(),
                edit.caption.as_deref(),
                edit.credit.as_deref(),
            ],
        );
        let slug = edit
            .slug
            .as_deref()
            .map(|s| checks::slug_field(&mut errors, s));
        let target_edition = edition_id.unwrap_or(current.edition_id);
        let target_slug = slug.clone().unwrap_or_else(|| current.slug.clone());
        if let Some(other) = repo::media::find_by_slug(conn, target_edition, &target_slug)? {
            if other != id {
                errors.add("slug", format!("is already used by media item {other}"));
            }
        }
        errors.check()?;
        let changes = MediaChanges {
            edition_id,
            slug,
            title,
            alt_text,
            caption,
            credit,
            listed: edit.listed,
            updated_by: Some(Some(actor.user_id)),
        };
        let now = domain::now();
        let watch = Watch::existing(conn, Resource::Media, id, now)?;
        if !repo::media::update(conn, id, current.revision, &changes, now)? {
            return Err(WriteError::Stale(
                "the item changed meanwhile; fetch it again".into(),
            ));
        }
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// Deletes item `id` if `if_match` allows; answers the storage keys of its
/// files, noted as released (the caller removes those nothing else uses).
/// An item posts still show is a conflict unless `force`, which only
/// someone who may edit each of those posts may give: they lose it, each
/// keeping its previous version as a revision.
pub fn delete(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    force: bool,
) -> Result<Vec<String>, WriteError> {
    conn.transaction(|conn| {
        let current = repo::media::find(conn, id)?.ok_or_else(no_such_item)?;
        may_change(actor, current.uploaded_by)?;
        if_match.check(current.revision)?;
        let (featured, galleries) = repo::media::usage(conn, id)?;
        if !featured.is_empty() || !galleries.is_empty() {
            if !force {
                return Err(WriteError::Conflict(format!(
                    "{} post(s) feature it and {} show it in a gallery; delete with force=true to remove it from them",
                    featured.len(),
                    galleries.len()
                )));
            }
            posts::let_go_of_media(conn, actor, &featured, &galleries)?;
        }
        let keys = repo::media::keys_of(conn, id)?;
        changes::tracking(conn, Resource::Media, Some(id), |conn| {
            repo::media::delete(conn, id).map(|_| id)
        })?;
        // Noted with the item's removal, so that a crash before the
        // files go leaves them to the sweep.
        repo::pending_files::note_released(conn, &keys, repo::pending_files::released_at())?;
        Ok(keys)
    })
}
