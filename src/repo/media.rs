use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::schema::{media, media_renditions};
use crate::db::Conn;
use crate::domain::MediaKind;
use crate::with_conn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MediaRow {
    pub id: i64,
    pub kind: String,
    pub edition_id: Option<i64>,
    pub slug: String,
    pub title: String,
    pub storage_key: Option<String>,
    pub source_url: Option<String>,
    pub original_filename: Option<String>,
    pub mime_type: String,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration: Option<f64>,
    pub alt_text: String,
    pub caption: String,
    pub credit: String,
    pub placeholder: Option<String>,
    pub metadata: String,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub kind: &'a str,
    pub edition_id: Option<i64>,
    pub slug: &'a str,
    pub title: &'a str,
    pub storage_key: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub original_filename: Option<&'a str>,
    pub mime_type: &'a str,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration: Option<f64>,
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
    pub placeholder: Option<&'a str>,
    pub metadata: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media_renditions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RenditionRow {
    pub id: i64,
    pub media_id: i64,
    pub name: String,
    pub storage_key: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub file_size: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media_renditions)]
pub struct NewRendition<'a> {
    pub media_id: i64,
    pub name: &'a str,
    pub storage_key: &'a str,
    pub mime_type: &'a str,
    pub width: i32,
    pub height: i32,
    pub file_size: i64,
}

#[derive(Debug, Clone, Default)]
pub struct MediaFilter {
    pub edition_id: Option<i64>,
    pub kind: Option<MediaKind>,
}

/// Order of a media list; ties are broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub enum MediaSort {
    #[default]
    #[serde(rename = "-created_at")]
    CreatedDesc,
    #[serde(rename = "created_at")]
    CreatedAsc,
    #[serde(rename = "-file_size")]
    SizeDesc,
    #[serde(rename = "id")]
    IdAsc,
    #[serde(rename = "-id")]
    IdDesc,
}

macro_rules! filtered {
    ($f:expr) => {{
        let f: &MediaFilter = $f;
        let mut q = media::table.into_boxed();
        if let Some(id) = f.edition_id {
            q = q.filter(media::edition_id.eq(id));
        }
        if let Some(kind) = f.kind {
            q = q.filter(media::kind.eq(kind.as_str()));
        }
        q
    }};
}

pub fn list(
    conn: &mut Conn,
    filter: &MediaFilter,
    sort: MediaSort,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<MediaRow>, i64)> {
    with_conn!(conn, c => {
        let total: i64 = filtered!(filter).count().get_result(c)?;
        if offset >= total {
            return Ok((vec![], total));
        }
        let q = filtered!(filter).select(MediaRow::as_select());
        let q = match sort {
            MediaSort::CreatedDesc => q.order((media::created_at.desc(), media::id.desc())),
            MediaSort::CreatedAsc => q.order((media::created_at.asc(), media::id.asc())),
            MediaSort::SizeDesc => q.order((media::file_size.desc(), media::id.desc())),
            MediaSort::IdAsc => q.order(media::id.asc()),
            MediaSort::IdDesc => q.order(media::id.desc()),
        };
        Ok((q.limit(limit).offset(offset).load(c)?, total))
    })
}

pub fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<MediaRow>> {
    with_conn!(conn, c => media::table.find(id).select(MediaRow::as_select()).first(c).optional())
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<MediaRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(c))
}

pub fn renditions_of(conn: &mut Conn, media_ids: &[i64]) -> QueryResult<Vec<RenditionRow>> {
    if media_ids.is_empty() {
        return Ok(vec![]);
    }
    with_conn!(conn, c => media_renditions::table
        .filter(media_renditions::media_id.eq_any(media_ids))
        .select(RenditionRow::as_select())
        .order((media_renditions::media_id, media_renditions::width, media_renditions::id))
        .load(c))
}

pub fn insert(
    conn: &mut Conn,
    new: &NewMedia<'_>,
    renditions: &[NewRendition<'_>],
) -> QueryResult<i64> {
    with_conn!(conn, c => {
        let id: i64 = diesel::insert_into(media::table)
            .values(new)
            .returning(media::id)
            .get_result(c)?;
        for r in renditions {
            diesel::insert_into(media_renditions::table)
                .values(NewRendition { media_id: id, ..*r })
                .execute(c)?;
        }
        Ok(id)
    })
}
