//! Backups: `nashr export DIR` writes the whole site in a portable form,
//! `nashr import nashr DIR` restores it into an empty database of either
//! kind, so moving from SQLite to PostgreSQL is one export and one import.
//!
//! The folder holds:
//!
//! - `manifest.json`: `{"format": "nashr-export", "version": 1,
//!   "exported_at", "source": "sqlite"|"postgres", "migration": the last
//!   migration applied, "tables": {name: rows}, "files": count,
//!   "with_secrets": bool}`;
//! - one `<table>.ndjson` per table, in [`TABLES`] order: one JSON object
//!   per row, keyed by column name. Ids are kept, so links between rows
//!   hold. Times are UTC without an offset (`2026-11-28T10:00:00.123456`),
//!   booleans are `true`/`false`, JSON-valued columns (`metadata`) are
//!   strings of JSON;
//! - `media/<key>`: every stored file, under its key (`ab/cd/<sha-256 of
//!   the bytes>.<ext>`), so a restore can check each file against its name.
//!
//! Users are exported without password hashes, and script tokens not at
//! all, unless `--with-secrets` is given: restored users then need a new
//! password (`nashr user set-password`). Failed-login counts, the signing
//! key and the search index are not exported: they are made again. Nor is
//! the change log: a restore records everything it brings as new. Nor are
//! preview tokens: they live an hour, and are asked for again.

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::{Backend, Conn};
use crate::media::Store;
use crate::with_conn;

pub const FORMAT: &str = "nashr-export";
pub const VERSION: u32 = 1;

/// A table in the export: rows are restored in this order, with the
/// `deferred` columns (links that may point forward or in a circle) set
/// once every row is in.
pub struct Table {
    pub name: &'static str,
    order: &'static str,
    deferred: &'static [&'static str],
    /// Exported only with `--with-secrets`.
    secret: bool,
}

const fn table(name: &'static str, order: &'static str) -> Table {
    Table {
        name,
        order,
        deferred: &[],
        secret: false,
    }
}

pub const TABLES: &[Table] = &[
    table("editions", "id"),
    Table {
        deferred: &["avatar_media_id"],
        ..table("users", "id")
    },
    table("media", "id"),
    table("media_renditions", "id"),
    Table {
        deferred: &["parent_id"],
        ..table("categories", "id")
    },
    table("tags", "id"),
    Table {
        deferred: &["parent_id"],
        ..table("posts", "id")
    },
    Table {
        deferred: &["parent_id"],
        ..table("comments", "id")
    },
    table("post_categories", "post_id, category_id"),
    table("post_tags", "post_id, tag_id"),
    table("post_gallery_items", "post_id, position"),
    table("menus", "id"),
    Table {
        deferred: &["parent_id"],
        ..table("menu_items", "id")
    },
    table("post_revisions", "id"),
    table("redirects", "id"),
    table("site_settings", "edition_id"),
    table("import_sources", "source, kind, source_id, edition_id"),
    Table {
        secret: true,
        ..table("api_tokens", "id")
    },
];

/// Tables that must be empty for a restore.
const CONTENT: [&str; 5] = ["editions", "users", "posts", "media", "categories"];

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub source: String,
    pub migration: String,
    pub tables: BTreeMap<String, u64>,
    pub files: u64,
    pub with_secrets: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("media store: {0}")]
    Store(#[from] crate::media::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A table's columns and their declared types, in order.
fn columns(conn: &mut Conn, table: &str) -> QueryResult<Vec<Column>> {
    match conn {
        Conn::Sqlite(c) => {
            diesel::sql_query("SELECT name, type AS kind FROM pragma_table_info(?) ORDER BY cid")
                .bind::<Text, _>(table)
                .load(c)
        }
        Conn::Pg(c) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS kind FROM information_schema.columns \
             WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(c),
    }
}

fn is_bool(kind: &str) -> bool {
    kind.to_ascii_uppercase().contains("BOOL")
}

fn is_time(kind: &str) -> bool {
    kind.to_ascii_uppercase().contains("TIMESTAMP")
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every row of `table` as a JSON object, in the table's order.
fn rows(conn: &mut Conn, table: &Table) -> QueryResult<Vec<Value>> {
    let cols = columns(conn, table.name)?;
    let lines: Vec<Line> = match conn {
        Conn::Sqlite(c) => {
            let fields: Vec<String> = cols
                .iter()
                .map(|col| {
                    let name = quoted(&col.name);
                    let value = if is_bool(&col.kind) {
                        format!("CASE WHEN {name} IS NULL THEN NULL WHEN {name} THEN json('true') ELSE json('false') END")
                    } else if is_time(&col.kind) {
                        format!("replace({name}, ' ', 'T')")
                    } else {
                        name
                    };
                    format!("'{}', {value}", col.name.replace('\'', "''"))
                })
                .collect();
            let sql = format!(
                "SELECT json_object({}) AS line FROM {} ORDER BY {}",
                fields.join(", "),
                quoted(table.name),
                table.order
            );
            diesel::sql_query(sql).load(c)?
        }
        Conn::Pg(c) => {
            let sql = format!(
                "SELECT row_to_json(t)::text AS line FROM {} t ORDER BY {}",
                quoted(table.name),
                table.order
            );
            diesel::sql_query(sql).load(c)?
        }
    };
    Ok(lines
        .into_iter()
        .filter_map(|l| serde_json::from_str(&l.line).ok())
        .collect())
}

/// The last migration applied.
fn migration(conn: &mut Conn) -> QueryResult<String> {
    let sql =
        "SELECT version AS line FROM __diesel_schema_migrations ORDER BY version DESC LIMIT 1";
    let found: Vec<Line> = with_conn!(conn, c => diesel::sql_query(sql).load(c))?;
    Ok(found.into_iter().next().map(|l| l.line).unwrap_or_default())
}

/// Every storage key media rows use.
fn file_keys(conn: &mut Conn) -> QueryResult<Vec<String>> {
    let sql = "SELECT storage_key AS line FROM media WHERE storage_key IS NOT NULL \
               UNION SELECT storage_key AS line FROM media_renditions ORDER BY 1";
    let found: Vec<Line> = with_conn!(conn, c => diesel::sql_query(sql).load(c))?;
    Ok(found.into_iter().map(|l| l.line).collect())
}

/// Whether a key has the shape of a stored one, `ab/cd/<64 hex>.<ext>`
/// (the restore also checks the hex against the bytes). Anything else
/// (`..`, absolute paths) is refused.
fn valid_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    let [a, b, file] = parts.as_slice() else {
        return false;
    };
    let Some((hex, ext)) = file.split_once('.') else {
        return false;
    };
    let lower_hex = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    };
    a.len() == 2
        && b.len() == 2
        && hex.len() == 64
        && lower_hex(hex)
        && hex.starts_with(&format!("{a}{b}"))
        && !ext.is_empty()
        && ext.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Writes the site into `dir` (which must not exist, or be empty).
pub fn export(
    conn: &mut Conn,
    store: &Store,
    runtime: &tokio::runtime::Handle,
    dir: &Path,
    with_secrets: bool,
) -> Result<Manifest, BackupError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(BackupError::Invalid(format!(
                "{} is not empty: export into a new folder",
                dir.display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tables = BTreeMap::new();
    // One snapshot of the database for every table.
    let files = conn.transaction(|conn| -> Result<Vec<String>, BackupError> {
        if let Conn::Pg(c) = conn {
            // Every table as of one moment, while writes go on.
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(c)?;
        }
        for table in TABLES.iter().filter(|t| with_secrets || !t.secret) {
            let path = dir.join(format!("{}.ndjson", table.name));
            let mut out = BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
            let mut count = 0;
            for mut row in rows(conn, table)? {
                if table.name == "users" && !with_secrets {
                    row["password_hash"] = Value::Null;
                }
                serde_json::to_writer(&mut out, &row).map_err(|e| io(&path)(e.into()))?;
                out.write_all(b"\n").map_err(io(&path))?;
                count += 1;
            }
            out.flush().map_err(io(&path))?;
            tables.insert(table.name.to_string(), count);
        }
        Ok(file_keys(conn)?)
    })?;
    for key in &files {
        let bytes = runtime.block_on(store.get(key))?.ok_or_else(|| {
            BackupError::Invalid(format!(
                "the media store has no file {key}, which a media item uses"
            ))
        })?;
        let path = dir.join("media").join(key);
        std::fs::create_dir_all(path.parent().expect("keys have folders")).map_err(io(&path))?;
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: match conn.backend() {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        migration: migration(conn)?,
        tables,
        files: files.len() as u64,
        with_secrets,
    };
    let path = dir.join("manifest.json");
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    std::fs::write(&path, json).map_err(io(&path))?;
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug, Default)]
pub struct Restored {
    pub rows: BTreeMap<String, u64>,
    pub files: u64,
    pub users_without_password: u64,
}

/// Restores the export in `dir` into this (empty) database and store.
pub fn restore(
    conn: &mut Conn,
    store: &Store,
    runtime: &tokio::runtime::Handle,
    dir: &Path,
) -> Result<Restored, BackupError> {
    let path = dir.join("manifest.json");
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(&path).map_err(io(&path))?)
        .map_err(|e| {
            BackupError::Invalid(format!(
                "{}: not a Nashr export manifest: {e}",
                path.display()
            ))
        })?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(BackupError::Invalid(format!(
            "{}: format {} version {}; this Nashr reads {FORMAT} version {VERSION}",
            path.display(),
            manifest.format,
            manifest.version
        )));
    }
    let here = migration(conn)?;
    if manifest.migration > here {
        return Err(BackupError::Invalid(format!(
            "the export comes from a newer Nashr (migration {}; this one has {here}): upgrade first",
            manifest.migration
        )));
    }
    for name in CONTENT {
        let found: Vec<Count> = with_conn!(conn, c => diesel::sql_query(format!("SELECT count(*) AS n FROM {name}")).load(c))?;
        let n = found.first().map_or(0, |c| c.n);
        if n > 0 {
            return Err(BackupError::Invalid(format!(
                "the database is not empty ({n} rows in {name}): restore into a new database"
            )));
        }
    }

    // Files first, each checked against its name, so that no restored row
    // points at a file that is not there.
    let mut restored = Restored::default();
    let media = dir.join("media");
    let mut new_files = Vec::new();
    for (key, path) in crate::media::files_under(&media) {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let named = key
            .rsplit_once('.')
            .is_some_and(|(_, ext)| crate::media::content_key(&bytes, ext) == key);
        if !valid_key(&key) || !named {
            return Err(BackupError::Invalid(format!(
                "{}: the file does not match its name (damaged, or not from an export)",
                path.display()
            )));
        }
        let mime = crate::media::detect::by_extension(&key).unwrap_or("application/octet-stream");
        if runtime.block_on(store.put(&key, bytes, mime))? {
            new_files.push(key);
        }
        restored.files += 1;
    }

    // Everything restored is new to whoever follows the change log here.
    let rows = conn.transaction(|conn| {
        restore_rows(conn, dir, &manifest, &mut restored)?;
        crate::repo::counts::recount(conn)?;
        crate::content::changes::record_everything(conn, crate::domain::now())?;
        Ok(())
    });
    if let Err(e) = rows {
        runtime.block_on(store.delete_all(&new_files));
        return Err(e);
    }
    crate::db::search::backfill(conn)?;
    conn.analyze()?;
    Ok(restored)
}

fn restore_rows(
    conn: &mut Conn,
    dir: &Path,
    manifest: &Manifest,
    restored: &mut Restored,
) -> Result<(), BackupError> {
    let mut deferred: Vec<(&'static str, &'static str, i64, i64)> = Vec::new();
    for table in TABLES {
        let Some(&expected) = manifest.tables.get(table.name) else {
            continue;
        };
        let path = dir.join(format!("{}.ndjson", table.name));
        let file = std::fs::File::open(&path).map_err(io(&path))?;
        let cols = columns(conn, table.name)?;
        let insert = insert_sql(conn.backend(), table.name, &cols);
        let mut count = 0u64;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io(&path))?;
            if line.trim().is_empty() {
                continue;
            }
            let mut row: serde_json::Map<String, Value> =
                serde_json::from_str(&line).map_err(|e| {
                    BackupError::Invalid(format!(
                        "{}:{}: not a JSON object: {e}",
                        path.display(),
                        n + 1
                    ))
                })?;
            for column in table.deferred {
                if let Some(Value::Number(target)) = row.insert((*column).to_string(), Value::Null)
                {
                    let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
                    if let Some(target) = target.as_i64() {
                        deferred.push((table.name, column, id, target));
                    }
                }
            }
            if table.name == "users" && row.get("password_hash").is_none_or(Value::is_null) {
                restored.users_without_password += 1;
            }
            let json = Value::Object(row).to_string();
            with_conn!(conn, c => diesel::sql_query(&insert).bind::<Text, _>(&json).execute(c))
                .map_err(|e| BackupError::Invalid(format!("{}:{}: {e}", path.display(), n + 1)))?;
            count += 1;
        }
        if count != expected {
            return Err(BackupError::Invalid(format!(
                "{}: {count} rows, the manifest says {expected} (a cut-off export?)",
                path.display()
            )));
        }
        restored.rows.insert(table.name.to_string(), count);
    }
    for (table, column, id, target) in deferred {
        let sql = match conn.backend() {
            Backend::Sqlite => format!("UPDATE {table} SET {column} = ? WHERE id = ?"),
            Backend::Postgres => format!("UPDATE {table} SET {column} = $1 WHERE id = $2"),
        };
        with_conn!(conn, c => diesel::sql_query(&sql).bind::<BigInt, _>(target).bind::<BigInt, _>(id).execute(c))?;
    }
    if let Backend::Postgres = conn.backend() {
        // Identity columns go on from the highest id restored.
        for table in TABLES {
            if !columns(conn, table.name)?.iter().any(|c| c.name == "id") {
                continue;
            }
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(max(id), 1), max(id) IS NOT NULL) \
                 FROM {0} WHERE pg_get_serial_sequence('{0}', 'id') IS NOT NULL",
                table.name
            );
            with_conn!(conn, c => diesel::sql_query(sql).execute(c))?;
        }
    }
    Ok(())
}

/// The statement that inserts one row given as a JSON object (`$1`/`?`):
/// PostgreSQL reads it with `json_populate_record`, SQLite with
/// `json_extract`, turning times back into its own form.
fn insert_sql(backend: Backend, table: &str, cols: &[Column]) -> String {
    match backend {
        Backend::Postgres => format!(
            "INSERT INTO {0} SELECT * FROM json_populate_record(NULL::{0}, $1::json)",
            quoted(table)
        ),
        Backend::Sqlite => {
            let names: Vec<String> = cols.iter().map(|c| quoted(&c.name)).collect();
            let values: Vec<String> = cols
                .iter()
                .map(|col| {
                    let path = format!("'$.\"{}\"'", col.name.replace('\'', "''"));
                    if is_time(&col.kind) {
                        format!("replace(replace(json_extract(j, {path}), 'T', ' '), 'Z', '')")
                    } else {
                        format!("json_extract(j, {path})")
                    }
                })
                .collect();
            format!(
                "INSERT INTO {} ({}) SELECT {} FROM (SELECT ? AS j)",
                quoted(table),
                names.join(", "),
                values.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_addresses_are_keys() {
        let key = crate::media::content_key(b"x", "png");
        let hex = &key[6..70];
        assert!(valid_key(&key));
        for bad in [
            format!("../{}/{hex}.png", &hex[2..4]),
            format!("{}/{}/{hex}.png/..", &hex[..2], &hex[2..4]),
            format!("/{}/{hex}.png", &hex[2..4]),
            format!("{}/{}/{hex}", &hex[..2], &hex[2..4]),
            format!("00/00/{hex}.png"),
            format!("{}/{}/{hex}.p/g", &hex[..2], &hex[2..4]),
        ] {
            assert!(!valid_key(&bad), "{bad}");
        }
    }
}
