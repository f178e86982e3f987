//! Sparse fieldsets: `?fields=id,title,author.display_name` keeps only the
//! named fields of each item (nested names with dots; through arrays, a
//! name applies to every element). Every name must be a field where it
//! stands in the item's schema (`author.email` is a 400 like `email`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::ApiError;

/// The media type of answers shaped by `fields`: JSON, told apart from a
/// whole representation (`application/json`) so that a typed client reads
/// each with its own schema.
pub const FIELDS_MEDIA_TYPE: &str = "application/vnd.nashr.fields+json";

/// The fields to keep: each name with the names to keep inside it (none:
/// all of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(BTreeMap<String, Fields>);

/// What names a response's fields have, nested, as its schema says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A value with no fields of its own (text, number, ...).
    Leaf,
    /// An object with these fields.
    Object(BTreeMap<String, Shape>),
    /// A map with names chosen by the data (renditions by name): any.
    Open,
}

impl Shape {
    /// The shape of schema `name` in the API's OpenAPI document.
    pub fn of_schema(name: &str) -> Shape {
        use utoipa::openapi::RefOr;
        let doc = crate::openapi::document();
        let components = doc.components.unwrap_or_default();
        let schema = RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name));
        shape(&schema, &components.schemas, 0)
    }

    /// A shape from field names only (every field a leaf).
    pub fn of_names(names: &[&str]) -> Shape {
        Shape::Object(names.iter().map(|n| (n.to_string(), Shape::Leaf)).collect())
    }

    fn names(&self) -> String {
        match self {
            Shape::Object(fields) => fields.keys().cloned().collect::<Vec<_>>().join(", "),
            _ => String::new(),
        }
    }
}

fn shape(
    schema: &utoipa::openapi::RefOr<utoipa::openapi::Schema>,
    components: &BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Schema>>,
    depth: usize,
) -> Shape {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems};
    use utoipa::openapi::{RefOr, Schema};
    if depth > 8 {
        return Shape::Open;
    }
    match schema {
        RefOr::Ref(r) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or_default();
            match components.get(name) {
                Some(found) => shape(found, components, depth + 1),
                None => Shape::Open,
            }
        }
        RefOr::T(Schema::Object(object)) => {
            if !object.properties.is_empty() {
                Shape::Object(
                    object
                        .properties
                        .iter()
                        .map(|(k, v)| (k.clone(), shape(v, components, depth + 1)))
                        .collect(),
                )
            } else if matches!(
                object.additional_properties.as_deref(),
                Some(AdditionalProperties::RefOr(_) | AdditionalProperties::FreeForm(true))
            ) {
                Shape::Open
            } else {
                Shape::Leaf
            }
        }
        RefOr::T(Schema::Array(array)) => match &array.items {
            ArrayItems::RefOrSchema(items) => shape(items, components, depth + 1),
            ArrayItems::False => Shape::Leaf,
        },
        RefOr::T(Schema::OneOf(one)) => first_object(&one.items, components, depth),
        RefOr::T(Schema::AnyOf(any)) => first_object(&any.items, components, depth),
        RefOr::T(Schema::AllOf(all)) => first_object(&all.items, components, depth),
        _ => Shape::Leaf,
    }
}

/// The first of `items` (an `Option<T>` is `T` or null) that has fields.
fn first_object(
    items: &[utoipa::openapi::RefOr<utoipa::openapi::Schema>],
    components: &BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Schema>>,
    depth: usize,
) -> Shape {
    items
        .iter()
        .map(|item| shape(item, components, depth + 1))
        .find(|s| *s != Shape::Leaf)
        .unwrap_or(Shape::Leaf)
}

impl Fields {
    /// Parses `raw` for items of `shape`: every name, nested ones too, must
    /// be a field where it stands.
    pub fn parse(raw: &str, shape: &Shape) -> Result<Fields, ApiError> {
        let mut fields = Fields::default();
        for path in raw.split(',').map(str::trim) {
            if path.is_empty() {
                continue;
            }
            let (mut node, mut here) = (&mut fields, shape);
            let mut seen = String::new();
            for name in path.split('.') {
                if name.is_empty() {
                    return Err(ApiError::query(
                        "fields",
                        format!("`{path}` has an empty name"),
                    ));
                }
                here = match here {
                    Shape::Open => here,
                    Shape::Object(known) => known.get(name).ok_or_else(|| {
                        let whose = if seen.is_empty() {
                            String::new()
                        } else {
                            format!(" of `{seen}`")
                        };
                        ApiError::query(
                            "fields",
                            format!(
                                "`{name}` is not a field{whose}; fields are {}",
                                here.names()
                            ),
                        )
                    })?,
                    Shape::Leaf => {
                        return Err(ApiError::query(
                            "fields",
                            format!("`{seen}` has no fields, so `{path}` names nothing"),
                        ))
                    }
                };
                if !seen.is_empty() {
                    seen.push('.');
                }
                seen.push_str(name);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known() -> Shape {
        let mut fields = BTreeMap::new();
        fields.insert("id".to_string(), Shape::Leaf);
        fields.insert("title".to_string(), Shape::Leaf);
        fields.insert(
            "author".to_string(),
            Shape::of_names(&["id", "display_name"]),
        );
        fields.insert("categories".to_string(), Shape::of_names(&["id", "name"]));
        Shape::Object(fields)
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
    fn the_post_schema_gives_nested_names() {
        let post = Shape::of_schema("PostResponse");
        assert!(Fields::parse("author.display_name,categories.slug", &post).is_ok());
        assert!(Fields::parse("author.email", &post).is_err());
    }

    #[test]
    fn unknown_and_empty_names_are_refused() {
        assert!(Fields::parse("nope", &known()).is_err());
        assert!(Fields::parse(",,", &known()).is_err());
        assert!(Fields::parse("author..id", &known()).is_err());
        assert!(Fields::parse("author.email", &known()).is_err());
        assert!(Fields::parse("title.x", &known()).is_err());
    }
}
