//! What the category and tag write handlers share: each hands its request
//! to the same [`crate::content::terms`] command and answers the term as
//! its reads show it, with its `ETag`.

use actix_web::HttpResponse;
use serde::Serialize;

use crate::auth::Principal;
use crate::content::terms::{self, NewTerm, Term, TermEdit};
use crate::db::Conn;
use crate::domain::access::{Actor, Scope};
use crate::error::ApiError;
use crate::routes::extract::{etag, IfMatch};
use crate::routes::Db;

/// A term as a read shows it, and its revision.
pub type Reply<V> = fn(&mut Conn, i64) -> Result<(V, i32), ApiError>;

/// 201 with the new term at `/api/v1/{collection}/{id}`.
pub async fn create<K: Term, V: Serialize + Send + 'static>(
    db: Db,
    principal: Principal,
    new: NewTerm,
    reply: Reply<V>,
    collection: &'static str,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    let actor = Actor::from(&principal);
    let (id, view, revision) = db
        .run(move |conn| {
            let id = terms::create::<K>(conn, actor, new)?;
            let (view, revision) = reply(conn, id)?;
            Ok((id, view, revision))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/{collection}/{id}")))
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// 200 with the term as updated.
pub async fn update<K: Term, V: Serialize + Send + 'static>(
    db: Db,
    principal: Principal,
    id: i64,
    if_match: IfMatch,
    edit: TermEdit,
    reply: Reply<V>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    let actor = Actor::from(&principal);
    let (view, revision) = db
        .run(move |conn| {
            terms::update::<K>(conn, actor, id, &if_match, edit)?;
            reply(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(revision)))
        .json(view))
}

/// 204 once the term is gone.
pub async fn delete<K: Term>(
    db: Db,
    principal: Principal,
    id: i64,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    principal.require(Scope::TaxonomyWrite)?;
    db.run(move |conn| Ok(terms::delete::<K>(conn, id, &if_match)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
