pub mod write;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Direction;
use crate::error::{responses, ApiError};
use crate::repo;
use crate::repo::editions::EditionRow;
use crate::routes::extract::NoParams;
use crate::routes::pagination::{list_query, ListResponse};
use crate::routes::{found, ApiQuery, AppState, Db};

/// A language edition of the site.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "fa", "name": "Persian", "native_name": "فارسی", "direction": "rtl", "is_default": false}))]
pub struct EditionResponse {
    /// BCP 47 language code.
    pub code: String,
    /// Name in English.
    pub name: String,
    /// Name in the edition's own language.
    pub native_name: String,
    pub direction: Direction,
    /// The edition shown when a reader has not chosen one.
    pub is_default: bool,
}

impl From<&EditionRow> for EditionResponse {
    fn from(e: &EditionRow) -> Self {
        EditionResponse {
            code: e.code.clone(),
            name: e.name.clone(),
            native_name: e.native_name.clone(),
            direction: e.direction.parse().unwrap_or(Direction::Ltr),
            is_default: e.is_default,
        }
    }
}

list_query! {
    pub struct EditionListQuery {}
}

/// List the language editions, in display order.
#[utoipa::path(
    tag = "editions",
    params(EditionListQuery),
    responses(
        (status = 200, description = "A page of editions", body = ListResponse<EditionResponse>,
         headers(
             ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages"),
             ("X-Total-Count" = i64, description = "Items in the whole list")
         )),
        responses::BadRequest,
        responses::Unavailable
    )
)]
#[get("/editions")]
pub async fn list_editions(
    req: HttpRequest,
    db: Db,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<EditionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let editions = db.run(|conn| Ok(repo::editions::all(conn)?)).await?;
    let (rows, total, next) =
        page.in_memory("position", editions.0.iter().collect(), false, |e| {
            (vec![e.position.into()], e.id)
        })?;
    let data = rows.into_iter().map(EditionResponse::from).collect();
    Ok(ListResponse::new(&req, &state.public_url, data, total, page, next).respond())
}

/// One edition by its code.
#[utoipa::path(
    tag = "editions",
    params(("code" = String, Path, description = "Edition code, e.g. `fa`")),
    responses(
        (status = 200, description = "The edition", body = EditionResponse,
         headers(("ETag" = String, description = "Its version, for `If-Match`"))),
        responses::NotFound,
        responses::Unavailable
    )
)]
#[get("/editions/{code}")]
pub async fn get_edition(
    db: Db,
    code: web::Path<String>,
    _: ApiQuery<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let editions = db.run(|conn| Ok(repo::editions::all(conn)?)).await?;
    let edition = found(editions.by_code(&code), "edition")?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", crate::routes::extract::etag(edition.revision)))
        .json(EditionResponse::from(edition)))
}
