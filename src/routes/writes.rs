//! What the category, tag and menu write handlers share: each hands its
//! request to its [`crate::content`] command and answers the resource as
//! its reads show it, with its `ETag`. [`write_handlers!`] declares the
//! three handlers (create, update, delete) of such a resource, with their
//! OpenAPI descriptions, from one [`Written`] implementation.

use std::marker::PhantomData;

use actix_web::HttpResponse;
use serde::Serialize;

use crate::auth::Principal;
use crate::content::error::WriteError;
use crate::content::terms::{self, NewTerm, Term, TermEdit};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::error::ApiError;
use crate::routes::extract::{etag, IfMatch};
use crate::routes::Db;

/// A resource written through [`write_handlers!`]: its commands, the scope
/// they need, and how a read shows it.
pub trait Written: 'static {
    /// What a create request carries.
    type New: Send + 'static;
    /// What an update request carries.
    type Edit: Send + 'static;
    /// The resource as a read shows it.
    type View: Serialize + Send + 'static;
    const SCOPE: Scope;
    /// Its collection under `/api/v1/`.
    const COLLECTION: &'static str;
    fn create(conn: &mut Conn, actor: Actor, new: Self::New) -> Result<i64, WriteError>;
    fn update(
        conn: &mut Conn,
        actor: Actor,
        id: i64,
        if_match: &IfMatch,
        edit: Self::Edit,
    ) -> Result<(), WriteError>;
    fn delete(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError>;
    /// Resource `id` as a read shows it, and its revision.
    fn reply(conn: &mut Conn, id: i64) -> Result<(Self::View, i32), ApiError>;
}

/// A kind of term (categories, tags) as [`Written`] knows it: written by
/// the [`crate::content::terms`] commands, shown as its reads show it.
pub trait TermReply: Term {
    type View: Serialize + Send + 'static;
    const COLLECTION: &'static str;
    /// Term `id` as a read shows it, and its revision.
    fn reply(conn: &mut Conn, id: i64) -> Result<(Self::View, i32), ApiError>;
}

/// The terms of kind `K`, for [`write_handlers!`].
pub struct Terms<K>(PhantomData<K>);

impl<K: TermReply + 'static> Written for Terms<K> {
    type New = NewTerm;
    type Edit = TermEdit;
    type View = K::View;
    const SCOPE: Scope = Scope::TaxonomyWrite;
    const COLLECTION: &'static str = K::COLLECTION;

    fn create(conn: &mut Conn, actor: Actor, new: NewTerm) -> Result<i64, WriteError> {
        terms::create::<K>(conn, actor, new)
    }

    fn update(
        conn: &mut Conn,
        actor: Actor,
        id: i64,
        if_match: &IfMatch,
        edit: TermEdit,
    ) -> Result<(), WriteError> {
        terms::update::<K>(conn, actor, id, if_match, edit)
    }

    fn delete(conn: &mut Conn, id: i64, if_match: &IfMatch) -> Result<(), WriteError> {
        terms::delete::<K>(conn, id, if_match)
    }

    fn reply(conn: &mut Conn, id: i64) -> Result<(K::View, i32), ApiError> {
        K::reply(conn, id)
    }
}

/// 201 with the new resource at `/api/v1/{collection}/{id}`.
pub async fn create<W: Written>(
    db: Db,
    principal: Principal,
    new: W::New,
) -> Result<HttpResponse, ApiError> {
    principal.require(W::SCOPE)?;
    let actor = Actor::from(&principal);
    let (id, view, revision) = db
        .run(move |conn| {
            let id = W::create(conn, actor, new)?;
            let (view, revision) = W::reply(conn, id)?;
            Ok((id, view, revision))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/{}/{id}", W::COLLECTION)))
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// 200 with the resource as updated.
pub async fn update<W: Written>(
    db: Db,
    principal: Principal,
    id: i64,
    if_match: IfMatch,
    edit: W::Edit,
) -> Result<HttpResponse, ApiError> {
    principal.require(W::SCOPE)?;
    let actor = Actor::from(&principal);
    let (view, revision) = db
        .run(move |conn| {
            W::update(conn, actor, id, &if_match, edit)?;
            W::reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// 204 once the resource is gone.
pub async fn delete<W: Written>(
    db: Db,
    principal: Principal,
    id: i64,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(W::SCOPE)?;
    db.run(move |conn| Ok(W::delete(conn, id, &if_match)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares `create`, `update` and `delete` handlers of a [`Written`]
/// resource, with their documentation. The literals are the OpenAPI tag,
/// the scope's name, the collection's path, the item path, a noun and
/// each handler's summary; after the delete's summary come the responses
/// it may answer besides the usual. The caller imports `actix_web`'s
/// `post`, `patch` and `delete` (the OpenAPI paths are read from them).
macro_rules! write_handlers {
    (
        $written:ty, tag = $tag:tt, scope = $scope:tt, noun = $noun:tt,
        collection = $collection:tt, item = $item:tt, response = $response:ty,
        create = $create:ident($create_body:ty, $create_doc:tt),
        update = $update:ident($update_body:ty, $update_doc:tt),
        delete = $delete:ident($delete_doc:tt $(, $delete_extra:path)*)
    ) => {
        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag,
            request_body = $create_body,
            security(("bearer" = [$scope])),
            responses(
                (status = 201, description = concat!("The ", $noun, " as stored"), body = $response,
                 headers(("Location" = String, description = "Its URL"), ("ETag" = String, description = "Its version"))),
                $crate::error::responses::BadRequest, $crate::error::responses::Unauthorized,
                $crate::error::responses::Forbidden, $crate::error::responses::UnsupportedMediaType,
                $crate::error::responses::Unprocessable, $crate::error::responses::Unavailable
            )
        )]
        #[post($collection)]
        pub async fn $create(
            db: $crate::routes::Db,
            principal: $crate::auth::Principal,
            $crate::routes::extract::ApiJson(body): $crate::routes::extract::ApiJson<$create_body>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::writes::create::<$written>(db, principal, body.into()).await
        }

        #[doc = $update_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = i64, Path, description = concat!("The ", $noun, "'s id")), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
            request_body = $update_body,
            security(("bearer" = [$scope])),
            responses(
                (status = 200, description = concat!("The updated ", $noun), body = $response, headers(("ETag" = String, description = "The new version"))),
                $crate::error::responses::BadRequest, $crate::error::responses::Unauthorized,
                $crate::error::responses::Forbidden, $crate::error::responses::NotFound,
                $crate::error::responses::PreconditionFailed, $crate::error::responses::UnsupportedMediaType,
                $crate::error::responses::Unprocessable, $crate::error::responses::Unavailable
            )
        )]
        #[patch($item)]
        pub async fn $update(
            db: $crate::routes::Db,
            principal: $crate::auth::Principal,
            id: actix_web::web::Path<i64>,
            if_match: $crate::routes::extract::IfMatch,
            $crate::routes::extract::ApiJson(body): $crate::routes::extract::ApiJson<$update_body>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::writes::update::<$written>(db, principal, id.into_inner(), if_match, body.into())
                .await
        }

        #[doc = $delete_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = i64, Path, description = concat!("The ", $noun, "'s id")), ("If-Match" = Option<String>, Header, description = "The ETag you read (`\"3\"`), or `*`; a stale one gets 412 and changes nothing")),
            security(("bearer" = [$scope])),
            responses(
                (status = 204, description = "Deleted"),
                $crate::error::responses::BadRequest, $crate::error::responses::Unauthorized,
                $crate::error::responses::Forbidden, $crate::error::responses::NotFound,
                $($delete_extra,)* $crate::error::responses::PreconditionFailed,
                $crate::error::responses::Unavailable
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            db: $crate::routes::Db,
            principal: $crate::auth::Principal,
            id: actix_web::web::Path<i64>,
            if_match: $crate::routes::extract::IfMatch,
            _: $crate::routes::ApiQuery<$crate::routes::extract::NoParams>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::writes::delete::<$written>(db, principal, id.into_inner(), if_match).await
        }
    };
}
pub(crate) use write_handlers;
