//! Earlier versions of posts: each update keeps the version it replaced.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::keyset::{self, Key, Window};
use crate::db::schema::post_revisions;
use crate::db::Conn;
use crate::repo::posts::PostRow;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = post_revisions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RevisionRow {
    pub id: i64,
    pub post_id: i64,
    pub revision: i32,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub content: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub author_id: Option<i64>,
    pub featured_media_id: Option<i64>,
    pub featured: bool,
    pub category_ids: String,
    pub tag_ids: String,
    pub edited_by: Option<i64>,
    pub edited_at: NaiveDateTime,
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Parses ids written by [`snapshot`].
pub fn split_ids(ids: &str) -> Vec<i64> {
    ids.split(',').filter_map(|id| id.parse().ok()).collect()
}

/// Keeps `post` as it is now, with its terms, before an update replaces it.
pub fn snapshot(
    conn: &mut Conn,
    post: &PostRow,
    category_ids: &[i64],
    tag_ids: &[i64],
) -> QueryResult<()> {
    let (cats, tags) = (join_ids(category_ids), join_ids(tag_ids));
    with_conn!(conn, c => diesel::insert_into(post_revisions::table)
        .values((
            post_revisions::post_id.eq(post.id),
            post_revisions::revision.eq(post.revision),
            post_revisions::title.eq(&post.title),
            post_revisions::slug.eq(&post.slug),
            post_revisions::excerpt.eq(&post.excerpt),
            post_revisions::content.eq(&post.content),
            post_revisions::status.eq(&post.status),
            post_revisions::published_at.eq(post.published_at),
            post_revisions::author_id.eq(post.author_id),
            post_revisions::featured_media_id.eq(post.featured_media_id),
            post_revisions::featured.eq(post.featured),
            post_revisions::category_ids.eq(&cats),
            post_revisions::tag_ids.eq(&tags),
            post_revisions::edited_by.eq(post.updated_by),
            post_revisions::edited_at.eq(post.updated_at),
        ))
        .execute(c))?;
    Ok(())
}

/// A post's earlier versions, newest first.
/// Revisions newest first.
pub const ORDER: [Key; 1] = [Key::desc("post_revisions.revision").int()];

/// A window of post `post_id`'s revisions, newest first, and how many
/// it has.
pub fn list(
    conn: &mut Conn,
    post_id: i64,
    window: &Window,
) -> QueryResult<(Vec<RevisionRow>, i64)> {
    with_conn!(conn, c => {
        let total: i64 = post_revisions::table
            .filter(post_revisions::post_id.eq(post_id))
            .count()
            .get_result(c)?;
        if window.offset >= total {
            return Ok((vec![], total));
        }
        let q = post_revisions::table
            .filter(post_revisions::post_id.eq(post_id))
            .select(RevisionRow::as_select())
            .into_boxed();
        Ok((keyset::windowed!(q, &ORDER, "post_revisions.id", true, window).load(c)?, total))
    })
}

pub fn find(conn: &mut Conn, post_id: i64, revision: i32) -> QueryResult<Option<RevisionRow>> {
    with_conn!(conn, c => post_revisions::table
        .filter(post_revisions::post_id.eq(post_id))
        .filter(post_revisions::revision.eq(revision))
        .select(RevisionRow::as_select())
        .first(c)
        .optional())
}
