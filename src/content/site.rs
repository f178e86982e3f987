//! Site settings per edition: the name, tagline, copyright line, logo,
//! icon, social links and contact address a frontend puts in its header
//! and footer. A value not set in an edition is the default edition's.

use serde::{Deserialize, Serialize};

use crate::content::changes::{self, Resource};
use crate::content::checks;
use crate::content::error::{FieldErrors, WriteError};
use crate::db::Conn;
use crate::repo;
use crate::repo::site::SiteRow;

/// Most social links per edition.
pub const MAX_LINKS: usize = 20;
const MAX_URL: usize = 2000;

/// A link to the organisation elsewhere, as stored (a JSON array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialLink {
    pub network: String,
    pub url: String,
}

/// Changes to an edition's settings: `None` leaves a value as it is,
/// `Some(None)` unsets it (the default edition's value shows instead).
#[derive(Debug, Default)]
pub struct SiteEdit {
    pub name: Option<Option<String>>,
    pub tagline: Option<Option<String>>,
    pub copyright: Option<Option<String>>,
    pub logo: Option<Option<i64>>,
    pub icon: Option<Option<i64>>,
    pub social_links: Option<Option<Vec<SocialLink>>>,
    pub contact_email: Option<Option<String>>,
}

/// Changes the settings of edition `code`, recorded in the change log.
pub fn update(conn: &mut Conn, code: &str, edit: SiteEdit) -> Result<(), WriteError> {
    conn.transaction(|conn| {
        let editions = repo::editions::all(conn)?;
        let Some(edition) = editions.by_code(code) else {
            return Err(WriteError::NotFound(format!("no edition `{code}`")));
        };
        let id = edition.id;
        changes::tracking(conn, Resource::Site, Some(id), |conn| {
            let now = crate::domain::now();
            let mut row = repo::site::of_editions(conn, &[id])?
                .pop()
                .unwrap_or_else(|| SiteRow::empty(id, now));
            let mut errors = FieldErrors::default();
            let mut text =
                |field: &str, value: Option<Option<String>>, into: &mut Option<String>, max| {
                    if let Some(value) = value {
                        *into = value.map(|v| checks::name(&mut errors, field, &v, 1, max));
                    }
                };
            text("name", edit.name, &mut row.name, 200);
            text("tagline", edit.tagline, &mut row.tagline, 300);
            text("copyright", edit.copyright, &mut row.copyright, 300);
            if let Some(email) = edit.contact_email {
                row.contact_email = email.map(|e| e.trim().to_string());
                if let Some(e) = &row.contact_email {
                    errors.extend(crate::content::users::check_email(e).map(|mut f| {
                        f.field = "contact_email".into();
                        f
                    }));
                }
            }
            for (field, value, into) in [
                ("logo", edit.logo, &mut row.logo_media_id),
                ("icon", edit.icon, &mut row.icon_media_id),
            ] {
                if let Some(value) = value {
                    if let Some(media) = value {
                        picture(conn, &mut errors, field, media)?;
                    }
                    *into = value;
                }
            }
            if let Some(links) = edit.social_links {
                if let Some(links) = &links {
                    check_links(&mut errors, links);
                }
                row.social_links = links.map(|l| {
                    let kept: Vec<SocialLink> = l
                        .into_iter()
                        .map(|s| SocialLink {
                            network: s.network.trim().to_string(),
                            url: s.url.trim().to_string(),
                        })
                        .collect();
                    serde_json::to_string(&kept).expect("links are JSON")
                });
            }
            errors.check()?;
            row.updated_at = now;
            repo::site::put(conn, &row)?;
            Ok::<_, WriteError>(id)
        })?;
        Ok(())
    })
}

/// A logo or icon must be a picture in the media library.
fn picture(
    conn: &mut Conn,
    errors: &mut FieldErrors,
    field: &str,
    id: i64,
) -> Result<(), WriteError> {
    match repo::media::find(conn, id)? {
        Some(m) if m.kind == "image" => {}
        Some(_) => errors.add(field, format!("media item {id} is not a picture")),
        None => errors.add(field, format!("no media item {id}")),
    }
    Ok(())
}

fn check_links(errors: &mut FieldErrors, links: &[SocialLink]) {
    if links.len() > MAX_LINKS {
        errors.add("social_links", format!("at most {MAX_LINKS} links"));
    }
    for (i, link) in links.iter().enumerate() {
        let network = link.network.trim();
        let ok = !network.is_empty()
            && network.len() <= 40
            && network.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && network
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            errors.add(
                format!("social_links[{i}].network"),
                "must be 1 to 40 lower-case letters, digits or hyphens",
            );
        }
        checks::web_address(
            errors,
            &format!("social_links[{i}].url"),
            &link.url,
            MAX_URL,
        );
    }
}
