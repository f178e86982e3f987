//! The scope matrix, generated from the committed OpenAPI document: every
//! write operation declares the scope it needs; a script token holding
//! every other scope gets 403, and one holding only the declared scope
//! gets past the check (whatever the answer then is, it is not 401/403).
//! A new write operation is covered the day it is documented.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::helpers::seed;
use crate::helpers::{spawn_app, ALL_SCOPES};

/// Operations that, by design, a script token cannot do whatever its
/// scopes (a leaked script token must not mint others): the declared
/// scope is shown to be enough with a login token.
const NEEDS_A_LOGIN: &[(&str, &str)] = &[("post", "/api/v1/tokens")];

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The smallest value `schema` accepts the shape of: its required fields,
/// each a plausible value of its type.
fn example(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    for combined in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[combined].as_array().and_then(|a| {
            a.iter()
                .find(|s| resolve(doc, s)["type"] != "null")
                .or(a.first())
        }) {
            return example(doc, first);
        }
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("object") | None if schema["properties"].is_object() => {
            let mut out = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                out.insert(name.to_string(), example(doc, &schema["properties"][name]));
            }
            Value::Object(out)
        }
        Some("object") => json!({}),
        Some("string") if schema["format"] == "date-time" => json!("2030-01-01T00:00:00Z"),
        Some("string") if schema["format"] == "uri" => json!("https://example.test/x"),
        Some("string") => json!("x"),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        _ => Value::Null,
    }
}

#[actix_web::test]
async fn every_write_needs_the_scope_it_declares_and_that_scope_is_enough() {
    let app = spawn_app().await;
    seed::editions(&app);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string("openapi/openapi.json").unwrap()).unwrap();
    let admin = app.admin().await;
    let admin_id = app.get_as("/api/v1/users/me", &admin).await.expect(200)["id"]
        .as_i64()
        .unwrap();

    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let security = op["security"].as_array().expect("every operation says");
            if security.is_empty() {
                assert_eq!(path, "/api/v1/auth/token", "{method} {path} needs nothing");
                continue;
            }
            if security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()))
            {
                // Open to anyone (a reader's comment): the only such write.
                assert_eq!(
                    (method.as_str(), path.as_str()),
                    ("post", "/api/v1/posts/{id}/comments"),
                    "{method} {path} is open to anyone"
                );
                continue;
            }
            let declared: Vec<&str> = security
                .iter()
                .flat_map(|s| s["bearer"].as_array().into_iter().flatten())
                .map(|s| s.as_str().unwrap())
                .collect();
            assert!(
                !declared.is_empty(),
                "{method} {path} declares no scope: every write needs one"
            );
            // A token of the admin's own to act on, where the path names one.
            let (token_id, _) = app.script_token(&admin, &["read"]).await;
            let url = path
                .replace(
                    "{id}",
                    &if path.starts_with("/api/v1/users/") {
                        admin_id.to_string()
                    } else if path.starts_with("/api/v1/tokens/") {
                        token_id.to_string()
                    } else {
                        "987654".to_string()
                    },
                )
                .replace("{code}", "zz")
                .replace("{delivery_id}", "987654")
                .replace("{revision}", "1");
            let content = &op["requestBody"]["content"];
            let body = content["application/json"]["schema"]
                .as_object()
                .map(|_| example(&doc, &content["application/json"]["schema"]));
            let send = |token: String| {
                let (url, body, method) = (url.clone(), body.clone(), method.clone());
                let app = &app;
                async move {
                    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                    app.send(method, &url, Some(&token), body, None).await
                }
            };

            let others: Vec<&str> = ALL_SCOPES
                .into_iter()
                .filter(|s| !declared.contains(s))
                .collect();
            let (_, without) = app.script_token(&admin, &others).await;
            let refused = send(without).await;
            assert_eq!(
                refused.status,
                403,
                "{method} {path} with every scope but {declared:?}: {}",
                String::from_utf8_lossy(&refused.body)
            );

            let enough = if NEEDS_A_LOGIN.contains(&(method.as_str(), path.as_str())) {
                app.admin().await
            } else {
                app.script_token(&admin, &declared).await.1
            };
            let passed = send(enough).await;
            assert!(
                ![401, 403].contains(&passed.status),
                "{method} {path} with only {declared:?}: {} {}",
                passed.status,
                String::from_utf8_lossy(&passed.body)
            );
            assert!(passed.status < 500, "{method} {path}: {}", passed.status);
            checked.push(format!("{method} {path}"));
        }
    }
    for must in [
        "patch /api/v1/users/{id}",
        "patch /api/v1/users/me",
        "post /api/v1/tokens",
        "delete /api/v1/tokens/{id}",
        "post /api/v1/posts",
        "delete /api/v1/media/{id}",
    ] {
        assert!(checked.iter().any(|c| c == must), "{must} was not checked");
    }
}
