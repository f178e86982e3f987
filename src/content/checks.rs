//! Checks shared by writes: trimmed text within bounds, slugs, free slugs
//! made from titles, translation groups.

use diesel::QueryResult;

use crate::content::error::{FieldErrors, WriteError};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::{content, slug};
use crate::repo;

/// `value` trimmed, or an error when it is not `min..=max` characters.
pub fn text(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) -> String {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        let what = if min == 0 {
            format!("at most {max} characters")
        } else {
            format!("{min} to {max} characters")
        };
        errors.add(field, format!("must be {what}"));
    }
    value.to_string()
}

/// `value` trimmed, like [`text`], as a name people read (a title, a
/// name, a label): with something visible in it and no bidirectional
/// overrides.
pub fn name(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) -> String {
    let value = text(errors, field, value, min, max);
    if let Some(problem) = crate::domain::text::name_problem(&value) {
        errors.add(field, problem);
    }
    value
}

/// A slug given by a client: it must already be in the form [`slug::slugify`]
/// makes, so that what is stored is what was asked for.
pub fn slug_field(errors: &mut FieldErrors, value: &str) -> String {
    if !slug::is_valid(value) {
        let hint = slug::slugify(value)
            .map(|s| format!("; try `{s}`"))
            .unwrap_or_default();
        errors.add(
            "slug",
            format!(
                "must be lower-case letters or digits of any script joined by single hyphens{hint}"
            ),
        );
    }
    value.to_string()
}

pub use crate::domain::limits::{MAX_DESCRIPTION, MAX_NAME};

/// A description as stored: cleaned HTML of bounded length.
pub fn description(errors: &mut FieldErrors, text: &str) -> String {
    let clean = content::sanitize_html(text.trim());
    if clean.chars().count() > MAX_DESCRIPTION {
        errors.add(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        );
    }
    clean
}

/// `value` trimmed, or an error unless it is a whole `http(s)://` address
/// of at most `max` bytes.
pub fn web_address(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.len() > max || crate::content::comments::link_end(value) != Some(value.len()) {
        errors.add(
            field,
            format!("must be an http or https address of at most {max} characters"),
        );
    }
    value.to_string()
}

/// The edition a create names, as `(id, code)`; an unknown one is a field error.
pub fn edition_of(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    code: &str,
) -> Result<Option<(i64, String)>, WriteError> {
    let editions = repo::editions::all(conn)?;
    let found = editions.by_code(code).map(|e| (e.id, e.code.clone()));
    if found.is_none() {
        errors.add("edition", format!("no edition `{code}`"));
    }
    Ok(found)
}

/// The 412 for a compare-and-swap that lost to another writer.
pub fn modified() -> WriteError {
    WriteError::Stale("it changed meanwhile; fetch it again".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_slugs_must_be_canonical() {
        let mut errors = FieldErrors::default();
        slug_field(&mut errors, "Bad Slug");
        assert!(!errors.is_empty());
        let mut errors = FieldErrors::default();
        slug_field(&mut errors, "نوشته-تازه");
        assert!(errors.is_empty());
    }
}

/// What a writer may do with an existing item they name (a slug it holds,
/// a translation group to join).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The writer may not even know it exists: errors must not name it.
    Hidden,
    /// The writer sees it but may not change it.
    Visible,
    /// The writer may change it.
    Editable,
}

/// What the slug and translation checks need to know of a resource kept
/// per edition (posts, categories, tags, menus).
pub trait PerEdition {
    /// The resource's name in messages.
    const NOUN: &'static str;
    /// `(edition_id, translation_group)` of item `id`.
    fn edition_and_group(conn: &mut Conn, id: i64) -> QueryResult<Option<(i64, String)>>;
    /// Another item of `group` in `edition_id`.
    fn member_in(
        conn: &mut Conn,
        group: &str,
        edition_id: i64,
        except: Option<i64>,
    ) -> QueryResult<Option<i64>>;
    /// The item with `slug` in `edition_id`.
    fn id_by_slug(conn: &mut Conn, edition_id: i64, slug: &str) -> QueryResult<Option<i64>>;
    /// Slugs in `edition_id` that are `base` or `base-...`.
    fn slugs_like(conn: &mut Conn, edition_id: i64, base: &str) -> QueryResult<Vec<String>>;
    /// What `writer` may do with item `id`. Terms and menus are public,
    /// and whoever writes them may change any of them.
    fn access(_conn: &mut Conn, _id: i64, _writer: &Actor) -> QueryResult<Access> {
        Ok(Access::Editable)
    }
}

macro_rules! per_edition {
    ($marker:ident, $noun:literal, $module:ident $(, $access:item)?) => {
        pub struct $marker;

        impl PerEdition for $marker {
            const NOUN: &'static str = $noun;

            fn edition_and_group(conn: &mut Conn, id: i64) -> QueryResult<Option<(i64, String)>> {
                Ok(repo::$module::find(conn, id)?
                    .map(|row| (row.edition_id, row.translation_group)))
            }

            fn member_in(
                conn: &mut Conn,
                group: &str,
                edition_id: i64,
                except: Option<i64>,
            ) -> QueryResult<Option<i64>> {
                repo::$module::group_member_in(conn, group, edition_id, except)
            }

            fn id_by_slug(
                conn: &mut Conn,
                edition_id: i64,
                slug: &str,
            ) -> QueryResult<Option<i64>> {
                Ok(repo::$module::find_by_slug(conn, edition_id, slug)?.map(|row| row.id))
            }

            fn slugs_like(
                conn: &mut Conn,
                edition_id: i64,
                base: &str,
            ) -> QueryResult<Vec<String>> {
                repo::$module::slugs_like(conn, edition_id, base)
            }

            $($access)?
        }
    };
}

per_edition!(
    Posts,
    "post",
    posts,
    /// Editors change every post; others their own, and see the live ones.
    fn access(conn: &mut Conn, id: i64, writer: &Actor) -> QueryResult<Access> {
        let Some(post) = repo::posts::find(conn, id)? else {
            return Ok(Access::Hidden);
        };
        Ok(
            if writer.role.edits_others() || post.author_id == Some(writer.user_id) {
                Access::Editable
            } else if post.is_live(crate::domain::now()) {
                Access::Visible
            } else {
                Access::Hidden
            },
        )
    }
);
per_edition!(Categories, "category", categories);
per_edition!(Tags, "tag", tags);
per_edition!(Menus, "menu", menus);

/// The slug to store for an item of `edition`: the client's, if well formed
/// and free (other than `this` item's own), or one made from `title`.
///
/// A slug taken by an item the writer cannot see is refused without naming
/// it, and so is one that looks like another slug of the edition (a Latin
/// slug imitated with Cyrillic or Greek letters, Unicode TR39).
pub fn slug_for<K: PerEdition>(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    writer: impl Into<Actor>,
    edition: (i64, &str),
    given: Option<&str>,
    title: &str,
    this: Option<i64>,
) -> Result<String, WriteError> {
    let writer = writer.into();
    let (edition_id, code) = edition;
    match given {
        Some(given) => {
            let slug = slug_field(errors, given);
            let taken = K::id_by_slug(conn, edition_id, &slug)?.filter(|&id| Some(id) != this);
            if let Some(other) = taken {
                let message = match K::access(conn, other, &writer)? {
                    Access::Hidden => "is not available in this edition; choose another".into(),
                    _ => format!("is already used by {} {other} in edition {code}", K::NOUN),
                };
                errors.add("slug", message);
            } else if let Some(lookalike) = slug::imitated(&slug) {
                let imitated = K::id_by_slug(conn, edition_id, &lookalike)?;
                if imitated.is_some_and(|id| Some(id) != this) {
                    errors.add(
                        "slug",
                        "looks like a slug already in use in this edition (letters of another script imitate it); choose another",
                    );
                }
            }
            Ok(slug)
        }
        None => {
            let base = slug::slugify(title).unwrap_or_else(|| K::NOUN.to_string());
            let taken = K::slugs_like(conn, edition_id, &base)?;
            Ok(slug::free(title, K::NOUN, &taken))
        }
    }
}

/// The slug and translation group of a new item of `edition` named
/// `name`: the slug given (checked) or one made from the name, and the
/// group of `translation_of` (see [`group_of`]) or one of its own.
pub fn new_slug_and_group<K: PerEdition>(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    writer: impl Into<Actor>,
    edition: (i64, &str),
    slug: Option<&str>,
    name: &str,
    translation_of: Option<i64>,
) -> Result<(String, Option<String>), WriteError> {
    let writer = writer.into();
    let group = match translation_of {
        Some(of) => group_of::<K>(conn, errors, writer, edition, of, None)?,
        None => Some(crate::repo::new_translation_group()),
    };
    let slug = slug_for::<K>(conn, errors, writer, edition, slug, name, None)?;
    Ok((slug, group))
}

/// The slug and translation group an edit of item `this` asks for (each
/// `None` when it stays as it is).
pub fn edited_slug_and_group<K: PerEdition>(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    writer: impl Into<Actor>,
    edition: (i64, &str),
    slug: Option<&str>,
    translation_of: Option<Option<i64>>,
    this: i64,
) -> Result<(Option<String>, Option<String>), WriteError> {
    let writer = writer.into();
    let group = regroup::<K>(conn, errors, writer, edition, translation_of, this)?;
    let slug = match slug {
        Some(given) => Some(slug_for::<K>(
            conn,
            errors,
            writer,
            edition,
            Some(given),
            "",
            Some(this),
        )?),
        None => None,
    };
    Ok((slug, group))
}

/// The translation group an update asks for: `translation_of: N` joins
/// N's group (see [`group_of`]), `null` leaves the group for one of its own,
/// absent keeps it (`None`).
pub fn regroup<K: PerEdition>(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    writer: impl Into<Actor>,
    edition: (i64, &str),
    translation_of: Option<Option<i64>>,
    this: i64,
) -> Result<Option<String>, WriteError> {
    Ok(match translation_of {
        Some(Some(of)) => group_of::<K>(conn, errors, writer, edition, of, Some(this))?,
        Some(None) => Some(crate::repo::new_translation_group()),
        None => None,
    })
}

/// The translation group of item `of`, which must be in another edition,
/// be one the writer may change, and have no translation in `edition` yet
/// (other than `this`). Errors never name what the writer cannot see.
pub fn group_of<K: PerEdition>(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    writer: impl Into<Actor>,
    edition: (i64, &str),
    of: i64,
    this: Option<i64>,
) -> Result<Option<String>, WriteError> {
    let writer = writer.into();
    let (edition_id, code) = edition;
    let found = K::edition_and_group(conn, of)?;
    let access = match found {
        Some(_) => K::access(conn, of, &writer)?,
        None => Access::Hidden,
    };
    let Some((other_edition, group)) = found.filter(|_| access != Access::Hidden) else {
        errors.add("translation_of", format!("no {} {of}", K::NOUN));
        return Ok(None);
    };
    if access != Access::Editable {
        errors.add(
            "translation_of",
            format!(
                "only someone who may edit {} {of} can add a translation to it",
                K::NOUN
            ),
        );
        return Ok(None);
    }
    if other_edition == edition_id {
        errors.add("translation_of", "a translation is in another edition");
        return Ok(None);
    }
    if K::member_in(conn, &group, edition_id, this)?.is_some() {
        errors.add(
            "translation_of",
            format!(
                "{} {of} already has a translation in edition {code}",
                K::NOUN
            ),
        );
        return Ok(None);
    }
    Ok(Some(group))
}
