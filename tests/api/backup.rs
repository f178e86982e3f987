//! `nashr export` and `nashr import nashr`: the demo site moved from SQLite
//! into the database this run tests (PostgreSQL with media in S3 in CI's
//! second run), and every public response compared with the original's.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use nashr::startup::Application;
use serde_json::Value;

use crate::helpers::{fresh_db, nashr_command, FreshDb};

/// Serves `db` in this test's runtime; answers its base URL and the base
/// URL of its media files.
async fn serve(db: &FreshDb) -> (String, String) {
    let app = Application::build(db.settings.clone())
        .await
        .expect("the app starts");
    let base = app.public_url().to_string();
    let media = db.settings.store.media_store().unwrap().public_base(&base);
    actix_web::rt::spawn(app.run_until_stopped());
    (base, media)
}

/// Every public response reachable from the editions, the lists, the
/// feeds and the sitemaps, by path, with the server's own addresses
/// replaced so that two servers can be compared; and every media file.
async fn crawl(
    base: &str,
    media: &str,
) -> (BTreeMap<String, (u16, String)>, BTreeMap<String, Vec<u8>>) {
    let client = reqwest::Client::new();
    let normal = |text: &str| text.replace(media, "{media}").replace(base, "{base}");
    let mut queue: VecDeque<String> = VecDeque::from(
        [
            "/api/v1/editions",
            "/api/v1/authors",
            "/api/v1/media?per_page=100",
            "/sitemap.xml",
        ]
        .map(String::from),
    );
    let mut seen = BTreeSet::new();
    let mut pages = BTreeMap::new();
    let mut files = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        let mut next = Vec::new();
        if let Ok(json) = serde_json::from_str::<Value>(&body) {
            if let Some(link) = json["links"]["next"].as_str() {
                next.push(link.trim_start_matches(base).to_string());
            }
            let kind = path
                .trim_start_matches("/api/v1/")
                .split(['?', '/'])
                .next()
                .unwrap_or("");
            for item in json["data"].as_array().into_iter().flatten() {
                if let Some(id) = item["id"].as_i64() {
                    next.push(format!("/api/v1/{kind}/{id}"));
                }
                if kind == "editions" {
                    let code = item["code"].as_str().unwrap();
                    for list in ["posts", "categories", "tags", "menus"] {
                        next.push(format!("/api/v1/{list}?edition={code}&per_page=100"));
                    }
                    next.push(format!(
                        "/api/v1/posts?edition={code}&kind=page&per_page=100"
                    ));
                    next.push(format!("/feeds/{code}/rss.xml"));
                    next.push(format!("/feeds/{code}/atom.xml"));
                }
                for url in [&item["url"], &item["author"]["avatar"]["url"]] {
                    if let Some(url) = url.as_str().filter(|u| u.starts_with(media)) {
                        if !files.contains_key(url) {
                            let bytes =
                                client.get(url).send().await.unwrap().bytes().await.unwrap();
                            files.insert(normal(url), bytes.to_vec());
                        }
                    }
                }
            }
            if kind == "media" && json["id"].is_i64() {
                for rendition in json["renditions"]
                    .as_object()
                    .into_iter()
                    .flat_map(|r| r.values())
                {
                    if let Some(url) = rendition["url"].as_str() {
                        let bytes = client.get(url).send().await.unwrap().bytes().await.unwrap();
                        files.insert(normal(url), bytes.to_vec());
                    }
                }
            }
        } else if path.ends_with(".xml") {
            for loc in body.split("<loc>").skip(1) {
                if let Some((url, _)) = loc.split_once("</loc>") {
                    if let Some(p) = url.strip_prefix(base).filter(|p| p.starts_with("/sitemap")) {
                        next.push(p.to_string());
                    }
                }
            }
        }
        pages.insert(path, (status, normal(&body)));
        queue.extend(next);
    }
    (pages, files)
}

#[actix_web::test]
async fn the_demo_site_moves_from_sqlite_by_export_and_import_and_answers_the_same() {
    // The original: the demo site on SQLite with a local media folder.
    let mut source = fresh_db();
    source.settings.store.database_url = source.dir.path().join("source.db").display().to_string();
    source.settings.store.s3_bucket = None;
    source.settings.demo = true;
    let (source_base, source_media) = serve(&source).await;

    let out = source.dir.path().join("export");
    let exported = nashr_command(&source.settings)
        .arg("export")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "nashr-export");
    assert!(manifest["tables"]["posts"].as_u64().unwrap() >= 200);
    // No password hash leaves without --with-secrets.
    let users = std::fs::read_to_string(out.join("users.ndjson")).unwrap();
    assert!(!users.contains("$argon2"), "{users}");
    assert!(!out.join("api_tokens.ndjson").exists());

    // The copy: the database this run tests, empty.
    let target = fresh_db();
    let imported = nashr_command(&target.settings)
        .args(["import", "nashr"])
        .arg(&out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&imported.stdout);
    assert!(
        imported.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(said.contains("set-password"), "{said}");
    // A second restore into it is refused: it is no longer empty.
    let again = nashr_command(&target.settings)
        .args(["import", "nashr"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let (target_base, target_media) = serve(&target).await;

    let (original, original_files) = crawl(&source_base, &source_media).await;
    let (copy, copy_files) = crawl(&target_base, &target_media).await;
    assert!(original.len() > 400, "{} responses", original.len());
    let paths: BTreeSet<&String> = original.keys().chain(copy.keys()).collect();
    let mut differ = Vec::new();
    for path in &paths {
        if original.get(*path) != copy.get(*path) {
            differ.push(path.to_string());
        }
    }
    if let Some(first) = differ.first() {
        panic!(
            "{} of {} responses differ; the first, {first}:\noriginal: {:?}\ncopy:     {:?}",
            differ.len(),
            paths.len(),
            original
                .get(first)
                .map(|(s, b)| (s, &b[..b.len().min(600)])),
            copy.get(first).map(|(s, b)| (s, &b[..b.len().min(600)])),
        );
    }
    assert!(original.values().all(|(status, _)| *status == 200));
    assert_eq!(original_files.len(), copy_files.len());
    assert!(original_files.len() > 100, "{} files", original_files.len());
    assert!(original_files == copy_files, "the media files differ");
    eprintln!(
        "export/import to {}: {} responses and {} files compared, all equal",
        crate::helpers::backend_name(),
        paths.len(),
        original_files.len()
    );
}
