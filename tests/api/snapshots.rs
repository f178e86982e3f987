//! Snapshots of representative responses, public and editors', so that a
//! change to any representation shows up in review as a diff of
//! `tests/api/snapshots/*.snap`. Ids, times, translation groups, secrets,
//! cursors and the server's own addresses are redacted, so the same
//! snapshot holds on both databases.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test --test api
//! snapshots`, then review and commit the `.snap` files.

use serde_json::{json, Map, Value};

use crate::helpers::{seed, spawn_app, TestApp};

/// `value` with what differs from run to run replaced by a placeholder.
fn redacted(app: &TestApp, value: Value) -> Value {
    fn walk(app: &TestApp, key: &str, value: Value) -> Value {
        let id_key = key == "id"
            || key.ends_with("_id")
            || key.ends_with("_by")
            || key == "author"
            || key == "media";
        match value {
            Value::Number(_) if id_key => json!("[id]"),
            Value::Array(items) if key == "categories" || key == "tags" => {
                Value::Array(items.into_iter().map(|v| walk(app, "id", v)).collect())
            }
            Value::String(_) if key.ends_with("_at") || key == "expires" => json!("[time]"),
            Value::String(_) if key == "translation_group" => json!("[group]"),
            Value::String(_)
                if ["token", "access_token", "next_cursor", "prefix"].contains(&key) =>
            {
                json!("[secret]")
            }
            Value::String(text) => Value::String(addresses(app, &text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| walk(app, key, v)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| {
                        let v = walk(app, &k, v);
                        (k, v)
                    })
                    .collect::<Map<_, _>>(),
            ),
            other => other,
        }
    }
    walk(app, "", value)
}

/// The server's and the media store's addresses, and cursors in links,
/// as placeholders.
fn addresses(app: &TestApp, text: &str) -> String {
    let mut out = text
        .replace(&app.media_base, "[media]")
        .replace(&app.address, "[server]");
    if let Some(at) = out.find("cursor=") {
        let end = out[at..].find('&').map_or(out.len(), |n| at + n);
        out.replace_range(at..end, "cursor=[cursor]");
    }
    out
}

/// A small site: editions, a Persian story with its category, tag,
/// author, picture and English translation, and a draft.
async fn site() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    let (en, fa, _ar) = seed::editions(&app);
    let group = nashr::repo::new_translation_group();
    let news = seed::category(&app, fa, "اخبار", None, &group);
    seed::category(&app, en, "news", None, &group);
    let tag = seed::tag(&app, fa, "آزادی-مطبوعات");
    let author = seed::user(&app, "sara");
    let picture = seed::image(&app, "قلم");
    let story_group = nashr::repo::new_translation_group();
    let mut story = seed::Post::new(fa, "یادداشت-بهاری");
    story.title = "یادداشت‌های بهاری".into();
    story.content = "<p>متنی با نیم‌فاصله و <a href=\"https://example.org\">پیوند</a>.</p>".into();
    story.author = Some(author);
    story.featured_media = Some(picture);
    story.categories = vec![news];
    story.tags = vec![tag];
    story.group = story_group.clone();
    story.comment_count = 3;
    let story = story.insert(&app);
    let mut english = seed::Post::new(en, "spring-notes");
    english.group = story_group;
    english.author = Some(author);
    english.insert(&app);
    let mut draft = seed::Post::new(fa, "پیش‌نویس");
    draft.status = "draft";
    draft.author = Some(author);
    let draft = draft.insert(&app);
    (app, story, draft)
}

#[actix_web::test]
async fn public_representations() {
    let (app, story, _) = site().await;
    let reads = [
        ("post", format!("/api/v1/posts/{story}")),
        ("posts_list", "/api/v1/posts?edition=fa&per_page=2".into()),
        (
            "posts_embedded",
            "/api/v1/posts?edition=fa&include=author,categories,translations&fields=id,title,path,alternates,embedded"
                .into(),
        ),
        ("categories_tree", "/api/v1/categories?edition=fa&tree=true".into()),
        ("tags", "/api/v1/tags?edition=fa".into()),
        ("editions", "/api/v1/editions".into()),
        ("authors", "/api/v1/authors".into()),
        ("search", "/api/v1/posts?edition=fa&search=بهاری".into()),
    ];
    for (name, path) in reads {
        let reply = app.get(&path).await;
        let body = if reply.status == 200 {
            reply.json()
        } else {
            json!({"status": reply.status, "body": reply.json()})
        };
        insta::assert_json_snapshot!(format!("public_{name}"), redacted(&app, body));
    }
    let problem = app
        .get("/api/v1/posts?edition=fa&per_page=500&colour=red")
        .await;
    insta::assert_json_snapshot!("public_problem_400", redacted(&app, problem.json()));
}

#[actix_web::test]
async fn editor_representations() {
    let (app, _, draft) = site().await;
    let admin = app.admin().await;
    let reply = app.get_as(&format!("/api/v1/posts/{draft}"), &admin).await;
    insta::assert_json_snapshot!("editor_draft", redacted(&app, reply.expect(200)));
    let created = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "ar", "title": "مقال جديد", "content": "# عنوان\n\nنص **غامق**.",
                   "content_format": "markdown", "status": "scheduled",
                   "published_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    insta::assert_json_snapshot!("editor_created", redacted(&app, created.expect(201)));
    let invalid = app
        .post_as(
            "/api/v1/posts",
            &admin,
            json!({"edition": "xx", "title": ""}),
        )
        .await;
    insta::assert_json_snapshot!("editor_problem_422", redacted(&app, invalid.json()));
    let token = app
        .post_as(
            "/api/v1/tokens",
            &admin,
            json!({"name": "nightly", "scopes": ["read", "posts:write"]}),
        )
        .await;
    insta::assert_json_snapshot!("editor_token", redacted(&app, token.expect(201)));
    let me = app.get_as("/api/v1/users/me", &admin).await;
    insta::assert_json_snapshot!("editor_me", redacted(&app, me.expect(200)));
}
