//! `migrations/sqlite` and `migrations/postgres` must describe one schema,
//! the one `src/db/schema.rs` declares for both. This test applies each set
//! to an empty database and compares what the databases report with each
//! other and with `schema.rs`: tables, columns, types (SQLite stores every
//! whole number in 64 bits, so there only "a whole number" is compared),
//! nullability, unique constraints and indexes. It needs both databases,
//! so it runs when `TEST_DATABASE_URL` names a PostgreSQL server (as in
//! `.ci/run`).

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use nashr::db::Conn;

use crate::helpers::PgSchema;

/// A database's shape: per table, its columns and its indexes.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shape {
    /// table → column → (normalised type, nullable)
    columns: BTreeMap<String, BTreeMap<String, (String, bool)>>,
    /// (table, columns, unique, partial), primary keys left out.
    indexes: BTreeSet<(String, String, bool, bool)>,
    /// (table, name, columns) of each unique index but primary keys; names
    /// differ between the engines, so these are not compared.
    unique_names: BTreeSet<(String, String, String)>,
}

/// What each engine does its own way, on purpose: full-text indexes are
/// FTS5 virtual tables on SQLite and tables with a GIN-indexed `tsvector`
/// on PostgreSQL (migration 000003). Nothing else may differ.
const ENGINE_SPECIFIC_TABLES: &[&str] = &["post_search", "media_search"];

/// One name for each type both engines store alike.
fn normalise(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    let base = t.split('(').next().unwrap_or("").trim();
    match base {
        "integer" | "int" | "int4" | "serial" => "integer",
        "bigint" | "int8" | "bigserial" => "bigint",
        "smallint" | "int2" => "smallint",
        "text" | "varchar" | "character varying" | "char" | "character" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" | "datetime" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "real" | "double precision" | "double" | "float" | "float8" => "double",
        "blob" | "bytea" | "binary" => "binary",
        other => other,
    }
    .to_string()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Integer)]
    partial: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    cols: Option<String>,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

fn sqlite_shape(c: &mut SqliteConnection) -> Shape {
    let mut shape = Shape::default();
    // Virtual tables and their shadow tables are FTS5's own.
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for Name { name: table } in tables {
        let columns: Vec<SqliteColumn> = diesel::sql_query(
            "SELECT name, type AS declared, \"notnull\" AS not_null, pk FROM pragma_table_info(?)",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        let mut by_name = BTreeMap::new();
        for col in columns {
            let nullable = col.not_null == 0 && col.pk == 0;
            by_name.insert(col.name, (normalise(&col.declared), nullable));
        }
        shape.columns.insert(table.clone(), by_name);
        let indexes: Vec<SqliteIndex> = diesel::sql_query(
            "SELECT name, \"unique\" AS \"unique\", origin, partial FROM pragma_index_list(?)",
        )
        .bind::<Text, _>(&table)
        .load(c)
        .unwrap();
        for index in indexes.into_iter().filter(|i| i.origin != "pk") {
            let cols: Vec<Name> = diesel::sql_query(
                "SELECT COALESCE(name, '(expr)') AS name FROM pragma_index_info(?) ORDER BY seqno",
            )
            .bind::<Text, _>(&index.name)
            .load(c)
            .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|n| n.name).collect();
            if index.unique == 1 {
                shape
                    .unique_names
                    .insert((table.clone(), index.name.clone(), cols.join(",")));
            }
            shape.indexes.insert((
                table.clone(),
                cols.join(","),
                index.unique == 1,
                index.partial == 1,
            ));
        }
    }
    shape
}

fn postgres_shape(c: &mut PgConnection) -> Shape {
    let mut shape = Shape::default();
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                c.data_type::text AS data_type, c.is_nullable = 'YES' AS nullable \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for col in columns {
        shape
            .columns
            .entry(col.table_name)
            .or_default()
            .insert(col.column_name, (normalise(&col.data_type), col.nullable));
    }
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                ix.indisunique AS is_unique, \
                ix.indpred IS NOT NULL AS partial, \
                (SELECT string_agg(COALESCE(a.attname::text, '(expr)'), ',' ORDER BY k.ord) \
                 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum \
                ) AS cols \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT ix.indisprimary \
           AND t.relname <> '__diesel_schema_migrations'",
    )
    .load(c)
    .unwrap();
    for index in indexes {
        if index.is_unique {
            shape.unique_names.insert((
                index.table_name.clone(),
                index.index_name,
                index.cols.clone().unwrap_or_default(),
            ));
        }
        shape.indexes.insert((
            index.table_name,
            index.cols.unwrap_or_default(),
            index.is_unique,
            index.partial,
        ));
    }
    shape
}

/// Leaves out what each engine makes its own way.
fn common(mut shape: Shape) -> Shape {
    let shared = |table: &String| !ENGINE_SPECIFIC_TABLES.contains(&table.as_str());
    shape.columns.retain(|table, _| shared(table));
    shape.indexes.retain(|(table, ..)| shared(table));
    shape.unique_names.retain(|(table, ..)| shared(table));
    shape
}

/// The columns `src/db/schema.rs` declares, read as text: per table, each
/// column's type and whether it is `Nullable`.
fn declared_shape() -> Shape {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs"))
        .expect("src/db/schema.rs");
    let mut shape = Shape::default();
    let mut table = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if line.starts_with("    ") && !line.starts_with("        ") && trimmed.ends_with('{') {
            table = trimmed.split_whitespace().next().map(str::to_string);
        } else if let (Some(t), Some((column, ty))) = (&table, trimmed.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            let ty = match ty {
                "BigInt" => "bigint",
                "Integer" => "integer",
                "SmallInt" => "smallint",
                "Text" => "text",
                "Bool" => "boolean",
                "Timestamp" => "timestamp",
                "Double" => "double",
                "Binary" => "binary",
                other => panic!("schema.rs: unknown type {other} of {t}.{column}"),
            };
            shape
                .columns
                .entry(t.clone())
                .or_default()
                .insert(column.to_string(), (ty.to_string(), nullable));
        } else if trimmed == "}" && line.starts_with("    }") {
            table = None;
        }
    }
    shape
}

/// The same shape with every whole-number type as one, as SQLite keeps them.
fn whole_numbers_as_one(mut shape: Shape) -> Shape {
    for columns in shape.columns.values_mut() {
        for (ty, _) in columns.values_mut() {
            if matches!(ty.as_str(), "smallint" | "integer" | "bigint") {
                *ty = "whole number".into();
            }
        }
    }
    shape
}

/// Every difference, one line each, so a failure says what drifted.
fn differences(sqlite: &Shape, postgres: &Shape) -> Vec<String> {
    differences_of(
        ("SQLite", &whole_numbers_as_one(sqlite.clone())),
        ("PostgreSQL", &whole_numbers_as_one(postgres.clone())),
    )
}

fn differences_of(left: (&str, &Shape), right: (&str, &Shape)) -> Vec<String> {
    let ((l, left), (r, right)) = (left, right);
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = left.columns.keys().chain(right.columns.keys()).collect();
    for table in tables {
        match (left.columns.get(table), right.columns.get(table)) {
            (Some(s), Some(p)) => {
                let names: BTreeSet<&String> = s.keys().chain(p.keys()).collect();
                for name in names {
                    match (s.get(name), p.get(name)) {
                        (Some(a), Some(b)) if a == b => {}
                        (a, b) => out.push(format!(
                            "{table}.{name}: {l} {a:?}, {r} {b:?} (type, nullable)"
                        )),
                    }
                }
            }
            (s, _) => out.push(format!(
                "table {table} only on {}",
                if s.is_some() { l } else { r }
            )),
        }
    }
    for index in left.indexes.symmetric_difference(&right.indexes) {
        let side = if left.indexes.contains(index) { l } else { r };
        let (table, cols, unique, partial) = index;
        out.push(format!(
            "index on {table}({cols}) unique={unique} partial={partial} only on {side}"
        ));
    }
    out
}

/// The PostgreSQL server `TEST_DATABASE_URL` names; these tests need one.
fn postgres_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("schema parity needs PostgreSQL: set TEST_DATABASE_URL (.ci/run does)");
    }
    url
}

fn migrated_shapes(base: &str) -> (Shape, Shape) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parity.db");
    let mut sqlite = Conn::Sqlite(SqliteConnection::establish(path.to_str().unwrap()).unwrap());
    nashr::db::run_migrations(&mut sqlite).expect("SQLite migrations apply");
    let schema = PgSchema::create(base);
    let mut pg = Conn::Pg(PgConnection::establish(&schema.url()).unwrap());
    nashr::db::run_migrations(&mut pg).expect("PostgreSQL migrations apply");
    let (Conn::Sqlite(s), Conn::Pg(p)) = (&mut sqlite, &mut pg) else {
        unreachable!()
    };
    (common(sqlite_shape(s)), common(postgres_shape(p)))
}

#[test]
fn both_migration_sets_describe_the_same_schema() {
    let Some(base) = postgres_url() else {
        return;
    };
    let (sqlite, postgres) = migrated_shapes(&base);
    assert!(sqlite.columns.len() > 10, "{:?}", sqlite.columns.keys());
    assert!(sqlite.columns.contains_key("posts"));
    let declared = common(declared_shape());
    let mut drift = differences(&sqlite, &postgres);
    // schema.rs names no indexes; the databases' columns must match it.
    let columns_only = |shape: &Shape| Shape {
        columns: shape.columns.clone(),
        ..Shape::default()
    };
    drift.extend(differences_of(
        ("schema.rs", &columns_only(&declared)),
        ("PostgreSQL", &columns_only(&postgres)),
    ));
    drift.extend(differences_of(
        ("schema.rs", &whole_numbers_as_one(columns_only(&declared))),
        ("SQLite", &whole_numbers_as_one(columns_only(&sqlite))),
    ));
    assert!(
        drift.is_empty(),
        "the migration sets differ:\n{}",
        drift.join("\n")
    );
}

/// The comparison itself sees drift: a column added on one side only, a
/// nullability change and a missing unique index are each reported.
#[test]
fn the_comparison_reports_each_kind_of_drift() {
    let Some(base) = postgres_url() else {
        return;
    };
    let (mut sqlite, postgres) = migrated_shapes(&base);
    sqlite
        .columns
        .get_mut("posts")
        .unwrap()
        .insert("extra".into(), ("text".into(), true));
    sqlite
        .columns
        .get_mut("users")
        .unwrap()
        .get_mut("email")
        .unwrap()
        .1 ^= true;
    let unique = sqlite
        .indexes
        .iter()
        .find(|(_, _, unique, _)| *unique)
        .cloned()
        .expect("a unique index");
    sqlite.indexes.remove(&unique);
    let drift = differences(&sqlite, &postgres);
    assert_eq!(drift.len(), 3, "{drift:#?}");
    assert!(drift[0].starts_with("posts.extra"), "{drift:#?}");
    assert!(drift[1].starts_with("users.email"), "{drift:#?}");
    assert!(drift[2].contains("only on PostgreSQL"), "{drift:#?}");
}

/// A write that breaks a unique constraint is answered by what
/// `db::constraints` says of it: every unique index of both databases must
/// be listed there, by its PostgreSQL name and by SQLite's columns.
#[test]
fn every_unique_index_is_known_to_the_error_mapping() {
    use nashr::db::constraints::UNIQUES;
    let Some(base) = postgres_url() else {
        return;
    };
    let (sqlite, postgres) = migrated_shapes(&base);
    assert!(postgres.unique_names.len() >= UNIQUES.len());
    for (table, name, _) in &postgres.unique_names {
        assert!(
            UNIQUES.iter().any(|u| u.name == name && u.table == table),
            "PostgreSQL's {name} on {table} is not in db::constraints::UNIQUES"
        );
    }
    for (table, name, cols) in &sqlite.unique_names {
        assert!(
            UNIQUES.iter().any(|u| u.table == table
                && (u.name == name || (!u.columns.is_empty() && u.columns.join(",") == *cols))),
            "SQLite's {name} on {table}({cols}) is not in db::constraints::UNIQUES"
        );
    }
}
