//! The committed `openapi/openapi.json` is the contract: it must be what the
//! code generates. After an intended change, regenerate it with
//! `UPDATE_OPENAPI=1 cargo test --test api openapi` and review the diff.

use crate::helpers::spawn_app;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = nashr::openapi::document_json();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(COMMITTED, &generated).expect("can write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

#[actix_web::test]
async fn the_server_serves_the_same_document_and_offline_docs() {
    let app = spawn_app().await;
    let served = app.get_json("/openapi.json").await;
    let generated: serde_json::Value =
        serde_json::from_str(&nashr::openapi::document_json()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(served["openapi"], "3.1.0");

    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = bare
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert!(moved.status().is_redirection());
    assert_eq!(moved.headers()["location"], "/docs/");
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    assert!(String::from_utf8_lossy(&docs.body).contains("swagger-ui"));
    // Swagger UI's own files come from the binary, not a CDN.
    let css = app.get("/docs/swagger-ui.css").await;
    assert_eq!(css.status, 200);
    assert!(css.body.len() > 1000);
    let init = app.get("/docs/swagger-initializer.js").await;
    assert!(String::from_utf8_lossy(&init.body).contains("/openapi.json"));
}

#[actix_web::test]
async fn every_documented_operation_is_routed_and_documents_its_answers() {
    let app = spawn_app().await;
    let doc: serde_json::Value = serde_json::from_str(&nashr::openapi::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30);
    for (template, item) in paths {
        let path = template
            .replace("{id}", "1")
            .replace("{revision}", "1")
            .replace("{slug}", "x")
            .replace("{code}", "en");
        let query = if template.contains("by-slug") && !template.contains("authors") {
            "?edition=en"
        } else {
            ""
        };
        for (method, operation) in item.as_object().unwrap() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // Without credentials and without a body: whatever the answer,
            // it must come from the operation, not the 404/405 fallback.
            let reply = app.request(m, &format!("{path}{query}")).await;
            assert_ne!(
                reply.status, 405,
                "{method} {template} is documented but not routed"
            );
            if reply.status == 404 {
                let detail = reply.problem(404)["detail"].as_str().unwrap().to_string();
                assert!(
                    !detail.starts_with("no route"),
                    "{method} {template} is documented but not routed"
                );
            }
            let documented = operation["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(&reply.status.to_string()),
                "{method} {template} answered {} which it does not document",
                reply.status
            );
            // Every operation documents its errors as problem documents.
            for (status, response) in documented {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some(),
                        "{method} {template} {status}"
                    );
                }
            }
            // Every operation says what it needs: `[]` when nothing, and
            // only reads and logging in need nothing.
            let security = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {template} says nothing of security"));
            if method != "get" && !template.ends_with("/auth/token") {
                assert!(
                    !security.is_empty(),
                    "{method} {template} is a write that needs nothing"
                );
            }
        }
    }
}
