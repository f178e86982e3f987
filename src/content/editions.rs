//! Language editions: add, change, remove (admins; the caller checks).
//! There is always at most one default edition, and the first one added
//! is it.

use crate::content::changes::{self, Resource, Watch};
use crate::content::checks;
use crate::content::error::{FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain::{self, languages, Direction};
use crate::repo;
use crate::repo::editions::{EditionChanges, Editions, NewEdition as NewEditionRow};

/// An edition to add.
#[derive(Debug)]
pub struct NewEdition {
    /// BCP 47 language code: `ku`, `pt-BR`.
    pub code: String,
    /// Name in English.
    pub name: String,
    /// Name in the edition's own language.
    pub native_name: String,
    pub direction: Direction,
    /// Make it the default (the previous default stops being it).
    pub is_default: Option<bool>,
    /// Display order (last when absent).
    pub position: Option<i32>,
}

/// Names and direction given for a new edition; what is not given comes
/// from the language table ([`crate::domain::languages`]).
#[derive(Debug, Default, Clone)]
pub struct Naming {
    pub name: Option<String>,
    pub native_name: Option<String>,
    pub direction: Option<Direction>,
}

impl NewEdition {
    /// An edition of language `code`, named and written as `naming` says,
    /// else as the language table has `code` (or `fallback`, the language
    /// a WordPress export declares); a language the table does not know
    /// is named by its code and written left to right.
    pub fn of_language(code: &str, naming: &Naming, fallback: Option<&str>) -> NewEdition {
        let known = languages::find(code).or_else(|| fallback.and_then(languages::find));
        NewEdition {
            code: code.trim().to_string(),
            name: (naming.name.clone())
                .or_else(|| known.map(|l| l.name.to_string()))
                .unwrap_or_else(|| code.trim().to_string()),
            native_name: (naming.native_name.clone())
                .or_else(|| known.map(|l| l.native_name.to_string()))
                .unwrap_or_else(|| code.trim().to_string()),
            direction: naming
                .direction
                .or_else(|| known.map(|l| l.direction))
                .unwrap_or(Direction::Ltr),
            is_default: None,
            position: None,
        }
    }
}

/// Changes to an edition; `None` leaves a field as it is. Its code stays.
#[derive(Debug, Default)]
pub struct EditionEdit {
    pub name: Option<String>,
    pub native_name: Option<String>,
    pub direction: Option<Direction>,
    /// `Some(true)` makes it the default.
    pub is_default: Option<bool>,
    pub position: Option<i32>,
}

fn no_such_edition() -> WriteError {
    WriteError::NotFound("no such edition".into())
}

fn check_code(errors: &mut FieldErrors, code: &str) {
    let mut parts = code.split('-');
    let lang = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        errors.add(
            "code",
            "must be a BCP 47 code such as `fa`, `sq` or `pt-BR`",
        );
    }
}

/// Adds an edition; answers its code as stored.
pub fn create(conn: &mut Conn, new: NewEdition) -> Result<String, WriteError> {
    let code = new.code.trim().to_string();
    conn.transaction(|conn| {
        let mut errors = FieldErrors::default();
        check_code(&mut errors, &code);
        let name = checks::name(&mut errors, "name", &new.name, 1, 100);
        let native_name = checks::name(&mut errors, "native_name", &new.native_name, 1, 100);
        let editions = repo::editions::all(conn)?;
        if editions.by_code(&code).is_some() {
            errors.add("code", "is already an edition");
        }
        errors.check()?;
        let is_default = new.is_default.unwrap_or(false) || editions.0.is_empty();
        if is_default {
            clear_default(conn, &editions)?;
        }
        let now = domain::now();
        changes::tracking(conn, Resource::Edition, None, |conn| {
            repo::editions::insert(
                conn,
                &NewEditionRow {
                    code: &code,
                    name: &name,
                    native_name: &native_name,
                    direction: new.direction.as_str(),
                    is_default,
                    position: new.position.unwrap_or(editions.0.len() as i32),
                    created_at: now,
                    updated_at: now,
                },
            )
        })?;
        Ok(code.clone())
    })
}

/// Applies `edit` to edition `code` if `if_match` allows.
pub fn update(
    conn: &mut Conn,
    code: &str,
    if_match: &IfMatch,
    edit: EditionEdit,
) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let editions = repo::editions::all(conn)?;
        let current = editions.by_code(code).ok_or_else(no_such_edition)?.clone();
        if_match.check(current.revision)?;
        let mut errors = FieldErrors::default();
        let name = edit
            .name
            .as_deref()
            .map(|n| checks::name(&mut errors, "name", n, 1, 100));
        let native_name = edit
            .native_name
            .as_deref()
            .map(|n| checks::name(&mut errors, "native_name", n, 1, 100));
        if edit.is_default == Some(false) && current.is_default {
            errors.add("is_default", "make another edition the default instead");
        }
        errors.check()?;
        let becomes_default = edit.is_default == Some(true) && !current.is_default;
        if becomes_default {
            clear_default(conn, &editions)?;
        }
        let changes = EditionChanges {
            name,
            native_name,
            direction: edit.direction.map(|d| d.as_str().to_string()),
            is_default: becomes_default.then_some(true),
            position: edit.position,
        };
        let now = domain::now();
        let watch = Watch::existing(conn, Resource::Edition, current.id, now)?;
        if !repo::editions::update(conn, current.id, current.revision, &changes, now)? {
            return Err(WriteError::Stale(
                "the edition changed meanwhile; fetch it again".into(),
            ));
        }
        watch.record(conn, current.id, now)?;
        Ok(())
    })
}

/// Removes edition `code` if it is not the default and holds no content.
pub fn delete(conn: &mut Conn, code: &str, if_match: &IfMatch) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let editions = repo::editions::all(conn)?;
        let current = editions.by_code(code).ok_or_else(no_such_edition)?;
        if_match.check(current.revision)?;
        if current.is_default {
            return Err(WriteError::Conflict(
                "the default edition cannot be removed; make another the default first".into(),
            ));
        }
        if repo::editions::in_use(conn, current.id)? {
            return Err(WriteError::Conflict(
                "the edition holds content; move or delete it first".into(),
            ));
        }
        let id = current.id;
        changes::tracking(conn, Resource::Edition, Some(id), |conn| {
            repo::editions::delete(conn, id).map(|_| id)
        })?;
        Ok(())
    })
}

/// Takes the default away from the edition that has it, as a change of
/// that edition.
fn clear_default(conn: &mut Conn, editions: &Editions) -> Result<(), WriteError> {
    if let Some(previous) = editions.0.iter().find(|e| e.is_default).map(|e| e.id) {
        changes::tracking(conn, Resource::Edition, Some(previous), |conn| {
            repo::editions::clear_default(conn).map(|_| previous)
        })?;
    }
    Ok(())
}
