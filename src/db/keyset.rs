//! Keyset pagination: "the rows after this one" in a list's order, as one
//! condition on the order's columns, so that a page deep in a list costs
//! what the first one does and rows added meanwhile neither repeat nor go
//! missing.
//!
//! An order is its keys (columns, each ascending or descending) followed
//! by the id. NULLs sort last in both directions, on both backends.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamp};
use serde::{Deserialize, Serialize};

/// A value of a sort key, as a cursor carries it.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
pub enum KeyValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "t")]
    Time(NaiveDateTime),
}

impl From<i64> for KeyValue {
    fn from(v: i64) -> Self {
        KeyValue::Int(v)
    }
}

impl From<i32> for KeyValue {
    fn from(v: i32) -> Self {
        KeyValue::Int(v.into())
    }
}

impl From<String> for KeyValue {
    fn from(v: String) -> Self {
        KeyValue::Text(v)
    }
}

impl From<&str> for KeyValue {
    fn from(v: &str) -> Self {
        KeyValue::Text(v.to_string())
    }
}

impl From<NaiveDateTime> for KeyValue {
    fn from(v: NaiveDateTime) -> Self {
        KeyValue::Time(v)
    }
}

impl<T: Into<KeyValue>> From<Option<T>> for KeyValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(KeyValue::Null, Into::into)
    }
}

/// The rows a list asks the database for.
#[derive(Debug, Clone)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
    /// Only rows after the one with these key values and this id.
    pub after: Option<(Vec<KeyValue>, i64)>,
}

/// What a sort column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Int,
    Time,
}

/// One column of an order.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Qualified column name, e.g. `posts.published_at`.
    pub column: &'static str,
    pub kind: KeyKind,
    pub desc: bool,
    /// Whether the column may hold NULL (those rows come last).
    pub nullable: bool,
}

impl Key {
    /// An ascending text column.
    pub const fn asc(column: &'static str) -> Key {
        Key {
            column,
            kind: KeyKind::Text,
            desc: false,
            nullable: false,
        }
    }

    /// A descending text column.
    pub const fn desc(column: &'static str) -> Key {
        Key {
            desc: true,
            ..Key::asc(column)
        }
    }

    /// The column holds integers.
    pub const fn int(self) -> Key {
        Key {
            kind: KeyKind::Int,
            ..self
        }
    }

    /// The column holds times.
    pub const fn time(self) -> Key {
        Key {
            kind: KeyKind::Time,
            ..self
        }
    }

    pub const fn nullable(self) -> Key {
        Key {
            nullable: true,
            ..self
        }
    }

    /// Whether `value` can be a value of this column.
    fn fits(&self, value: &KeyValue) -> bool {
        matches!(
            (self.kind, value),
            (KeyKind::Text, KeyValue::Text(_))
                | (KeyKind::Int, KeyValue::Int(_))
                | (KeyKind::Time, KeyValue::Time(_))
        ) || (self.nullable && *value == KeyValue::Null)
    }
}

/// Whether cursor key `values` fit the order `keys`.
pub fn fits(keys: &[Key], values: &[KeyValue]) -> bool {
    keys.len() == values.len() && keys.iter().zip(values).all(|(k, v)| k.fits(v))
}

/// A boxed SQL condition on any table of backend `DB`.
pub type Condition<QS, DB> = Box<dyn BoxableExpression<QS, DB, SqlType = Bool>>;

/// A backend keyset conditions are written for (SQLite and PostgreSQL).
pub trait KeysetBackend: Backend + Sized + 'static {
    /// See [`after`].
    fn after<QS: 'static>(
        keys: &[Key],
        id_column: &'static str,
        id_desc: bool,
        values: &[KeyValue],
        id: i64,
    ) -> Option<Condition<QS, Self>>;
}

/// The rows that come after the row with `values` (one per key) and `id`
/// in the order `keys` then `id_column` (ascending unless `id_desc`).
/// `None` when `values` do not fit `keys`.
pub fn after<QS: 'static, DB: KeysetBackend>(
    keys: &[Key],
    id_column: &'static str,
    id_desc: bool,
    values: &[KeyValue],
    id: i64,
) -> Option<Condition<QS, DB>> {
    DB::after(keys, id_column, id_desc, values, id)
}

/// Implements [`KeysetBackend`] for a concrete backend (diesel's SQL
/// literals are not generic over backends).
macro_rules! keyset_backend {
    ($db:ty) => {
        impl KeysetBackend for $db {
            fn after<QS: 'static>(
                keys: &[Key],
                id_column: &'static str,
                id_desc: bool,
                values: &[KeyValue],
                id: i64,
            ) -> Option<Condition<QS, Self>> {
                // `column <op> value`, the value bound.
                fn compare<QS: 'static>(
                    column: &str,
                    op: &str,
                    value: &KeyValue,
                ) -> Condition<QS, $db> {
                    let text = format!("{column} {op} ");
                    match value {
                        KeyValue::Int(v) => Box::new(sql::<Bool>(&text).bind::<BigInt, _>(*v)),
                        KeyValue::Text(v) => {
                            Box::new(sql::<Bool>(&text).bind::<Text, _>(v.clone()))
                        }
                        KeyValue::Time(v) => Box::new(sql::<Bool>(&text).bind::<Timestamp, _>(*v)),
                        KeyValue::Null => literal("1 = 0".into()),
                    }
                }
                fn literal<QS: 'static>(text: String) -> Condition<QS, $db> {
                    Box::new(sql::<Bool>(&text))
                }
                if !fits(keys, values) {
                    return None;
                }
                let op = |desc: bool| if desc { "<" } else { ">" };
                let mut rest: Condition<QS, Self> =
                    compare(id_column, op(id_desc), &KeyValue::Int(id));
                for (key, value) in keys.iter().zip(values).rev() {
                    let (beyond, equal): (Condition<QS, Self>, Condition<QS, Self>) = match value {
                        KeyValue::Null if !key.nullable => return None,
                        // After a NULL come only the other NULLs (by id).
                        KeyValue::Null => (
                            literal("1 = 0".into()),
                            literal(format!("{} IS NULL", key.column)),
                        ),
                        KeyValue::Int(_) | KeyValue::Text(_) | KeyValue::Time(_) => {
                            let beyond = compare(key.column, op(key.desc), value);
                            let beyond: Condition<QS, Self> = if key.nullable {
                                Box::new(
                                    beyond.or(literal::<QS>(format!("{} IS NULL", key.column))),
                                )
                            } else {
                                beyond
                            };
                            (beyond, compare(key.column, "=", value))
                        }
                    };
                    rest = Box::new(beyond.or(equal.and(rest)));
                }
                // The same condition, led by a range on the first key alone
                // (`published_at <= ? AND (...)`), which an index can seek
                // to: the OR above alone makes SQLite scan from the start.
                if let (Some(first), Some(value)) = (keys.first(), values.first()) {
                    if !first.nullable && *value != KeyValue::Null {
                        let bound =
                            compare(first.column, if first.desc { "<=" } else { ">=" }, value);
                        rest = Box::new(bound.and(rest));
                    }
                }
                Some(rest)
            }
        }
    };
}

keyset_backend!(diesel::sqlite::Sqlite);
keyset_backend!(diesel::pg::Pg);

/// `ORDER BY` text for `keys` then the id, NULLs last on both backends.
pub fn order_by(keys: &[Key], id_column: &str, id_desc: bool) -> String {
    let mut parts: Vec<String> = keys
        .iter()
        .map(|k| {
            let dir = if k.desc { "DESC" } else { "ASC" };
            if k.nullable {
                format!("{} {dir} NULLS LAST", k.column)
            } else {
                format!("{} {dir}", k.column)
            }
        })
        .collect();
    parts.push(format!(
        "{id_column} {}",
        if id_desc { "DESC" } else { "ASC" }
    ));
    parts.join(", ")
}

/// Applies window `$w` to boxed query `$q` in the order `$keys` then id
/// column `$id` (a literal such as `"posts.id"`, descending if `$id_desc`):
/// the keyset condition, `ORDER BY`, `LIMIT` and `OFFSET`.
macro_rules! windowed {
    ($q:expr, $keys:expr, $id:literal, $id_desc:expr, $w:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::Bool;
        let mut q = $q;
        let keys: &[$crate::db::keyset::Key] = $keys;
        let w: &$crate::db::keyset::Window = $w;
        if let Some((values, id)) = &w.after {
            q = match $crate::db::keyset::after(keys, $id, $id_desc, values, *id) {
                Some(after) => q.filter(after),
                None => q.filter(sql::<Bool>("1 = 0")),
            };
        }
        q.order(sql::<Bool>(&$crate::db::keyset::order_by(
            keys, $id, $id_desc,
        )))
        .limit(w.limit)
        .offset(w.offset)
    }};
}
pub(crate) use windowed;
