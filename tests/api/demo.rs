use std::collections::HashSet;

use crate::helpers::spawn_demo;

fn is_arabic_script(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[actix_web::test]
async fn the_demo_is_a_multilingual_site_full_of_content() {
    let app = spawn_demo().await;

    let editions = app.get_json("/api/v1/editions").await;
    let codes: Vec<(&str, &str)> = editions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap(),
                e["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [("en", "ltr"), ("ar", "rtl"), ("fa", "rtl"), ("sq", "ltr")]
    );

    // The README's example: five Persian posts with the whole envelope.
    let reply = app.get("/api/v1/posts?edition=fa&per_page=5").await;
    assert_eq!(reply.status, 200);
    let total: u64 = reply.header("x-total-count").unwrap().parse().unwrap();
    assert!(total >= 50, "{total} Persian articles");
    assert!(reply.header("link").unwrap().contains("rel=\"next\""));
    let page = reply.json();
    let posts = page["data"].as_array().unwrap();
    assert_eq!(posts.len(), 5);
    for post in posts {
        assert_eq!(post["edition"], "fa");
        assert_eq!(post["direction"], "rtl");
        assert!(is_arabic_script(post["title"].as_str().unwrap()));
    }
    assert_eq!(page["meta"]["per_page"], 5);
    assert!(page["links"]["next"].as_str().unwrap().contains("page=2"));

    // At least 200 posts over ten years, in every edition, with pages.
    let mut all = 0;
    let mut years = HashSet::new();
    for code in ["en", "ar", "fa", "sq"] {
        let articles = app
            .get_json(&format!(
                "/api/v1/posts?edition={code}&per_page=100&sort=published_at"
            ))
            .await;
        all += articles["meta"]["total"].as_u64().unwrap();
        for post in articles["data"].as_array().unwrap() {
            years.insert(post["published_at"].as_str().unwrap()[..4].to_string());
        }
        let pages = app
            .get_json(&format!("/api/v1/posts?edition={code}&kind=page"))
            .await;
        assert_eq!(pages["meta"]["total"], 2, "About and Contact in {code}");
        all += 2;
    }
    assert!(all >= 200, "{all} posts");
    assert!(years.len() >= 9, "years: {years:?}");

    // Persian text keeps its zero-width non-joiners.
    let fa = app.get_json("/api/v1/posts?edition=fa&per_page=100").await;
    assert!(fa["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["content"].as_str().unwrap().contains('\u{200c}')));

    // Translations link every edition.
    let linked = posts
        .iter()
        .find(|p| p["translations"].as_array().unwrap().len() == 3)
        .expect("a post in four editions");
    let editions_linked: HashSet<&str> = linked["translations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["edition"].as_str().unwrap())
        .collect();
    assert_eq!(editions_linked, HashSet::from(["en", "ar", "sq"]));

    // Media of every kind, processed as uploads are, and the pictures'
    // files are really there.
    for kind in ["image", "video", "audio", "document", "embed"] {
        let media = app
            .get_json(&format!("/api/v1/media?kind={kind}&per_page=100"))
            .await;
        let items = media["data"].as_array().unwrap();
        assert!(!items.is_empty(), "no {kind}");
        for item in items {
            let facts = match kind {
                "image" => {
                    item["placeholder"].is_string()
                        && item["renditions"]["medium.webp"]["mime_type"] == "image/webp"
                }
                "video" | "audio" => item["duration"].as_f64().is_some_and(|d| d > 1.0),
                "document" => item["page_count"] == 1,
                _ => item["embed"]["embed_url"].is_string(),
            };
            assert!(facts, "{kind}: {item}");
        }
    }
    let cartoons = app.get_json("/api/v1/posts?edition=ar&category=%D9%83%D8%A7%D8%B1%D9%8A%D9%83%D8%A7%D8%AA%D9%8A%D8%B1").await;
    let picture = &cartoons["data"][0]["featured_media"];
    assert_eq!(picture["kind"], "image");
    let url = picture["renditions"]["thumbnail"]["url"].as_str().unwrap();
    assert!(url.starts_with(&app.media_base));
    let file = app.client.get(url).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");

    // Drafts and scheduled posts are loaded but not public.
    let now_public: u64 = app
        .get("/api/v1/posts?edition=en")
        .await
        .header("x-total-count")
        .unwrap()
        .parse()
        .unwrap();
    let in_db = app.db(|c| nashr::repo::posts::count_all(c).unwrap()) as u64;
    assert!(
        in_db > now_public + 2 * 4,
        "hidden posts exist in the database"
    );
}

#[actix_web::test]
async fn demo_menus_follow_the_organisations_site() {
    let app = spawn_demo().await;
    for code in ["en", "ar", "fa", "sq"] {
        let menu = app
            .get_json(&format!("/api/v1/menus/by-slug/main?edition={code}"))
            .await;
        let items = menu["items"].as_array().unwrap();
        let kinds: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["url", "category", "category", "category", "page", "page"],
            "{code}"
        );
        assert_eq!(items[0]["url"], format!("/{code}/"));
        assert_eq!(
            items[2]["children"].as_array().unwrap().len(),
            4,
            "Media has four sections"
        );
        assert_eq!(
            items[3]["children"].as_array().unwrap().len(),
            3,
            "Publications has three"
        );
        assert_eq!(menu["translations"].as_array().unwrap().len(), 3);
    }
    let en = app.get_json("/api/v1/menus/by-slug/main?edition=en").await;
    let labels: Vec<&str> = en["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Home",
            "Articles",
            "Media",
            "Publications",
            "About Us",
            "Contact us"
        ]
    );
    let media: Vec<&str> = en["items"][2]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(media, ["Cartoons", "NewsPics", "Photo Gallery", "Videos"]);

    // A header and a footer in every edition: the site's own name, and
    // the default edition's social links.
    for code in ["en", "ar", "fa", "sq"] {
        let site = app.get_json(&format!("/api/v1/site?edition={code}")).await;
        assert!(
            site["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{site}"
        );
        assert!(site["copyright"]
            .as_str()
            .is_some_and(|c| c.starts_with('©')));
        assert_eq!(site["social_links"].as_array().unwrap().len(), 4, "{code}");
        let fallbacks = &site["fallbacks"];
        match code {
            "en" => assert_eq!(fallbacks, &serde_json::json!([])),
            _ => assert_eq!(
                fallbacks,
                &serde_json::json!(["social_links", "contact_email"])
            ),
        }
    }
    let fa = app.get_json("/api/v1/site?edition=fa").await;
    assert_eq!(
        (&fa["name"], &fa["direction"]),
        (&serde_json::json!("نقد نشر"), &serde_json::json!("rtl"))
    );

    // Menus, like every list, cost the same whatever the page size.
    let one = app.get("/api/v1/menus?per_page=1").await.queries();
    let all = app.get("/api/v1/menus?per_page=100").await.queries();
    assert_eq!(one, all);

    // A database with the demo in it does not want it again (a second
    // start adds nothing: see startup::a_plain_start_...).
    assert!(!app.db(|c| nashr::demo::wanted(c).unwrap()));
    assert_eq!(app.get_json("/api/v1/editions").await["meta"]["total"], 4);
}

/// The README's tour, run against the demo: every example answers, and
/// shows what it is there to show (no empty list, a fallback where it
/// says so, a problem document where it shows a mistake).
#[actix_web::test]
async fn every_example_of_the_readme_tour_shows_something_on_the_demo() {
    let app = spawn_demo().await;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let tour = readme
        .split("## A tour of the read API")
        .nth(1)
        .and_then(|t| t.split("```sh").nth(1))
        .and_then(|t| t.split("```").next())
        .expect("the README has its tour");
    let mut ran = 0;
    let mut comment = String::new();
    for line in tour.lines() {
        if let Some(c) = line.strip_prefix('#') {
            comment.push_str(c);
            continue;
        }
        let Some(at) = line.find("localhost:8080/") else {
            continue;
        };
        if line.contains("$CURSOR") {
            // Its page comes from the line before; the cursor tests cover it.
            continue;
        }
        let mut path: String = line[at + "localhost:8080".len()..]
            .chars()
            .take_while(|c| *c != '\'' && *c != '"' && *c != ' ')
            .collect();
        // `$(python3 ... quote("X"))`: X percent-encoded, as the shell would.
        if let Some(q) = line.find("quote(\"") {
            let word: String = line[q + 7..].chars().take_while(|c| *c != '"').collect();
            let encoded: String = word
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            path = match path.find("$(") {
                Some(d) => format!(
                    "{}{encoded}{}",
                    &path[..d],
                    &line[line.rfind(")')").unwrap() + 3..line.rfind('"').unwrap()]
                ),
                None => path,
            };
        }
        let reply = app.get(&path).await;
        ran += 1;
        if comment.contains("Mistakes") {
            assert_eq!(reply.status, 400, "{path}");
            assert!(String::from_utf8_lossy(&reply.body).contains("per_page"));
            continue;
        }
        assert_eq!(reply.status, 200, "{path}");
        assert!(!reply.body.is_empty(), "{path}");
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
            if let Some(data) = json.get("data").and_then(|d| d.as_array()) {
                assert!(!data.is_empty(), "{path}: an empty list");
                if path.contains("lang_fallback") {
                    assert!(
                        data.iter().any(|p| !p["fallback_for"].is_null()),
                        "{path}: nothing filled in"
                    );
                }
            }
        }
        comment.clear();
    }
    assert!(ran >= 20, "only {ran} examples found");
}
