//! Full-text search: folding of Arabic, Persian and Albanian spellings,
//! prefixes, ranking, snippets, the index following every write, and
//! hostile queries.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::seed;
use crate::helpers::{spawn_app, spawn_with, TestApp};

/// Publishes a post through the API; answers its id.
async fn publish(app: &TestApp, token: &str, edition: &str, title: &str, content: &str) -> i64 {
    let created = app
        .post_as(
            "/api/v1/posts",
            token,
            json!({"edition": edition, "title": title, "content": content, "status": "published"}),
        )
        .await;
    created.expect(201)["id"].as_i64().unwrap()
}

/// The ids a search finds, in order.
async fn found(app: &TestApp, query: &str) -> Vec<i64> {
    let path = format!(
        "/api/v1/posts?search={}",
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    app.ids(&path).await
}

#[actix_web::test]
async fn arabic_and_persian_keyboards_find_the_same_posts() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let books = publish(
        &app,
        &admin,
        "fa",
        "کتاب‌های علی",
        "<p>من می‌خواهم در سال ۱۴۰۳ به کتابخانهٔ مدرسه بروم.</p>",
    )
    .await;
    let prophet = publish(
        &app,
        &admin,
        "ar",
        "مُحَمَّد والمستشفى",
        "<p>إسلام آباد القـــرآن ٢٠٢٤ مدرسة</p>",
    )
    .await;
    let other = publish(&app, &admin, "fa", "هوا", "<p>باران می‌بارد</p>").await;

    for (typed, want) in [
        ("كتابهاي", vec![books]),     // Arabic kaf and yeh, no ZWNJ
        ("کتاب‌های", vec![books]),     // as written
        ("ميخواهم", vec![books]),     // Arabic yeh, no ZWNJ
        ("می‌خواهم", vec![books]),     // with ZWNJ
        ("1403", vec![books]),        // ASCII digits for Persian ones
        ("علي", vec![books]),         // Arabic yeh for Persian yeh
        ("على", vec![books]),         // alef maksura
        ("محمد", vec![prophet]),      // no tashkeel for a word written with it
        ("مُحمّد", vec![prophet]),      // tashkeel typed
        ("والمستشفي", vec![prophet]), // yeh for alef maksura
        ("اسلام اباد", vec![prophet]), // plain alef for hamza and madda
        ("القران", vec![prophet]),    // tatweel and madda gone
        ("۲۰۲۴", vec![prophet]),      // Persian digits for Arabic-Indic ones
        ("مدرسه", {
            // teh marbuta and heh; both posts say "school"
            let mut both = vec![books, prophet];
            both.sort_unstable();
            both
        }),
        ("باران", vec![other]),
    ] {
        let mut ids = found(&app, typed).await;
        ids.sort_unstable();
        assert_eq!(ids, want, "searching for {typed}");
    }

    let page = app
        .get_json("/api/v1/posts?search=%D9%83%D8%AA%D8%A7%D8%A8%D9%87%D8%A7%D9%8A")
        .await;
    assert_eq!(page["meta"]["total"], 1);
    assert_eq!(
        page["data"][0]["title"], "کتاب‌های علی",
        "stored text is never changed"
    );
}

#[actix_web::test]
async fn albanian_letters_prefixes_ranking_and_snippets() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let sq = app
        .post_as(
            "/api/v1/editions",
            &admin,
            json!({"code": "sq", "name": "Albanian", "native_name": "Shqip", "direction": "ltr"}),
        )
        .await;
    sq.expect(201);
    let shqip = publish(
        &app,
        &admin,
        "sq",
        "Çështja e lirisë",
        "<p>Gazetarët flasin për lirinë e shtypit.</p>",
    )
    .await;
    assert_eq!(found(&app, "ceshtja").await, [shqip]);
    assert_eq!(found(&app, "LIRISE").await, [shqip]);
    assert_eq!(found(&app, "Çështja").await, [shqip]);

    // Title matches rank above body matches, whatever their dates.
    let in_body = publish(
        &app,
        &admin,
        "en",
        "A report",
        "<p>Reporters spoke about <em>freedom</em> of the press &amp; more.</p>",
    )
    .await;
    let in_title = publish(&app, &admin, "en", "Freedom of the press", "<p>Text.</p>").await;
    let unrelated = publish(&app, &admin, "en", "Free lunch", "<p>Food.</p>").await;
    assert_eq!(found(&app, "freedom").await, [in_title, in_body]);
    // The last word is a prefix: "freed" finds "freedom", but not "free".
    assert_eq!(found(&app, "press freed").await, [in_title, in_body]);
    assert_eq!(found(&app, "fre").await.len(), 3);
    assert!(
        found(&app, "freedom lunch").await.is_empty(),
        "every word must match"
    );
    assert_eq!(found(&app, "lunch").await, [unrelated]);

    // `sort` overrides relevance: the body match was published first.
    let oldest_first = app
        .ids("/api/v1/posts?search=freedom&sort=published_at")
        .await;
    assert_eq!(oldest_first, [in_body, in_title]);
    app.get("/api/v1/posts?sort=relevance")
        .await
        .bad_parameter("sort");

    let results = app.get_json("/api/v1/posts?search=freedom").await;
    let snippet = results["data"][1]["search_snippet"].as_str().unwrap();
    assert_eq!(
        snippet,
        "Reporters spoke about <mark>freedom</mark> of the press &amp; more."
    );
    assert!(
        app.get_json("/api/v1/posts").await["data"][0]
            .get("search_snippet")
            .is_none(),
        "only search results carry snippets"
    );

    // Filters still apply to search results.
    assert_eq!(
        app.ids("/api/v1/posts?search=freedom&edition=sq").await,
        Vec::<i64>::new()
    );
}

#[actix_web::test]
async fn the_index_follows_every_write() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let id = publish(&app, &admin, "en", "Harvest festival", "<p>Apples.</p>").await;
    assert_eq!(found(&app, "harvest").await, [id]);
    assert_eq!(found(&app, "apples").await, [id]);

    let path = format!("/api/v1/posts/{id}");
    app.patch_as(
        &path,
        &admin,
        json!({"title": "Winter market", "content": "<p>Pears.</p>"}),
        None,
    )
    .await
    .expect(200);
    assert!(found(&app, "harvest").await.is_empty());
    assert!(found(&app, "apples").await.is_empty());
    assert_eq!(found(&app, "winter pears").await, [id]);

    // Drafts and the trash are never found by the public.
    app.patch_as(&path, &admin, json!({"status": "draft"}), None)
        .await
        .expect(200);
    assert!(found(&app, "winter").await.is_empty());
    let drafts = app
        .get_as("/api/v1/posts?search=winter&status=draft", &admin)
        .await;
    assert_eq!(drafts.expect(200)["data"][0]["id"], id);
    app.patch_as(&path, &admin, json!({"status": "published"}), None)
        .await
        .expect(200);
    assert_eq!(app.delete_as(&path, &admin, None).await.status, 204);
    assert!(found(&app, "winter").await.is_empty());
    let restored = app
        .send(
            Method::POST,
            &format!("{path}/restore"),
            Some(&admin),
            None,
            None,
        )
        .await;
    restored.expect(200);
    assert_eq!(found(&app, "winter").await, [id]);

    let purged = app
        .send(
            Method::DELETE,
            &format!("{path}?force=true"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(purged.status, 204);
    let entries =
        app.db(|c| nashr::db::search::entries(c, nashr::db::search::Index::Posts).unwrap());
    assert_eq!(entries, 0, "a purged post leaves nothing in the index");

    // Media are searched by title, alt text, caption and credit.
    let media = seed::image(&app, "harbour");
    app.patch_as(
        &format!("/api/v1/media/{media}"),
        &admin,
        json!({"alt_text": "Fishing boats at dawn", "caption": "قایق‌های ماهیگیری"}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(app.ids("/api/v1/media?search=boats").await, [media]);
    let fa = app
        .get_json("/api/v1/media?search=%D9%82%D8%A7%DB%8C%D9%82%D9%87%D8%A7%DB%8C")
        .await;
    assert_eq!(fa["data"][0]["id"], media, "ZWNJ folded in media too");
    assert_eq!(
        fa["data"][0]["search_snippet"],
        "<mark>قایق‌های</mark> ماهیگیری"
    );
    assert!(app.ids("/api/v1/media?search=dawnx").await.is_empty());
}

#[actix_web::test]
async fn hostile_search_strings_never_fail_the_server() {
    let app = spawn_app().await;
    seed::editions(&app);
    let admin = app.admin().await;
    let id = publish(
        &app,
        &admin,
        "en",
        "Press freedom",
        "<p>It's \"quoted\" (here).</p>",
    )
    .await;
    for hostile in [
        "\"",
        "\"unbalanced",
        "*",
        "press*",
        "NEAR(press freedom)",
        "press NEAR freedom",
        "(((",
        ")",
        "' OR 1=1 --",
        "'; DROP TABLE posts; --",
        "press AND OR NOT",
        "^press",
        "title:press",
        "-press",
        "press:*",
        "!press & | <->",
        "\\",
        "%",
        "_",
        "{}[]",
        "\u{200c}",
        "ـــ",
        "\u{0301}",
        "x\u{0000}y",
    ] {
        let path = format!(
            "/api/v1/posts?search={}",
            form_urlencoded::byte_serialize(hostile.as_bytes()).collect::<String>()
        );
        let reply = app.get(&path).await;
        match reply.status {
            200 => {
                let body: Value = reply.json();
                assert!(body["data"].is_array(), "{hostile}");
            }
            400 => {
                let problem = reply.bad_parameter("search");
                let detail = problem["detail"].as_str().unwrap_or_default();
                assert!(
                    !detail.to_lowercase().contains("fts5"),
                    "{hostile}: {detail}"
                );
                assert!(!detail.contains("syntax"), "{hostile}: {detail}");
            }
            other => panic!("{hostile:?} answered {other}"),
        }
        let media = app.get(&path.replace("/posts?", "/media?")).await.status;
        assert!(
            media == 200 || media == 400,
            "{hostile:?} on media: {media}"
        );
    }
    assert_eq!(found(&app, "' OR 1=1 --").await, Vec::<i64>::new());
    assert_eq!(found(&app, "NEAR(press freedom)").await, Vec::<i64>::new());
    assert_eq!(found(&app, "\"quoted\" (here)").await, [id]);
    assert_eq!(found(&app, "press*").await, [id]);
    app.get(&format!("/api/v1/posts?search={}", "a".repeat(257)))
        .await
        .bad_parameter("search");
    app.get(&format!("/api/v1/posts?search={}", "ab+".repeat(17)))
        .await
        .bad_parameter("search");
    app.get("/api/v1/posts?search=")
        .await
        .bad_parameter("search");
    assert_eq!(app.get_json("/api/v1/posts").await["meta"]["total"], 1);
}

#[actix_web::test]
async fn a_common_word_is_ranked_among_its_newest_matches_with_an_estimated_total() {
    let app = spawn_with(|s| {
        s.search_window = 20;
        s.response_cache_mb = 0;
    })
    .await;
    let (en, fa, _) = seed::editions(&app);
    let admin = app.admin().await;
    let insert = |edition: i64, slug: &str, title: &str| {
        let mut post = seed::Post::new(edition, slug);
        post.title = title.to_string();
        post.content = "<p>The river rose again this week.</p>".to_string();
        post.insert(&app)
    };
    // The oldest match says it in its title: it would rank first if every
    // match were ranked, but it is older than the newest 20.
    let oldest = insert(en, "river-old", "River");
    for n in 0..49 {
        insert(en, &format!("en-{n}"), &format!("Week {n}"));
    }
    let titled = insert(en, "river-new", "River again");
    for n in 0..10 {
        insert(fa, &format!("fa-{n}"), &format!("Hafte {n}"));
    }
    let rare = {
        let mut post = seed::Post::new(en, "delta");
        post.title = "Delta".to_string();
        post.insert(&app)
    };

    let first = app
        .get("/api/v1/posts?search=river&edition=en&per_page=10")
        .await;
    let body = first.expect(200);
    let meta = &body["meta"];
    assert_eq!(meta["total_is_estimate"], true, "{meta}");
    let total = meta["total"].as_i64().unwrap();
    assert!((21..=122).contains(&total), "an estimate near 51: {total}");
    assert_eq!(
        first.header("x-total-count"),
        Some(total.to_string().as_str())
    );
    assert_eq!(meta["total_pages"], 2, "pages of the ranked 20");
    assert_eq!(body["data"][0]["id"], titled, "a title match ranks first");

    let mut seen: Vec<i64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let cursor = meta["next_cursor"].as_str().unwrap().to_string();
    let second = app
        .get_json(&format!(
            "/api/v1/posts?search=river&edition=en&per_page=10&cursor={cursor}"
        ))
        .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 10);
    assert_eq!(
        second["meta"]["next_cursor"],
        Value::Null,
        "the ranked ones end here"
    );
    seen.extend(
        second["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap()),
    );
    assert_eq!(seen.len(), 20);
    assert!(!seen.contains(&oldest), "older than the ranked window");
    assert!(!seen.contains(&rare));
    let page3 = app
        .get_json("/api/v1/posts?search=river&edition=en&per_page=10&page=3")
        .await;
    assert_eq!(page3["data"], json!([]));

    // Fewer matches than the window: ranked in full, counted exactly.
    let exact = app.get_json("/api/v1/posts?search=delta").await;
    assert_eq!(exact["meta"]["total_is_estimate"], false);
    assert_eq!(exact["meta"]["total"], 1);
    let weeks = app
        .get_json("/api/v1/posts?search=week&edition=en&per_page=5")
        .await;
    assert_eq!(weeks["meta"]["total_is_estimate"], true);
    let hafte = app.get_json("/api/v1/posts?search=hafte").await;
    assert_eq!(
        (
            hafte["meta"]["total"].clone(),
            hafte["meta"]["total_is_estimate"].clone()
        ),
        (json!(10), json!(false))
    );

    // The kept ranking follows writes: a new match is ranked at once.
    let newest = publish(&app, &admin, "en", "River river river", "<p>river</p>").await;
    let after = app
        .get_json("/api/v1/posts?search=river&edition=en&per_page=10")
        .await;
    assert_eq!(after["data"][0]["id"], newest);
    assert_eq!(after["meta"]["total_is_estimate"], true);
}
