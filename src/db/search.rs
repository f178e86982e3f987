//! Full-text search on both backends behind one interface.
//!
//! SQLite keeps an FTS5 table per index (`post_search`, `media_search`),
//! PostgreSQL a table with a `tsvector` and a GIN index; both are keyed by
//! `rowid`, the id of the item. The text put in either is folded by
//! [`crate::domain::search`] first, and queries are folded the same way, so
//! both backends match the same words. Ranking: FTS5's bm25 and PostgreSQL's
//! `ts_rank`, title words weighing more than body words.
//!
//! Writers call [`put`] and [`remove`] in the same transaction as the row's
//! own write, so the index is always in step; [`backfill`] indexes rows
//! that have no entry (after the migration that created the index).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::schema::{media, media_search, post_search, posts};
use crate::db::Conn;
use crate::domain::content::plain_text;
use crate::domain::search::{index_text, SearchQuery};
use crate::with_conn;

/// Which index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Posts,
    Media,
}

impl Index {
    fn table(self) -> &'static str {
        match self {
            Index::Posts => "post_search",
            Index::Media => "media_search",
        }
    }
}

/// `$items` (`posts::table`) joined with its index `$index`
/// (`post_search::table`) on `"$index.rowid + 0 = $id"`. The `+ 0` keeps
/// SQLite from looking the index up row by row from the items (each
/// lookup evaluates the whole MATCH: 150 ms for a rare word in 10,000
/// posts); the index drives instead, then items by primary key (0.2 ms).
macro_rules! search_join {
    ($items:expr, $index:ident, $on:literal) => {
        $items.inner_join(
            $crate::db::schema::$index::table.on(diesel::dsl::sql::<diesel::sql_types::Bool>($on)),
        )
    };
}
pub(crate) use search_join;

/// Narrows boxed query `$q` (joined with `$table`, `post_search` or
/// `media_search`) to the rows matching `$query` (a `SearchQuery`).
macro_rules! search_filter {
    ($q:ident, $backend:expr, $table:literal, $query:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::{Bool, Text};
        match $backend {
            $crate::db::Backend::Sqlite => {
                $q.filter(sql::<Bool>(concat!($table, " MATCH ")).bind::<Text, _>($query.fts5()))
            }
            $crate::db::Backend::Postgres => $q.filter(
                sql::<Bool>(concat!($table, ".doc @@ to_tsquery('simple', "))
                    .bind::<Text, _>($query.tsquery())
                    .sql(")"),
            ),
        }
    }};
}
pub(crate) use search_filter;

/// Orders boxed query `$q` (already filtered by [`search_filter!`]) most
/// relevant first; ties go to the higher id.
macro_rules! by_relevance {
    ($q:ident, $backend:expr, $table:literal, $id:expr, $query:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::{Double, Text};
        match $backend {
            $crate::db::Backend::Sqlite => $q
                .order(sql::<Double>(concat!($table, ".rank")).asc())
                .then_order_by($id.desc()),
            $crate::db::Backend::Postgres => $q
                .order(
                    sql::<Double>(concat!("ts_rank(", $table, ".doc, to_tsquery('simple', "))
                        .bind::<Text, _>($query.tsquery())
                        .sql("))")
                        .desc(),
                )
                .then_order_by($id.desc()),
        }
    }};
}
pub(crate) use by_relevance;

/// Loads `(id, score)` of the newest `$limit` rows of boxed query `$q`
/// (filtered by [`search_filter!`]) by index id: lower scores are more
/// relevant on both backends (FTS5's bm25 rank; PostgreSQL's `ts_rank`,
/// negated).
macro_rules! newest_scored {
    ($c:ident, $q:ident, $backend:expr, $table:literal, $id:expr, $query:expr, $limit:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::{BigInt, Double, Text};
        let newest = sql::<BigInt>(concat!($table, ".rowid")).desc();
        match $backend {
            $crate::db::Backend::Sqlite => $q
                .select(($id, sql::<Double>(concat!($table, ".rank"))))
                .order(newest)
                .limit($limit)
                .load::<(i64, f64)>($c),
            $crate::db::Backend::Postgres => $q
                .select((
                    $id,
                    sql::<Double>(concat!("(-ts_rank(", $table, ".doc, to_tsquery('simple', "))
                        .bind::<Text, _>($query.tsquery())
                        .sql("))::float8)"),
                ))
                .order(newest)
                .limit($limit)
                .load::<(i64, f64)>($c),
        }
    }};
}
pub(crate) use newest_scored;

/// Counts the rows boxed query `$make` selects and loads the `$row`s of
/// window `$w` (its columns selected by `$select`): most relevant to `$relevance` first when it is
/// `Some(query)` (the index `$table` joined), otherwise in the keyset order
/// `$keys` then id column `$id` (descending when `$id_desc`). `return`s
/// the rows and the count from the enclosing function.
macro_rules! page_of {
    ($c:ident, $make:expr, $row:ty, $select:expr, $backend:expr, $table:literal, $id_col:expr, $id:literal,
     $relevance:expr, $keys:expr, $id_desc:expr, $w:expr, $known_total:expr) => {{
        let w: &$crate::db::keyset::Window = $w;
        let known: Option<i64> = $known_total;
        let total: i64 = match known {
            Some(total) => total,
            None => $make.count().get_result($c)?,
        };
        if w.offset >= total {
            return Ok((vec![], total));
        }
        let q = $make.select($select);
        let rows: Vec<$row> = match $relevance {
            Some(s) => $crate::db::search::by_relevance!(q, $backend, $table, $id_col, s)
                .limit(w.limit)
                .offset(w.offset)
                .load($c)?,
            None => $crate::db::keyset::windowed!(q, &$keys, $id, $id_desc, w).load($c)?,
        };
        return Ok((rows, total));
    }};
}
pub(crate) use page_of;

/// How many items of `index` match `query` with an id of at least
/// `from_id`: the index alone, no other filter (for estimates).
pub fn matches(
    conn: &mut Conn,
    index: Index,
    query: &SearchQuery,
    from_id: i64,
) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let table = index.table();
    let count: Count = match conn {
        Conn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE {table} MATCH ? AND rowid >= ?"
        ))
        .bind::<Text, _>(query.fts5())
        .bind::<BigInt, _>(from_id)
        .get_result(c)?,
        Conn::Pg(c) => diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE doc @@ to_tsquery('simple', $1) AND rowid >= $2"
        ))
        .bind::<Text, _>(query.tsquery())
        .bind::<BigInt, _>(from_id)
        .get_result(c)?,
    };
    Ok(count.n)
}

/// Indexes item `id` of `index` with its `title` and `body` (plain text),
/// replacing what was indexed before.
pub fn put(conn: &mut Conn, index: Index, id: i64, title: &str, body: &str) -> QueryResult<()> {
    let (title, body) = (index_text(title), index_text(body));
    let table = index.table();
    match conn {
        Conn::Sqlite(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE rowid = ?"))
                .bind::<BigInt, _>(id)
                .execute(c)?;
            diesel::sql_query(format!(
                "INSERT INTO {table} (rowid, title, body) VALUES (?, ?, ?)"
            ))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(title)
            .bind::<Text, _>(body)
            .execute(c)?;
        }
        Conn::Pg(c) => {
            diesel::sql_query(format!(
                "INSERT INTO {table} (rowid, doc) VALUES ($1, \
                 setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B')) \
                 ON CONFLICT (rowid) DO UPDATE SET doc = EXCLUDED.doc"
            ))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(title)
            .bind::<Text, _>(body)
            .execute(c)?;
        }
    }
    Ok(())
}

/// Removes item `id` from `index`.
pub fn remove(conn: &mut Conn, index: Index, id: i64) -> QueryResult<()> {
    let sql = format!("DELETE FROM {} WHERE rowid = $1", index.table());
    let sql = match conn {
        Conn::Sqlite(_) => sql.replace("$1", "?"),
        Conn::Pg(_) => sql,
    };
    with_conn!(conn, c => diesel::sql_query(&sql).bind::<BigInt, _>(id).execute(c))?;
    Ok(())
}

/// What a post's index entry holds: its title, and its excerpt and text.
pub fn post_text(title: &str, excerpt: &str, content: &str) -> (String, String) {
    (
        title.to_string(),
        format!("{excerpt}\n{}", plain_text(content)),
    )
}

/// What a media item's index entry holds: its title, and its alt text,
/// caption and credit.
pub fn media_text(title: &str, alt_text: &str, caption: &str, credit: &str) -> (String, String) {
    (
        title.to_string(),
        format!("{alt_text}\n{caption}\n{credit}"),
    )
}

/// Re-indexes post `id` from its row (gone: removed from the index).
pub fn reindex_post(conn: &mut Conn, id: i64) -> QueryResult<()> {
    let row: Option<(String, String, String)> = with_conn!(conn, c => posts::table
        .find(id)
        .select((posts::title, posts::excerpt, posts::content))
        .first(c)
        .optional())?;
    match row {
        Some((title, excerpt, content)) => {
            let (title, body) = post_text(&title, &excerpt, &content);
            put(conn, Index::Posts, id, &title, &body)
        }
        None => remove(conn, Index::Posts, id),
    }
}

/// Re-indexes media item `id` from its row (gone: removed from the index).
pub fn reindex_media(conn: &mut Conn, id: i64) -> QueryResult<()> {
    let row: Option<(String, String, String, String)> = with_conn!(conn, c => media::table
        .find(id)
        .select((media::title, media::alt_text, media::caption, media::credit))
        .first(c)
        .optional())?;
    match row {
        Some((title, alt, caption, credit)) => {
            let (title, body) = media_text(&title, &alt, &caption, &credit);
            put(conn, Index::Media, id, &title, &body)
        }
        None => remove(conn, Index::Media, id),
    }
}

/// Indexes every post and media item that has no index entry yet; answers
/// how many. Run at start, after migrations.
pub fn backfill(conn: &mut Conn) -> QueryResult<usize> {
    let post_ids: Vec<i64> = with_conn!(conn, c => posts::table
        .filter(diesel::dsl::not(posts::id.eq_any(post_search::table.select(post_search::rowid))))
        .select(posts::id)
        .load(c))?;
    let media_ids: Vec<i64> = with_conn!(conn, c => media::table
        .filter(diesel::dsl::not(media::id.eq_any(media_search::table.select(media_search::rowid))))
        .select(media::id)
        .load(c))?;
    if post_ids.is_empty() && media_ids.is_empty() {
        return Ok(0);
    }
    conn.transaction(|conn| {
        for &id in &post_ids {
            reindex_post(conn, id)?;
        }
        for &id in &media_ids {
            reindex_media(conn, id)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(post_ids.len() + media_ids.len())
}

/// How many items `index` holds.
pub fn entries(conn: &mut Conn, index: Index) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = format!("SELECT COUNT(*) AS n FROM {}", index.table());
    let count: Count = with_conn!(conn, c => diesel::sql_query(&sql).get_result(c))?;
    Ok(count.n)
}
