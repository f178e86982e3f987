//! Sparse fieldsets: `?fields=id,title,author.display_name` keeps only the
//! named fields of each item (nested names with dots; through arrays, a
//! name applies to every element). The first name of each path must be a
//! field of the item's schema; anything else is a 400.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::ApiError;

/// The fields to keep: each name with the names to keep inside it (none:
/// all of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(BTreeMap<String, Fields>);

impl Fields {
    /// Parses `raw` for items whose fields are `known`.
    pub fn parse(raw: &str, known: &[String]) -> Result<Fields, ApiError> {
        let mut fields = Fields::default();
        for path in raw.split(',').map(str::trim) {
            if path.is_empty() {
                continue;
            }
            let mut names = path.split('.');
            let first = names.next().unwrap_or_default();
            if !known.iter().any(|k| k == first) {
                return Err(ApiError::query(
                    "fields",
                    format!("`{first}` is not a field; fields are {}", known.join(", ")),
                ));
            }
            let mut node = fields.0.entry(first.to_string()).or_default();
            for name in names {
                if name.is_empty() {
                    return Err(ApiError::query(
                        "fields",
                        format!("`{path}` has an empty name"),
                    ));
                }
                node = node.0.entry(name.to_string()).or_default();
            }
        }
        if fields.0.is_empty() {
            return Err(ApiError::query("fields", "must name at least one field"));
        }
        Ok(fields)
    }

    /// Keeps only these fields of `value` (an object, or an array of them).
    pub fn prune(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|k, _| self.0.contains_key(k));
                for (name, inner) in map.iter_mut() {
                    if let Some(sub) = self.0.get(name).filter(|s| !s.0.is_empty()) {
                        sub.prune(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.prune(item)),
            _ => {}
        }
    }
}

/// The property names of schema `T`, as `fields` checks them.
pub fn names_of<T: utoipa::ToSchema>() -> Vec<String> {
    use utoipa::openapi::{RefOr, Schema};
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known() -> Vec<String> {
        ["id", "title", "author", "categories"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn nested_names_keep_parts_of_objects_and_arrays() {
        let f = Fields::parse("id, author.display_name,categories.name", &known()).unwrap();
        let mut v = json!({"id": 1, "title": "t", "author": {"id": 2, "display_name": "A"},
                           "categories": [{"id": 3, "name": "x"}, {"id": 4, "name": "y"}]});
        f.prune(&mut v);
        assert_eq!(
            v,
            json!({"id": 1, "author": {"display_name": "A"}, "categories": [{"name": "x"}, {"name": "y"}]})
        );
        let whole = Fields::parse("author,author.id", &known()).unwrap();
        let mut v = json!({"author": {"id": 2, "display_name": "A"}});
        whole.prune(&mut v);
        assert_eq!(v, json!({"author": {"id": 2}}));
    }

    #[test]
    fn unknown_and_empty_names_are_refused() {
        assert!(Fields::parse("nope", &known()).is_err());
        assert!(Fields::parse(",,", &known()).is_err());
        assert!(Fields::parse("author..id", &known()).is_err());
    }
}
