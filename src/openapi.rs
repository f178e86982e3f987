//! The OpenAPI 3.1 document. Paths are collected from the routes as they
//! are registered ([`crate::routes::configure`]); this adds what a route
//! cannot say about itself.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::{FieldErrorSchema, Problem};
use crate::routes::fields::FIELDS_MEDIA_TYPE;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Nashr",
        description = "A headless, multilingual content API. Every edition (language) has its own \
posts, categories, tags and menus, linked across editions by `translation_group`; right-to-left \
editions say so in `direction`.\n\nLists are paginated with `page` and `per_page` and answer \
`{data, meta, links}` with the same links in an RFC 8288 `Link` header and the total in \
`X-Total-Count`. Unknown query parameters and malformed values are a 400; a value that names \
an edition, category, tag or author that does not exist is a 404. Every error is an RFC 9457 \
`application/problem+json` document.\n\nEvery response carries `X-Request-Id` (the client's own, \
when it sends a plain one) and `Server-Timing` with the database time and query count.\n\n\
Reads without a token and all writes are rate-limited per client address (`RateLimit-*` headers; \
`429` with `Retry-After` past the limit). Browsers may call the API from the frontend origins the \
operator lists (CORS). `GET /metrics` serves Prometheus metrics."
    ),
    tags(
        (name = "editions", description = "Language editions"),
        (name = "site", description = "The site's name, logo, social links and copyright line, per edition"),
        (name = "posts", description = "Articles and pages"),
        (name = "categories", description = "Hierarchical categories, per edition"),
        (name = "tags", description = "Flat tags, per edition"),
        (name = "media", description = "Images, video, audio, documents and embeds"),
        (name = "menus", description = "Navigation menus, per edition"),
        (name = "authors", description = "Public author profiles"),
        (name = "comments", description = "Reader comments on posts, held for moderation"),
        (name = "auth", description = "Logging in"),
        (name = "tokens", description = "Script tokens"),
        (name = "webhooks", description = "Webhooks: signed deliveries of every public change (Standard Webhooks)"),
        (name = "users", description = "User accounts"),
        (name = "redirects", description = "Old addresses of imported content and where they lead now"),
        (name = "feeds", description = "RSS and Atom feeds per edition and category; sitemaps with hreflang alternates"),
        (name = "operations", description = "Health and readiness probes, and metrics"),
    ),
    components(schemas(Problem, FieldErrorSchema)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// `Authorization: Bearer <token>`: a login JWT from `POST /api/v1/auth/token`
/// or a script token (`nashr_...`) from `POST /api/v1/tokens`. The scopes an
/// operation lists are the ones it needs.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A login JWT (`POST /api/v1/auth/token`) or a script token \
                         (`nashr_...`, `POST /api/v1/tokens`). A login acts with every scope \
                         of the user's role; a script token with its own scopes, intersected \
                         with its owner's current role. Scopes: `read` (drafts, scheduled, \
                         trash, revisions), `posts:write`, `media:write`, `taxonomy:write`, \
                         `menus:write`, `comments:moderate`, `webhooks:write`, `settings:write`, \
                         `admin`. Roles: admin (everything), editor (all \
                         content, comment moderation), author (own posts, media), contributor (own drafts).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document for the routes this build serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    add_caching(&mut doc);
    add_common_headers(&mut doc);
    share_list_items(&mut doc);
    add_partial_posts(&mut doc);
    add_server_and_public_security(&mut doc);
    doc
}

/// Each `ListResponse_X` envelope refers to `X` for its items instead of
/// holding a copy of it, so that generated clients have one type per
/// resource.
fn share_list_items(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    use utoipa::openapi::{Ref, RefOr};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let lists: Vec<String> = components
        .schemas
        .keys()
        .filter(|k| k.starts_with("ListResponse_"))
        .cloned()
        .collect();
    for list in lists {
        let item = list.trim_start_matches("ListResponse_").to_string();
        let Some(RefOr::T(Schema::Object(envelope))) = components.schemas.get_mut(&list) else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(data))) = envelope.properties.get_mut("data") else {
            continue;
        };
        let ArrayItems::RefOrSchema(items) = &mut data.items else {
            continue;
        };
        if let RefOr::T(inline) = items.as_ref() {
            let inline = inline.clone();
            **items = RefOr::Ref(Ref::from_schema_name(&item));
            components.schemas.entry(item).or_insert(RefOr::T(inline));
        }
    }
}

/// The server is wherever the document was fetched from (paths carry
/// `/api/v1`), and an operation that says nothing of security is public:
/// it says so with `security: []`, as linters and generators expect.
fn add_server_and_public_security(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::server::ServerBuilder;
    doc.servers = Some(vec![ServerBuilder::new()
        .url("/")
        .description(Some("This server: the one that serves this document"))
        .build()]);
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            op.security.get_or_insert_with(Vec::new);
            // A header is absent or a string, never null (`If-Match`).
            for param in op.parameters.iter_mut().flatten() {
                if param.parameter_in == ParameterIn::Header {
                    param.schema = Some(RefOr::T(Schema::Object(
                        ObjectBuilder::new().schema_type(Type::String).build(),
                    )));
                }
            }
        }
    }
}

/// With `fields`, posts have only the fields asked for. Such answers come
/// as [`FIELDS_MEDIA_TYPE`], declared beside `application/json` with
/// `PostFields` (the properties of `PostResponse`, none required), so
/// that `application/json` stays a whole, fully typed `PostResponse`.
fn add_partial_posts(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, SchemaType};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(full))) = components.schemas.get("PostResponse").cloned()
    else {
        return;
    };
    let mut partial = full;
    partial.required.clear();
    // Nested objects hold only the names asked for inside them, if any;
    // references to closed sets of strings (`status`, `kind`) stay whole.
    let objects: Vec<String> = components
        .schemas
        .iter()
        .filter(|(_, s)| serde_json::to_string(s).is_ok_and(|j| j.contains("\"properties\"")))
        .map(|(name, _)| format!("#/components/schemas/{name}\""))
        .collect();
    for property in partial.properties.values_mut() {
        let nested = serde_json::to_string(property).is_ok_and(|j| {
            objects.iter().any(|o| j.contains(o.as_str()))
                || j.contains("\"properties\"")
                || j.contains("\"items\"")
        });
        if nested {
            let description =
                "With nested names in `fields` (`author.display_name`), only those fields of it.";
            *property = RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(SchemaType::AnyValue)
                    .description(Some(description))
                    .build(),
            ));
        }
    }
    partial.description = Some(format!(
        "A post with only the `fields` asked for (answers of media type `{FIELDS_MEDIA_TYPE}`)"
    ));
    components
        .schemas
        .insert("PostFields".into(), RefOr::T(Schema::Object(partial)));
    let Some(RefOr::T(Schema::Object(mut list))) =
        components.schemas.get("ListResponse_PostResponse").cloned()
    else {
        return;
    };
    if let Some(RefOr::T(Schema::Array(data))) = list.properties.get_mut("data") {
        data.items =
            ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name("PostFields"))));
    }
    components.schemas.insert(
        "ListResponse_PostFields".into(),
        RefOr::T(Schema::Object(list)),
    );
    for (path, shape) in [
        ("/api/v1/posts", "ListResponse_PostFields"),
        ("/api/v1/posts/{id}", "PostFields"),
        ("/api/v1/posts/by-slug/{slug}", "PostFields"),
    ] {
        let ok = doc
            .paths
            .paths
            .get_mut(path)
            .and_then(|item| item.get.as_mut())
            .and_then(|op| op.responses.responses.get_mut("200"));
        if let Some(RefOr::T(ok)) = ok {
            ok.content.insert(
                FIELDS_MEDIA_TYPE.into(),
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(shape)))
                    .build(),
            );
        }
    }
}

/// Documents what [`crate::caching`] adds to public reads: `If-None-Match`,
/// the `304` answer, and `ETag`, `Cache-Control`, `Vary` and
/// `Content-Encoding` on `200`s.
fn add_caching(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, RefOr, Required, ResponseBuilder, Type};
    let header = |description: &str| {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(description))
            .build()
    };
    let etag = header(
        "Without a token: a strong hash of the representation (`\"<hash>\"`, or `\"<hash>-br\"` / `\"<hash>-gzip\"` for a compressed body), for `If-None-Match`; single items put their revision in front (`\"3.<hash>\"`), so the tag also works in `If-Match`. With a token, single items answer their revision (`\"3\"`).",
    );
    let cache_control = header(
        "Without a token: `public, max-age=60, stale-while-revalidate=300` (configurable); with one: `private, no-store`.",
    );
    let vary = header("`Accept-Encoding` and `Authorization`.");
    let last_modified = header(
        "Without a token: the last public change to anything the response shows (a write, or a scheduled post going live), for `If-Modified-Since`.",
    );
    let surrogate_key = header(
        "Without a token: what the response shows, for purging a CDN by key: its collection (`posts`, `categories`, `feeds`, ...), `<kind>-<id>` of every item in it, embedded ones included (`post-12 author-3 category-5 tag-9 media-40`), and `<kind>-<id>-posts` for every count of live posts it shows (`category-5-posts`), space-separated. The change log names the keys each change makes stale: after a write to post 12, purge `post-12` and `posts`.",
    );
    let cache_tag =
        header("The same keys as `Surrogate-Key`, comma-separated (Cloudflare's `Cache-Tag`).");
    let encoding = header("`br` or `gzip` when the client's `Accept-Encoding` asks for it.");
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "An `ETag` from an earlier answer (of any coding): a `304` with no body when the \
             representation is still the same. For reads without a token.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let if_modified_since = ParameterBuilder::new()
        .name("If-Modified-Since")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "A `Last-Modified` from an earlier answer: a `304` when content has not changed since \
             (ignored when `If-None-Match` is sent). For reads without a token.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if !(path.starts_with("/api/")
            || path.starts_with("/feeds/")
            || path.starts_with("/sitemap"))
        {
            continue;
        }
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(if_none_match.clone());
        if let Some(params) = operation.parameters.as_mut() {
            params.push(if_modified_since.clone());
        }
        if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
            ok.headers.insert("ETag".into(), etag.clone());
            ok.headers
                .insert("Last-Modified".into(), last_modified.clone());
            ok.headers
                .insert("Surrogate-Key".into(), surrogate_key.clone());
            ok.headers.insert("Cache-Tag".into(), cache_tag.clone());
            ok.headers
                .insert("Cache-Control".into(), cache_control.clone());
            ok.headers.insert("Vary".into(), vary.clone());
            ok.headers
                .insert("Content-Encoding".into(), encoding.clone());
        }
        let not_modified = ResponseBuilder::new()
            .description(
                "Not Modified: `If-None-Match` names the current representation, or nothing \
                 changed since `If-Modified-Since`",
            )
            .header("ETag", etag.clone())
            .header("Last-Modified", last_modified.clone())
            .header("Cache-Control", cache_control.clone())
            .build();
        operation
            .responses
            .responses
            .insert("304".into(), RefOr::T(not_modified));
    }
}

/// Documents the headers that the middleware puts on every response.
fn add_common_headers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, RefOr, Type};
    let header = |description: &str| {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(description))
            .build()
    };
    let request_id = header("The request's id: the client's own `X-Request-Id` when it is plain (letters, digits, `-_.:`, up to 128), otherwise a new one");
    let limit_headers = [
        ("RateLimit-Limit", "Requests allowed per window from this client address (reads without a token, or writes)"),
        ("RateLimit-Remaining", "Requests left in the current window"),
        ("RateLimit-Reset", "Seconds until the window starts again"),
        ("RateLimit-Policy", "The limit and its window: `3000;w=60`"),
    ]
    .map(|(name, description)| (name, header(description)));
    let bad_request = utoipa::openapi::ResponseBuilder::new()
        .description(
            "Bad Request: the address is malformed (an unknown parameter, a NUL character), \
             and the problem says how",
        )
        .content(
            "application/problem+json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    let too_many = {
        let mut response = utoipa::openapi::ResponseBuilder::new()
            .description(
                "Too Many Requests: this client address used up its allowance of reads without \
                 a token or of writes (`NASHR_RATE_LIMIT_*`), or of failed logins; retry after \
                 `Retry-After` seconds",
            )
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
            .header("Retry-After", header("Seconds to wait before retrying"));
        for (name, h) in &limit_headers {
            response = response.header(*name, h.clone());
        }
        response.build()
    };
    let timing = header("Time spent and queries made in the database, and time in the app: `db;dur=1.2;desc=\"queries=10\", app;dur=3.4`");
    for (path, item) in doc.paths.paths.iter_mut() {
        let limited = !matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("400".into())
                .or_insert_with(|| RefOr::T(bad_request.clone()));
            if limited {
                operation
                    .responses
                    .responses
                    .insert("429".into(), RefOr::T(too_many.clone()));
            }
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response {
                    response
                        .headers
                        .insert("X-Request-Id".into(), request_id.clone());
                    response
                        .headers
                        .insert("Server-Timing".into(), timing.clone());
                    if limited && status.starts_with('2') {
                        for (name, h) in &limit_headers {
                            response.headers.insert((*name).into(), h.clone());
                        }
                    }
                }
            }
        }
    }
}

/// The document as `/openapi.json` serves it (compact JSON), made once.
pub struct Served(pub actix_web::web::Bytes);

/// `GET /openapi.json`.
pub async fn serve(doc: actix_web::web::Data<Served>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(doc.0.clone())
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
