//! No N+1: a list answers in the same number of queries whatever its page
//! size. The server reports each request's queries in `Server-Timing`.

use nashr::repo;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_with, TestApp};

/// 30 English posts, each with a category, a tag, an author, a featured
/// image with renditions, a two-picture gallery and a Persian translation.
async fn rich_site() -> TestApp {
    // Views and totals not kept, so that every list builds its posts and
    // counts them: what is counted is what building costs.
    let app = spawn_with(|s| s.view_cache_mb = 0).await;
    let (en, fa, _) = seed::editions(&app);
    for n in 0..30 {
        let cat = seed::category(&app, en, &format!("cat-{n}"), None, &format!("g-cat-{n}"));
        seed::category(&app, fa, &format!("دسته-{n}"), None, &format!("g-cat-{n}"));
        let tag = seed::tag(&app, en, &format!("tag-{n}"));
        let author = seed::user(&app, &format!("author-{n}"));
        let image = seed::image(&app, &format!("image-{n}"));
        let gallery = [
            seed::image(&app, &format!("g1-{n}")),
            seed::image(&app, &format!("g2-{n}")),
        ];
        let group = format!("story-{n}");
        let id = Post {
            categories: vec![cat],
            tags: vec![tag],
            author: Some(author),
            featured_media: Some(image),
            group: group.clone(),
            ..Post::new(en, &format!("post-{n}"))
        }
        .insert(&app);
        Post {
            group,
            ..Post::new(fa, &format!("نوشته-{n}"))
        }
        .insert(&app);
        app.db(|c| {
            repo::posts::set_gallery(c, id, &[(gallery[0], "one"), (gallery[1], "two")]).unwrap()
        });
    }
    app
}

async fn queries(app: &TestApp, path: &str) -> (u64, usize) {
    let reply = app.get(path).await;
    assert_eq!(reply.status, 200, "{path}");
    let n = reply.json()["data"].as_array().unwrap().len();
    (reply.queries(), n)
}

#[actix_web::test]
async fn lists_make_the_same_number_of_queries_for_any_page_size() {
    let app = rich_site().await;
    let lists = [
        "/api/v1/posts?edition=en",
        "/api/v1/posts?category=cat-1,cat-2,cat-3,cat-4,cat-5,cat-6,cat-7,cat-8,cat-9,cat-10,cat-11,cat-12,cat-13,cat-14,cat-15,cat-16",
        "/api/v1/categories",
        "/api/v1/categories?tree=true",
        "/api/v1/tags",
        "/api/v1/media",
        "/api/v1/authors",
        "/api/v1/editions",
    ];
    for list in lists {
        let sep = if list.contains('?') { '&' } else { '?' };
        let (one, n1) = queries(&app, &format!("{list}{sep}per_page=1")).await;
        let (many, n_many) = queries(&app, &format!("{list}{sep}per_page=100")).await;
        assert_eq!(n1, 1, "{list}");
        assert!(n_many > 1, "{list} has more than one item");
        assert_eq!(
            one, many,
            "{list}: {one} queries for 1 item, {many} for {n_many}"
        );
        eprintln!("{list}: {many} queries for {n_many} items");
    }

    // The posts really carry everything that was loaded.
    let page = app.get_json("/api/v1/posts?edition=en&per_page=100").await;
    for post in page["data"].as_array().unwrap() {
        assert_eq!(post["categories"].as_array().unwrap().len(), 1);
        assert_eq!(post["tags"].as_array().unwrap().len(), 1);
        assert!(post["author"].is_object());
        assert_eq!(
            post["featured_media"]["renditions"]
                .as_object()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(post["gallery"].as_array().unwrap().len(), 2);
        assert_eq!(post["translations"].as_array().unwrap().len(), 1);
    }
}
