//! User accounts: creating, changing and deleting users, with the rules
//! for usernames, names and passwords, shared by the CLI (`nashr user
//! ...`), the admin API, the importer and the first start.

use crate::auth::{self, password};
use crate::content::changes::{Resource, Watch};
use crate::content::error::{FieldError, FieldErrors, WriteError};
use crate::content::precondition::IfMatch;
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::{self, slug, text, Role};
use crate::repo;
use crate::repo::users::{NewUser, UserChanges, UserRow};

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 1024;

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: Option<String>,
    pub role: Role,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub bio: Option<String>,
}

fn field(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// Usernames: 2 to 64 of lowercase `a-z`, digits, `.`, `_`, `-`.
pub fn check_username(username: &str) -> Option<FieldError> {
    let ok = (2..=64).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    (!ok).then(|| field("username", "must be 2 to 64 of a-z, 0-9, `.`, `_` and `-`"))
}

pub fn check_password(password: &str) -> Option<FieldError> {
    let n = password.chars().count();
    (n < MIN_PASSWORD || password.len() > MAX_PASSWORD).then(|| {
        field(
            "password",
            &format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long"),
        )
    })
}

pub fn check_email(email: &str) -> Option<FieldError> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    (!ok).then(|| field("email", "is not an e-mail address"))
}

/// A slug for a new user, made unique among users.
fn free_user_slug(conn: &mut Conn, name: &str) -> Result<String, WriteError> {
    let base = slug::slugify(name).unwrap_or_else(|| "user".into());
    let mut candidate = base.clone();
    let mut n = 2;
    while repo::users::slug_taken(conn, &candidate)? {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}

/// Creates a user; answers its id. Every invalid field is reported at once.
pub fn create(conn: &mut Conn, account: &NewAccount) -> Result<i64, WriteError> {
    let username = account.username.trim().to_lowercase();
    let mut errors: Vec<FieldError> = Vec::new();
    errors.extend(check_username(&username));
    if let Some(p) = &account.password {
        errors.extend(check_password(p));
    }
    if let Some(e) = &account.email {
        errors.extend(check_email(e));
    }
    let display_name = account
        .display_name
        .clone()
        .unwrap_or_else(|| username.clone());
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        errors.push(field("display_name", "must be 1 to 100 characters"));
    }
    if errors.is_empty() && repo::users::find_by_username(conn, &username)?.is_some() {
        errors.push(field("username", "is already taken"));
    }
    if !errors.is_empty() {
        return Err(WriteError::Invalid(errors));
    }
    let hash = account.password.as_deref().map(password::hash);
    let slug = free_user_slug(conn, &display_name)?;
    let now = domain::now();
    Ok(repo::users::insert(
        conn,
        &NewUser {
            username: &username,
            email: account.email.as_deref(),
            display_name: display_name.trim(),
            slug: &slug,
            bio: account.bio.as_deref().unwrap_or(""),
            avatar_media_id: None,
            password_hash: hash.as_deref(),
            role: account.role.as_str(),
            disabled: false,
            created_at: now,
            updated_at: now,
        },
    )?)
}

/// A strong password for people to copy: 24 URL-safe characters.
/// Ends what a password change, a reset or disabling must end: every
/// login of user `id` but the one whose jti is `keep`, and every script
/// token. Answers how many script tokens were revoked.
pub fn end_sessions(conn: &mut Conn, id: i64, keep: Option<&str>) -> diesel::QueryResult<usize> {
    repo::users::end_sessions(conn, id, keep)?;
    repo::tokens::revoke_all_of(conn, id, domain::now())
}

pub fn generate_password() -> String {
    auth::random_token(18)
}

/// On a database with no users, creates `admin` with `password` or a
/// generated one; answers the generated password, to be shown once.
pub fn bootstrap_admin(
    conn: &mut Conn,
    password: Option<&str>,
) -> Result<Option<String>, WriteError> {
    if repo::users::count(conn)? > 0 {
        return Ok(None);
    }
    let generated = password.is_none().then(generate_password);
    let chosen = password.map(str::to_owned).or_else(|| generated.clone());
    let account = NewAccount {
        username: "admin".into(),
        password: chosen,
        role: Role::Admin,
        display_name: Some("Administrator".into()),
        email: None,
        bio: None,
    };
    match conn.transaction(|conn| create(conn, &account)) {
        Ok(_) => Ok(generated),
        // Another instance starting at the same time made it first.
        Err(WriteError::Invalid(errors)) if errors.iter().any(|e| e.field == "username") => {
            Ok(None)
        }
        Err(WriteError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A change to a user; `None` leaves a field as it is. The new password
/// comes hashed ([`password::hash`] is slow: hash it off the database
/// connection), after [`check_edit`] has seen it in the clear.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    pub email: Option<Option<String>>,
    pub display_name: Option<String>,
    pub slug: Option<String>,
    pub bio: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Whether `actor` may make `edit` to user `id`: only admins change other
/// users, roles and `disabled`, and no admin disables or demotes
/// themselves (so a site always keeps one).
pub fn may_change(actor: &Actor, id: i64, edit: &UserEdit) -> Result<(), WriteError> {
    let own = actor.user_id == id;
    if !own && actor.role != Role::Admin {
        return Err(WriteError::NotFound("no such user".into()));
    }
    if (edit.role.is_some() || edit.disabled.is_some()) && actor.role != Role::Admin {
        return Err(WriteError::Forbidden(
            "only admins change roles and disable users".into(),
        ));
    }
    let demoted = edit.role.is_some_and(|r| r != Role::Admin);
    if own && actor.role == Role::Admin && (edit.disabled == Some(true) || demoted) {
        return Err(WriteError::Conflict(
            "admins cannot disable or demote themselves; ask another admin".into(),
        ));
    }
    Ok(())
}

/// The field errors of `edit` by `actor`, with `new_password` in the
/// clear, before anything is read.
pub fn check_edit(actor: &Actor, edit: &UserEdit, new_password: Option<&str>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.extend(new_password.and_then(check_password));
    if let Some(Some(e)) = &edit.email {
        errors.extend(check_email(e));
    }
    // Admins may give anyone any name; nobody else may sign as the site.
    let reserved = |name: &str| actor.role != Role::Admin && text::is_reserved(name);
    if let Some(name) = &edit.display_name {
        if name.trim().is_empty() || name.chars().count() > 100 {
            errors.add("display_name", "must be 1 to 100 characters");
        } else if let Some(problem) = text::name_problem(name.trim()) {
            errors.add("display_name", problem);
        } else if reserved(name) {
            errors.add("display_name", "is reserved for the site's staff");
        }
    }
    if let Some(s) = &edit.slug {
        if !slug::is_valid(s) {
            errors.add(
                "slug",
                "must be lower-case letters or digits joined by single hyphens",
            );
        } else if reserved(s) {
            errors.add("slug", "is reserved for the site's staff");
        }
    }
    errors
}

/// Changes user `id` as `actor` asks, in the caller's transaction. A new
/// password or disabling ends the user's sessions and script tokens, all
/// but the login `keep` (your own password change keeps the login that
/// made it). Answers the user as stored.
pub fn update(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    if_match: &IfMatch,
    edit: UserEdit,
    keep: Option<&str>,
) -> Result<UserRow, WriteError> {
    may_change(actor, id, &edit)?;
    let current = repo::users::find_user(conn, id)?
        .ok_or_else(|| WriteError::NotFound("no such user".into()))?;
    if_match.check(current.revision)?;
    let ends_sessions = edit.password_hash.is_some() || edit.disabled == Some(true);
    let changes = UserChanges {
        email: edit.email,
        display_name: edit.display_name.map(|n| n.trim().to_string()),
        slug: edit.slug,
        bio: edit.bio,
        avatar_media_id: None,
        password_hash: edit.password_hash.map(Some),
        role: edit.role.map(|r| r.as_str().to_string()),
        disabled: edit.disabled,
    };
    let now = domain::now();
    let watch = Watch::existing(conn, Resource::Author, id, now)?;
    if !repo::users::update(conn, id, Some(current.revision), &changes, now)? {
        return Err(WriteError::Stale(
            "the user changed meanwhile; fetch it again".into(),
        ));
    }
    watch.record(conn, id, now)?;
    if ends_sessions {
        end_sessions(conn, id, keep.filter(|_| actor.user_id == id))?;
    }
    repo::users::find_user(conn, id)?.ok_or_else(|| WriteError::NotFound("no such user".into()))
}

/// Deletes user `id` (admins), who must have no posts or media: users with
/// content are disabled instead, so nothing is lost.
pub fn delete(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    if_match: &IfMatch,
) -> Result<(), WriteError> {
    if actor.role != Role::Admin {
        return Err(WriteError::NotFound("no such user".into()));
    }
    if id == actor.user_id {
        return Err(WriteError::Conflict(
            "admins cannot delete themselves".into(),
        ));
    }
    let user = repo::users::find_user(conn, id)?
        .ok_or_else(|| WriteError::NotFound("no such user".into()))?;
    if_match.check(user.revision)?;
    if repo::users::has_content(conn, id)? {
        return Err(WriteError::Conflict(
            "the user has posts or media; disable them instead (PATCH disabled: true)".into(),
        ));
    }
    repo::users::delete(conn, id)?;
    Ok(())
}
