use crate::helpers::seed::{self, Post};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn only_users_with_live_posts_are_public_authors_and_show_no_private_fields() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let alice = seed::user(&app, "alice");
    let bob = seed::user(&app, "bob");
    seed::user(&app, "carol"); // no posts at all
    Post {
        author: Some(alice),
        ..Post::new(en, "a1")
    }
    .insert(&app);
    Post {
        author: Some(alice),
        ..Post::new(en, "a2")
    }
    .insert(&app);
    Post {
        author: Some(bob),
        status: "draft",
        ..Post::new(en, "b1")
    }
    .insert(&app);

    let list = app.get_json("/api/v1/authors").await;
    assert_eq!(list["meta"]["total"], 1);
    let author = &list["data"][0];
    assert_eq!(author["id"], alice);
    assert_eq!(author["post_count"], 2);
    assert_eq!(author["path"], "/author/alice");
    for private in ["email", "role", "username", "password_hash", "disabled"] {
        assert!(author.get(private).is_none(), "{private} is private");
    }
    assert_eq!(
        app.get_json("/api/v1/authors/by-slug/alice").await["id"],
        alice
    );
    app.get(&format!("/api/v1/authors/{bob}"))
        .await
        .problem(404);
    app.get("/api/v1/authors/by-slug/carol").await.problem(404);
}
