//! Media items' descriptions (title, slug, alt text, caption, credit,
//! edition, listed) and their deletion. Uploads themselves are stored by
//! [`crate::media`]; the files of a deleted item go with
//! [`crate::media::files`] once nothing uses them.

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks;
use crate::content::error::{FieldErrors, WriteError};
use crate::content::posts;
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Actor;
use crate::repo;
use crate::repo::media::MediaChanges;

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
        let editions = repo::editions::all(conn)?;
        let edition_id = match &edit.edition {
            Some(Some(code)) => match editions.by_code(code) {
                Some(e) => Some(Some(e.id)),
                None => {
                    errors.add("edition", format!("no edition `{code}`"));
                    None
                }
            },
            Some(None) => Some(None),
            None => None,
        };
        let title = edit
            .title
            .as_deref()
            .map(|t| checks::name(&mut errors, "title", t, 0, 300));
        let alt_text = edit
            .alt_text
            .as_deref()
            .map(|t| checks::text(&mut errors, "alt_text", t, 0, 1000));
        let caption = edit
            .caption
            .as_deref()
            .map(|t| checks::text(&mut errors, "caption", t, 0, 5000));
        let credit = edit
            .credit
            .as_deref()
            .map(|t| checks::text(&mut errors, "credit", t, 0, 300));
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
