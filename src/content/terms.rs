//! Categories and tags: one set of rules for both. A term belongs to one
//! edition, has a name, a slug unique in its edition, a description of
//! clean HTML, and may join another edition's term as its translation;
//! categories also have a parent in the same edition and a position.
//!
//! Each command runs in one transaction and records its change in the log.

use diesel::QueryResult;

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks::{
    self, description, edition_of, modified, Categories, PerEdition, Tags, MAX_NAME,
};
use crate::content::error::{FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain;
use crate::domain::access::Actor;
use crate::repo;
use crate::repo::categories::{CategoryChanges, NewCategory};
use crate::repo::tags::{NewTag, TagChanges};

/// A term to create.
#[derive(Debug, Default)]
pub struct NewTerm {
    /// Edition code.
    pub edition: String,
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Categories only: a category of the same edition.
    pub parent: Option<i64>,
    /// Categories only: order among siblings.
    pub position: Option<i32>,
    pub translation_of: Option<i64>,
}

/// Changes to a term; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct TermEdit {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Categories only; `Some(None)` makes it top-level.
    pub parent: Option<Option<i64>>,
    pub position: Option<i32>,
    /// `Some(None)` leaves the translation group.
    pub translation_of: Option<Option<i64>>,
}

/// A term's fields as checked, ready to store.
pub struct Checked {
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
    parent: Option<Option<i64>>,
    position: Option<i32>,
    group: Option<String>,
}

/// What differs between categories and tags.
pub trait Term: PerEdition {
    const RESOURCE: Resource;
    /// `(edition_id, revision)` of term `id`.
    fn current(conn: &mut Conn, id: i64) -> QueryResult<Option<(i64, i32)>>;
    fn insert(conn: &mut Conn, edition_id: i64, t: &Checked, actor: Actor) -> QueryResult<i64>;
    fn update(
        conn: &mut Conn,
        id: i64,
        revision: i32,
        t: Checked,
        actor: Actor,
    ) -> QueryResult<bool>;
    fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize>;
    /// Checks a parent for term `this` (None when new).
    fn check_parent(
        conn: &mut Conn,
        errors: &mut FieldErrors,
        edition_id: i64,
        parent: i64,
        this: Option<i64>,
    ) -> QueryResult<()>;
    /// Why term `id` may not be deleted now, if it may not.
    fn undeletable(_conn: &mut Conn, _id: i64) -> QueryResult<Option<String>> {
        Ok(None)
    }
}

/// What categories and tags store alike, and the `$t: &Checked` fields
/// only one of them has (`$new` on insert, `$changes` on update).
macro_rules! term {
    (
        $marker:ident, $resource:ident, $module:ident,
        |$t:ident| $new:ident { $($new_extra:tt)* }, $changes:ident { $($changes_extra:tt)* },
        $($rest:item),* $(,)?
    ) => {
        impl Term for $marker {
            const RESOURCE: Resource = Resource::$resource;

            fn current(conn: &mut Conn, id: i64) -> QueryResult<Option<(i64, i32)>> {
                Ok(repo::$module::find(conn, id)?.map(|row| (row.edition_id, row.revision)))
            }

            fn insert(conn: &mut Conn, edition_id: i64, $t: &Checked, actor: Actor) -> QueryResult<i64> {
                let now = domain::now();
                let row = $new {
                    edition_id,
                    slug: $t.slug.as_deref().unwrap_or_default(),
                    name: $t.name.as_deref().unwrap_or_default(),
                    description: $t.description.as_deref().unwrap_or_default(),
                    translation_group: $t.group.as_deref().unwrap_or_default(),
                    created_at: now,
                    updated_at: now,
                    created_by: Some(actor.user_id),
                    updated_by: Some(actor.user_id),
                    $($new_extra)*
                };
                repo::$module::insert(conn, &row)
            }

            fn update(conn: &mut Conn, id: i64, revision: i32, $t: Checked, actor: Actor) -> QueryResult<bool> {
                let changes = $changes {
                    $($changes_extra)*
                    slug: $t.slug,
                    name: $t.name,
                    description: $t.description,
                    translation_group: $t.group,
                    updated_by: Some(Some(actor.user_id)),
                };
                repo::$module::update(conn, id, revision, &changes, domain::now())
            }

            fn delete(conn: &mut Conn, id: i64) -> QueryResult<usize> {
                repo::$module::delete(conn, id)
            }

            $($rest)*
        }
    };
}

term!(
    Categories,
    Category,
    categories,
    |t| NewCategory {
        parent_id: t.parent.flatten(),
        position: t.position.unwrap_or(0),
    },
    CategoryChanges {
        parent_id: t.parent,
        position: t.position,
    },
    /// It must exist in the edition and not be the category or below it.
    fn check_parent(
        conn: &mut Conn,
        errors: &mut FieldErrors,
        edition_id: i64,
        parent: i64,
        this: Option<i64>,
    ) -> QueryResult<()> {
        let all = repo::categories::all(conn, Some(edition_id))?;
        if !all.iter().any(|c| c.id == parent) {
            errors.add("parent", format!("no category {parent} in this edition"));
        } else if let Some(this) = this {
            if repo::categories::with_descendants(&all, &[this]).contains(&parent) {
                errors.add("parent", "would make the category its own ancestor");
            }
        }
        Ok(())
    },
    fn undeletable(conn: &mut Conn, id: i64) -> QueryResult<Option<String>> {
        Ok(repo::categories::has_children(conn, id)?
            .then(|| "the category has subcategories; move or delete them first".into()))
    }
);

term!(
    Tags,
    Tag,
    tags,
    |t| NewTag {},
    TagChanges {},
    /// Tags are flat (their requests have no `parent`).
    fn check_parent(
        _conn: &mut Conn,
        errors: &mut FieldErrors,
        _edition_id: i64,
        _parent: i64,
        _this: Option<i64>,
    ) -> QueryResult<()> {
        errors.add("parent", "tags have no parent");
        Ok(())
    }
);

/// Creates a term; answers its id.
pub fn create<K: Term>(conn: &mut Conn, actor: Actor, new: NewTerm) -> Result<i64, WriteError> {
    conn.transaction(|conn| {
        let mut errors = FieldErrors::default();
        let name = checks::name(&mut errors, "name", &new.name, 1, MAX_NAME);
        let description = description(&mut errors, new.description.as_deref().unwrap_or(""));
        let Some((edition_id, code)) = edition_of(conn, &mut errors, &new.edition)? else {
            return Err(errors.check().expect_err("the edition error is there"));
        };
        let edition = (edition_id, code.as_str());
        if let Some(parent) = new.parent {
            K::check_parent(conn, &mut errors, edition_id, parent, None)?;
        }
        let (slug, group) = checks::new_slug_and_group::<K>(
            conn,
            &mut errors,
            actor,
            edition,
            new.slug.as_deref(),
            &name,
            new.translation_of,
        )?;
        errors.check()?;
        let checked = Checked {
            slug: Some(slug),
            name: Some(name),
            description: Some(description),
            parent: Some(new.parent),
            position: new.position,
            group,
        };
        Ok(changes::tracking(conn, K::RESOURCE, None, |conn| {
            K::insert(conn, edition_id, &checked, actor)
        })?)
    })
}

/// Applies `edit` to term `id` if `if_match` allows.
pub fn update<K: Term>(
    conn: &mut Conn,
    actor: Actor,
    id: i64,
    if_match: &IfMatch,
    edit: TermEdit,
) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let Some((edition_id, revision)) = K::current(conn, id)? else {
            return Err(WriteError::NotFound(format!("no such {}", K::NOUN)));
        };
        if_match.check(revision)?;
        let editions = repo::editions::all(conn)?;
        let edition = (edition_id, editions.code(edition_id));
        let mut errors = FieldErrors::default();
        let name = edit
            .name
            .as_deref()
            .map(|n| checks::name(&mut errors, "name", n, 1, MAX_NAME));
        let description = edit
            .description
            .as_deref()
            .map(|d| description(&mut errors, d));
        if let Some(Some(parent)) = edit.parent {
            K::check_parent(conn, &mut errors, edition_id, parent, Some(id))?;
        }
        let (slug, group) = checks::edited_slug_and_group::<K>(
            conn,
            &mut errors,
            actor,
            edition,
            edit.slug.as_deref(),
            edit.translation_of,
            id,
        )?;
        errors.check()?;
        let checked = Checked {
            slug,
            name,
            description,
            parent: edit.parent,
            position: edit.position,
            group,
        };
        let now = domain::now();
        let watch = Watch::existing(conn, K::RESOURCE, id, now)?;
        if !K::update(conn, id, revision, checked, actor)? {
            return Err(modified());
        }
        watch.record(conn, id, now)?;
        Ok(())
    })
}

/// Deletes term `id` if `if_match` allows; its posts stay, without it.
pub fn delete<K: Term>(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let Some((_, revision)) = K::current(conn, id)? else {
            return Err(WriteError::NotFound(format!("no such {}", K::NOUN)));
        };
        if_match.check(revision)?;
        if let Some(why) = K::undeletable(conn, id)? {
            return Err(WriteError::Conflict(why));
        }
        changes::tracking(conn, K::RESOURCE, Some(id), |conn| {
            K::delete(conn, id).map(|_| id)
        })?;
        Ok(())
    })
}
