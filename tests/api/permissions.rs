//! The permission matrix: every role, with its login and with script
//! tokens of each scope it may hold, against every kind of write. The
//! expectations are written out here, not derived from the code, so any
//! change to who may do what fails this test.

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::Method;
use serde_json::json;

use crate::helpers::seed::{self, Post};
use crate::helpers::{spawn_app, TestApp, ALL_SCOPES};

const ROLES: [&str; 4] = ["admin", "editor", "author", "contributor"];

/// The scopes each role may give its tokens.
const ROLE_SCOPES: [&[&str]; 4] = [
    &ALL_SCOPES,
    &[
        "read",
        "posts:write",
        "media:write",
        "taxonomy:write",
        "menus:write",
        "account",
    ],
    &["read", "posts:write", "media:write", "account"],
    &["read", "posts:write", "account"],
];

const Y: bool = true;
const N: bool = false;

/// One kind of write: the scopes a token needs for it, and which roles
/// (admin, editor, author, contributor) may do it at all.
struct Case {
    name: &'static str,
    scopes: &'static [&'static str],
    roles: [bool; 4],
}

const MATRIX: &[Case] = &[
    Case {
        name: "create a draft",
        scopes: &["posts:write"],
        roles: [Y, Y, Y, Y],
    },
    Case {
        name: "publish a new post",
        scopes: &["posts:write"],
        roles: [Y, Y, Y, N],
    },
    Case {
        name: "edit someone else's post",
        scopes: &["posts:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "trash someone else's post",
        scopes: &["posts:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "purge a post",
        scopes: &["posts:write", "admin"],
        roles: [Y, N, N, N],
    },
    Case {
        name: "read drafts",
        scopes: &["read"],
        roles: [Y, Y, Y, Y],
    },
    Case {
        name: "create a category",
        scopes: &["taxonomy:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "create a tag",
        scopes: &["taxonomy:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "create a menu",
        scopes: &["menus:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "edit someone else's media",
        scopes: &["media:write"],
        roles: [Y, Y, N, N],
    },
    Case {
        name: "create an edition",
        scopes: &["admin"],
        roles: [Y, N, N, N],
    },
    Case {
        name: "create a user",
        scopes: &["admin"],
        roles: [Y, N, N, N],
    },
    Case {
        name: "list users",
        scopes: &["admin"],
        roles: [Y, N, N, N],
    },
];

static UNIQUE: AtomicU32 = AtomicU32::new(0);

fn unique() -> u32 {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

/// Three lower-case letters, different each time.
fn edition_code() -> String {
    let n = unique();
    let letter = |k: u32| char::from(b'a' + (k % 26) as u8);
    format!("{}{}{}", letter(n / 676), letter(n / 26), letter(n))
}

/// Performs `case` with `token` against fresh targets owned by `victim`;
/// answers the status.
async fn perform(app: &TestApp, case: &str, token: &str, en: i64, victim: i64) -> u16 {
    let victims_post = || {
        Post {
            author: Some(victim),
            ..Post::new(en, &format!("victim-{}", unique()))
        }
        .insert(app)
    };
    let reply = match case {
        "create a draft" => app.post_as("/api/v1/posts", token, json!({"edition": "en", "title": "Draft"})).await,
        "publish a new post" => app.post_as("/api/v1/posts", token, json!({"edition": "en", "title": "Live", "status": "published"})).await,
        "edit someone else's post" => {
            let id = victims_post();
            app.patch_as(&format!("/api/v1/posts/{id}"), token, json!({"title": "Edited"}), None).await
        }
        "trash someone else's post" => {
            let id = victims_post();
            app.delete_as(&format!("/api/v1/posts/{id}"), token, None).await
        }
        "purge a post" => {
            let id = victims_post();
            app.send(Method::DELETE, &format!("/api/v1/posts/{id}?force=true"), Some(token), None, None).await
        }
        "read drafts" => app.get_as("/api/v1/posts?status=draft", token).await,
        "create a category" => app.post_as("/api/v1/categories", token, json!({"edition": "en", "name": "Category"})).await,
        "create a tag" => app.post_as("/api/v1/tags", token, json!({"edition": "en", "name": "Tag"})).await,
        "create a menu" => app.post_as("/api/v1/menus", token, json!({"edition": "en", "name": "Menu"})).await,
        "edit someone else's media" => {
            let id = seed::image(app, &format!("picture-{}", unique()));
            app.db(|c| {
                use diesel::prelude::*;
                use nashr::db::schema::media;
                nashr::with_conn!(c, c => diesel::update(media::table.find(id)).set(media::uploaded_by.eq(victim)).execute(c)).unwrap()
            });
            app.patch_as(&format!("/api/v1/media/{id}"), token, json!({"alt_text": "changed"}), None).await
        }
        "create an edition" => {
            app.post_as("/api/v1/editions", token, json!({"code": edition_code(), "name": "X", "native_name": "X", "direction": "ltr"})).await
        }
        "create a user" => {
            app.post_as("/api/v1/users", token, json!({"username": format!("made-{}", unique()), "password": "a-long-password", "role": "author"})).await
        }
        "list users" => app.get_as("/api/v1/users", token).await,
        other => panic!("no case {other}"),
    };
    assert!(
        reply.status == 403 || (200..300).contains(&reply.status),
        "{case}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.status
}

#[actix_web::test]
async fn every_role_and_scope_against_every_write() {
    let app = spawn_app().await;
    let (en, _, _) = seed::editions(&app);
    let (victim, _) = app.user_with_role("victim", "author").await;

    let mut mismatches = Vec::new();
    let mut cells = 0;
    for (r, role) in ROLES.iter().enumerate() {
        let (_, login) = app.user_with_role(&format!("as-{role}"), role).await;
        // (label, token, scopes it carries; None for a login)
        let mut credentials: Vec<(String, String, Option<Vec<&str>>)> =
            vec![("login".into(), login.clone(), None)];
        for scope in ROLE_SCOPES[r] {
            let (_, token) = app.script_token(&login, &[scope]).await;
            credentials.push((format!("token[{scope}]"), token, Some(vec![*scope])));
        }
        let (_, all) = app.script_token(&login, ROLE_SCOPES[r]).await;
        credentials.push((
            "token[all of the role's]".into(),
            all,
            Some(ROLE_SCOPES[r].to_vec()),
        ));
        // Scopes beyond the role cannot be given at all.
        for scope in ROLE_SCOPES[0]
            .iter()
            .filter(|s| !ROLE_SCOPES[r].contains(s))
        {
            let beyond = app
                .post_as(
                    "/api/v1/tokens",
                    &login,
                    json!({"name": "x", "scopes": [scope]}),
                )
                .await;
            assert_eq!(beyond.status, 422, "{role} got a token with {scope}");
        }

        for case in MATRIX {
            for (label, token, scopes) in &credentials {
                let has_scopes = scopes
                    .as_ref()
                    .is_none_or(|s| case.scopes.iter().all(|needed| s.contains(needed)));
                let expected = case.roles[r] && has_scopes;
                let status = perform(&app, case.name, token, en, victim).await;
                cells += 1;
                if (status != 403) != expected {
                    mismatches.push(format!(
                        "{role} with {label}: {} answered {status}, expected {}",
                        case.name,
                        if expected { "2xx" } else { "403" }
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(cells > 250, "{cells}");
}
