//! The OpenAPI 3.1 document. Paths are collected from the routes as they
//! are registered ([`crate::routes::configure`]); this adds what a route
//! cannot say about itself.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Nashr",
        description = "A headless, multilingual content API. Every edition (language) has its own \
posts, categories, tags and menus, linked across editions by `translation_group`; right-to-left \
editions say so in `direction`.\n\nLists are paginated with `page` and `per_page` and answer \
`{data, meta, links}` with the same links in an RFC 8288 `Link` header and the total in \
`X-Total-Count`. Unknown query parameters and bad values are a 400. Every error is an RFC 9457 \
`application/problem+json` document.\n\nEvery response carries `X-Request-Id` (the client's own, \
when it sends a plain one) and `Server-Timing` with the database time and query count."
    ),
    tags(
        (name = "editions", description = "Language editions"),
        (name = "posts", description = "Articles and pages"),
        (name = "categories", description = "Hierarchical categories, per edition"),
        (name = "tags", description = "Flat tags, per edition"),
        (name = "media", description = "Images, video, audio, documents and embeds"),
        (name = "menus", description = "Navigation menus, per edition"),
        (name = "authors", description = "Public author profiles"),
        (name = "operations", description = "Health and readiness probes"),
    ),
    components(schemas(Problem, FieldError))
)]
struct ApiDoc;

/// The document for the routes this build serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    doc
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a
/// final newline.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the document serialises");
    json.push('\n');
    json
}
