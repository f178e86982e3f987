//! The site's settings per edition over HTTP: what a frontend's header
//! and footer show (name, tagline, logo, social links, copyright line).
//! The rules are in [`crate::content::site`].

use actix_web::{get, patch, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::content::site::{self, SiteEdit};
use crate::db::Conn;
use crate::domain::access::Scope;
use crate::domain::Direction;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::{EditionRow, Editions};
use crate::repo::site::SiteRow;
use crate::routes::extract::ApiJson;
use crate::routes::media::{media_views, MediaResponse};
use crate::routes::{edition_param, nullable, ApiQuery, AppState, Db};

/// A link to the organisation elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialLink {
    /// Lower-case name of the network: `facebook`, `twitter`, `instagram`,
    /// `youtube`, `telegram`, `mastodon`, ...
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{0,39}$", example = "youtube")]
    pub network: String,
    /// The organisation's page there.
    #[schema(example = "https://www.youtube.com/@example")]
    pub url: String,
}

impl From<SocialLink> for site::SocialLink {
    fn from(l: SocialLink) -> Self {
        site::SocialLink {
            network: l.network,
            url: l.url,
        }
    }
}

/// An edition's site settings, each value the edition's own or, where it
/// has none, the default edition's (named in `fallbacks`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteResponse {
    /// The edition these settings are for.
    #[schema(example = "fa")]
    pub edition: String,
    /// Its writing direction, for `<html dir>`.
    pub direction: Direction,
    /// The default edition's code.
    #[schema(example = "en")]
    pub default_edition: String,
    /// The site's name, as the header shows it.
    pub name: Option<String>,
    pub tagline: Option<String>,
    /// The footer's line: `© 2003–2026 Example. All rights reserved.`
    pub copyright: Option<String>,
    /// The logo (a picture, with its renditions).
    pub logo: Option<MediaResponse>,
    /// The site's icon (a square picture, for favicons and app icons).
    pub icon: Option<MediaResponse>,
    /// The organisation elsewhere, in the order the footer shows them.
    pub social_links: Vec<SocialLink>,
    pub contact_email: Option<String>,
    /// The fields not set in this edition, shown from the default
    /// edition's settings.
    #[schema(example = json!(["logo", "social_links"]))]
    pub fallbacks: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SiteQuery {
    /// Edition code (default: the default edition).
    #[param(min_length = 1)]
    pub edition: Option<String>,
}

/// Changes to an edition's settings: fields left out stay as they are;
/// `null` unsets one, so that the default edition's shows instead.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSiteRequest {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub tagline: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub copyright: Option<Option<String>>,
    /// A picture's media id.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub logo: Option<Option<i64>>,
    /// A picture's media id.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub icon: Option<Option<i64>>,
    /// Replaces every link when given (at most 20).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<SocialLink>>)]
    pub social_links: Option<Option<Vec<SocialLink>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "email")]
    pub contact_email: Option<Option<String>>,
}

impl From<UpdateSiteRequest> for SiteEdit {
    fn from(r: UpdateSiteRequest) -> Self {
        SiteEdit {
            name: r.name,
            tagline: r.tagline,
            copyright: r.copyright,
            logo: r.logo,
            icon: r.icon,
            social_links: r
                .social_links
                .map(|links| links.map(|l| l.into_iter().map(Into::into).collect())),
            contact_email: r.contact_email,
        }
    }
}

/// Edition `code`, or the default edition when `None`.
fn edition_or_default<'a>(
    editions: &'a Editions,
    code: Option<&str>,
) -> Result<&'a EditionRow, ApiError> {
    match code {
        Some(code) => edition_param(editions, code, "edition"),
        None => editions
            .0
            .iter()
            .find(|e| e.is_default)
            .or(editions.0.first())
            .ok_or_else(|| ApiError::not_found("no edition")),
    }
}

/// The settings of edition `code` (the default edition's when `None`),
/// with the default edition's values where it has none.
fn site_view(
    conn: &mut Conn,
    state: &AppState,
    code: Option<&str>,
) -> Result<SiteResponse, ApiError> {
    let editions = repo::editions::all(conn)?;
    let edition = edition_or_default(&editions, code)?;
    let default = edition_or_default(&editions, None)?;
    let rows = repo::site::of_editions(conn, &[edition.id, default.id])?;
    let row_of = |id| rows.iter().find(|r| r.edition_id == id).cloned();
    let own = row_of(edition.id).unwrap_or_else(|| SiteRow::empty(edition.id, Default::default()));
    let fallback = row_of(default.id)
        .filter(|_| default.id != edition.id)
        .unwrap_or_else(|| SiteRow::empty(default.id, Default::default()));
    let mut fallbacks = Vec::new();
    let name = pick(&mut fallbacks, "name", own.name, fallback.name);
    let tagline = pick(&mut fallbacks, "tagline", own.tagline, fallback.tagline);
    let copyright = pick(
        &mut fallbacks,
        "copyright",
        own.copyright,
        fallback.copyright,
    );
    let logo = pick(
        &mut fallbacks,
        "logo",
        own.logo_media_id,
        fallback.logo_media_id,
    );
    let icon = pick(
        &mut fallbacks,
        "icon",
        own.icon_media_id,
        fallback.icon_media_id,
    );
    let links = pick(
        &mut fallbacks,
        "social_links",
        own.social_links,
        fallback.social_links,
    );
    let contact_email = pick(
        &mut fallbacks,
        "contact_email",
        own.contact_email,
        fallback.contact_email,
    );
    let ids: Vec<i64> = logo.into_iter().chain(icon).collect();
    let rows = repo::media::by_ids(conn, &ids)?;
    let pictures = media_views(conn, &editions, state, rows, false)?;
    let picture = |id: Option<i64>| pictures.iter().find(|m| Some(m.id) == id).cloned();
    Ok(SiteResponse {
        edition: edition.code.clone(),
        direction: edition.direction.parse().unwrap_or(Direction::Ltr),
        default_edition: default.code.clone(),
        name,
        tagline,
        copyright,
        logo: picture(logo),
        icon: picture(icon),
        social_links: links
            .and_then(|json| serde_json::from_str::<Vec<site::SocialLink>>(&json).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|l| SocialLink {
                network: l.network,
                url: l.url,
            })
            .collect(),
        contact_email,
        fallbacks,
    })
}

/// The edition's own value, or else the default edition's (noted in
/// `fallbacks`).
fn pick<T>(
    fallbacks: &mut Vec<String>,
    field: &str,
    own: Option<T>,
    other: Option<T>,
) -> Option<T> {
    own.or_else(|| {
        let other = other?;
        fallbacks.push(field.to_string());
        Some(other)
    })
}

/// The site's settings for an edition: name, tagline, copyright line,
/// logo, icon, social links and contact address, each the edition's own
/// or, where it has none, the default edition's (named in `fallbacks`).
#[utoipa::path(
    tag = "site",
    params(SiteQuery),
    responses(
        (status = 200, description = "The settings", body = SiteResponse),
        responses::BadRequest,
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/site")]
pub async fn get_site(
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<SiteQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = db
        .run(move |conn| site_view(conn, &state, q.edition.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change an edition's settings (admins, scope `settings:write`).
#[utoipa::path(
    tag = "site",
    params(SiteQuery),
    request_body = UpdateSiteRequest,
    security(("bearer" = ["settings:write"])),
    responses(
        (status = 200, description = "The edition's settings as readers now get them", body = SiteResponse),
        responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
        responses::UnsupportedMediaType, responses::Unprocessable, responses::Unavailable
    )
)]
#[patch("/site")]
pub async fn update_site(
    db: Db,
    state: web::Data<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<SiteQuery>,
    ApiJson(body): ApiJson<UpdateSiteRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::SettingsWrite)?;
    let view = db
        .run(move |conn| {
            let editions = repo::editions::all(conn)?;
            let code = edition_or_default(&editions, q.edition.as_deref())?
                .code
                .clone();
            site::update(conn, &code, body.into())?;
            site_view(conn, &state, Some(&code))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
