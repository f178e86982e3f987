//! Logging in, script tokens, and every way a token can be bad.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_with, TestApp, JWT_SECRET};

fn forge(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn claims(sub: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub.to_string(), "role": "admin", "iat": now, "exp": now + 600,
           "iss": "nashr", "aud": "nashr-api", "jti": "x"})
}

async fn me(app: &TestApp, authorization: &str) -> crate::helpers::Reply {
    let res = app
        .client
        .get(format!("{}/api/v1/users/me", app.address))
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap();
    crate::helpers::Reply {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.bytes().await.unwrap().to_vec(),
    }
}

#[actix_web::test]
async fn login_answers_a_bearer_jwt_and_wrong_credentials_a_401() {
    let app = spawn_app().await;
    let reply = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD})),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    let payload: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    for claim in ["sub", "role", "iat", "exp", "iss", "aud", "jti"] {
        assert!(payload.get(claim).is_some(), "{claim} missing");
    }
    assert_eq!(payload["role"], "admin");
    assert_eq!(
        me(&app, &format!("Bearer {token}")).await.json()["username"],
        "admin"
    );

    let wrong = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "admin", "password": "nope-nope-nope"})),
            None,
        )
        .await;
    let unknown = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "nobody", "password": "nope-nope-nope"})),
            None,
        )
        .await;
    assert_eq!(
        wrong.problem(401)["detail"],
        unknown.problem(401)["detail"],
        "no hint whether the user exists"
    );
    assert!(wrong
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer"));

    // Users without a password (imported authors) cannot log in.
    app.db(|c| {
        nashr::content::users::create(
            c,
            &nashr::content::users::NewAccount {
                username: "imported".into(),
                password: None,
                role: "author".parse().unwrap(),
                display_name: None,
                email: None,
                bio: None,
            },
        )
        .unwrap()
    });
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"username": "imported", "password": ""})),
        None,
    )
    .await
    .problem(401);
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"username": "admin"})),
        None,
    )
    .await
    .problem(422);
}

#[actix_web::test]
async fn repeated_failures_are_rate_limited_per_username_and_per_client() {
    let app = spawn_with(|s| {
        s.login_max_failures = 3;
        s.login_max_client_failures = 5;
    })
    .await;
    let attempt = |user: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": user, "password": password})),
                None,
            )
            .await
        }
    };
    for _ in 0..3 {
        attempt("admin", "wrong-password").await.problem(401);
    }
    let limited = attempt("admin", "wrong-password").await;
    limited.problem(429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");
    // Even the right password waits: the limit comes before the check.
    attempt("admin", crate::helpers::ADMIN_PASSWORD)
        .await
        .problem(429);
    // Another username from the same client fails twice more, then the
    // client itself is limited.
    attempt("someone", "wrong-password").await.problem(401);
    attempt("someone", "wrong-password").await.problem(401);
    attempt("another", "wrong-password").await.problem(429);
}

#[actix_web::test]
async fn tampered_and_foreign_tokens_are_401s() {
    let app = spawn_app().await;
    let good = app.admin().await;
    let secret = JWT_SECRET.as_bytes();
    let now = chrono::Utc::now().timestamp();
    let (header, payload, _) = {
        let mut parts = good.split('.');
        (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
        )
    };
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let elevated = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json!({"sub": "1", "role": "admin", "iat": now, "exp": now + 99999, "iss": "nashr", "aud": "nashr-api", "jti": "y"})).unwrap());
    let cases: Vec<(&str, String)> = vec![
        ("no scheme", good.clone()),
        ("basic scheme", format!("Basic {good}")),
        ("empty bearer", "Bearer ".into()),
        ("garbage", "Bearer not-a-token".into()),
        ("three garbage parts", "Bearer a.b.c".into()),
        (
            "alg none, no signature",
            format!("Bearer {none_header}.{payload}."),
        ),
        (
            "payload swapped, old signature",
            format!(
                "Bearer {header}.{elevated}.{}",
                good.split('.').nth(2).unwrap()
            ),
        ),
        ("signature stripped", format!("Bearer {header}.{payload}.")),
        (
            "another key",
            format!(
                "Bearer {}",
                forge(
                    claims(1),
                    Algorithm::HS256,
                    b"someone else's key, 32 bytes long!!"
                )
            ),
        ),
        (
            "HS384 with our key",
            format!("Bearer {}", forge(claims(1), Algorithm::HS384, secret)),
        ),
        (
            "HS512 with our key",
            format!("Bearer {}", forge(claims(1), Algorithm::HS512, secret)),
        ),
        (
            "expired",
            format!(
                "Bearer {}",
                forge(
                    json!({"sub": "1", "role": "admin", "iat": now - 7200, "exp": now - 3600, "iss": "nashr", "aud": "nashr-api", "jti": "x"}),
                    Algorithm::HS256,
                    secret
                )
            ),
        ),
        (
            "wrong issuer",
            format!(
                "Bearer {}",
                forge(
                    json!({"sub": "1", "role": "admin", "iat": now, "exp": now + 600, "iss": "evil", "aud": "nashr-api", "jti": "x"}),
                    Algorithm::HS256,
                    secret
                )
            ),
        ),
        (
            "wrong audience",
            format!(
                "Bearer {}",
                forge(
                    json!({"sub": "1", "role": "admin", "iat": now, "exp": now + 600, "iss": "nashr", "aud": "other", "jti": "x"}),
                    Algorithm::HS256,
                    secret
                )
            ),
        ),
        (
            "no exp",
            format!(
                "Bearer {}",
                forge(
                    json!({"sub": "1", "role": "admin", "iat": now, "iss": "nashr", "aud": "nashr-api"}),
                    Algorithm::HS256,
                    secret
                )
            ),
        ),
        (
            "unknown user",
            format!("Bearer {}", forge(claims(424242), Algorithm::HS256, secret)),
        ),
        (
            "subject not a number",
            format!(
                "Bearer {}",
                forge(
                    json!({"sub": "admin", "role": "admin", "iat": now, "exp": now + 600, "iss": "nashr", "aud": "nashr-api", "jti": "x"}),
                    Algorithm::HS256,
                    secret
                )
            ),
        ),
        (
            "unknown script token",
            "Bearer nashr_notarealtokennotarealtokennotarealtok".into(),
        ),
    ];
    for (case, authorization) in cases {
        let reply = me(&app, &authorization).await;
        assert_eq!(
            reply.status,
            401,
            "{case}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.problem(401);
    }
    // A correct token forged with our key is accepted: the checks above
    // fail for the reason they name, not by accident.
    assert_eq!(
        me(
            &app,
            &format!("Bearer {}", forge(claims(1), Algorithm::HS256, secret))
        )
        .await
        .status,
        200
    );
    // Bad credentials on a public read are a 401 too, not the public view.
    let public = app
        .send(Method::GET, "/api/v1/posts", Some("garbage"), None, None)
        .await;
    public.problem(401);
}

#[actix_web::test]
async fn disabled_users_lose_their_logins_and_tokens_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, login) = app.user_with_role("writer", "editor").await;
    let (_, script) = app.script_token(&login, &["read"]).await;
    assert_eq!(app.get_as("/api/v1/users/me", &script).await.status, 200);

    let disable = app
        .patch_as(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({"disabled": true}),
            None,
        )
        .await;
    assert_eq!(disable.status, 200);
    app.get_as("/api/v1/users/me", &login).await.problem(401);
    app.get_as("/api/v1/users/me", &script).await.problem(401);
    app.send(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"username": "writer", "password": "writer-password"})),
        None,
    )
    .await
    .problem(401);
    // Enabling again brings back neither the login nor the script token:
    // the user logs in anew.
    app.patch_as(
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"disabled": false}),
        None,
    )
    .await;
    app.get_as("/api/v1/users/me", &login).await.problem(401);
    app.get_as("/api/v1/users/me", &script).await.problem(401);
    let again = app.login("writer", "writer-password").await;
    assert_eq!(app.get_as("/api/v1/users/me", &again).await.status, 200);
}

#[actix_web::test]
async fn script_tokens_are_shown_once_scoped_revocable_and_follow_the_role() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, login) = app.user_with_role("scripter", "editor").await;

    let created = app
        .post_as(
            "/api/v1/tokens",
            &login,
            json!({"name": "import", "scopes": ["read", "taxonomy:write"]}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert!(created
        .header("location")
        .unwrap()
        .ends_with(&format!("/api/v1/tokens/{}", created.json()["id"])));
    let body = created.json();
    let secret = body["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("nashr_") && secret.len() > 40);
    assert!(secret.starts_with(body["prefix"].as_str().unwrap()));
    let token_id = body["id"].as_i64().unwrap();

    // Lists never show the secret; last use is recorded.
    assert_eq!(
        app.post_as(
            "/api/v1/tags",
            &secret,
            json!({"edition": "en", "name": "x"})
        )
        .await
        .status,
        422,
        "no edition en yet, but the scope is enough"
    );
    let listed = app.get_as("/api/v1/tokens", &login).await.json();
    assert_eq!(listed["meta"]["total"], 1);
    assert!(listed["data"][0].get("token").is_none());
    assert!(
        !String::from_utf8(app.get_as("/api/v1/tokens", &login).await.body)
            .unwrap()
            .contains(&secret)
    );
    assert!(listed["data"][0]["last_used_at"].is_string());

    // Its power is its scopes...
    app.post_as(
        "/api/v1/posts",
        &secret,
        json!({"edition": "en", "title": "x"}),
    )
    .await
    .problem(403);
    // ...intersected with the owner's role, as it is on each request.
    app.patch_as(
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({"role": "author"}),
        None,
    )
    .await;
    let demoted = app
        .post_as(
            "/api/v1/tags",
            &secret,
            json!({"edition": "en", "name": "x"}),
        )
        .await;
    demoted.problem(403);
    assert!(demoted.json()["detail"]
        .as_str()
        .unwrap()
        .contains("taxonomy:write"));

    // Tokens cannot be made beyond the role, or by other script tokens.
    let login = app.login("scripter", "scripter-password").await;
    let beyond = app
        .post_as(
            "/api/v1/tokens",
            &login,
            json!({"name": "x", "scopes": ["admin"]}),
        )
        .await;
    assert_eq!(beyond.invalid_fields(), ["scopes"]);
    app.post_as(
        "/api/v1/tokens",
        &secret,
        json!({"name": "x", "scopes": ["read"]}),
    )
    .await
    .problem(403);
    let past = app
        .post_as(
            "/api/v1/tokens",
            &login,
            json!({"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.invalid_fields(), ["expires_at"]);

    // Revoked: it stops working on the very next request.
    assert_eq!(app.get_as("/api/v1/users/me", &secret).await.status, 200);
    assert_eq!(
        app.delete_as(&format!("/api/v1/tokens/{token_id}"), &login, None)
            .await
            .status,
        204
    );
    app.get_as("/api/v1/users/me", &secret).await.problem(401);
    // Gone from its own URL, kept in the list for the record.
    app.get_as(&format!("/api/v1/tokens/{token_id}"), &login)
        .await
        .problem(404);
    let listed = app.get_as("/api/v1/tokens", &login).await.json();
    let revoked = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == token_id)
        .expect("a revoked token is still listed");
    assert!(revoked["revoked_at"].is_string());
    // Revoking twice is harmless.
    assert_eq!(
        app.delete_as(&format!("/api/v1/tokens/{token_id}"), &login, None)
            .await
            .status,
        204
    );
    // Other people's tokens are not found, except by admins.
    let (_, other) = app.user_with_role("other", "editor").await;
    app.get_as(&format!("/api/v1/tokens/{token_id}"), &other)
        .await
        .problem(404);
    app.delete_as(&format!("/api/v1/tokens/{token_id}"), &other, None)
        .await
        .problem(404);
    assert_eq!(
        app.get_as(&format!("/api/v1/tokens?user={id}"), &admin)
            .await
            .json()["meta"]["total"],
        1
    );
    app.get_as(&format!("/api/v1/tokens?user={id}"), &other)
        .await
        .problem(403);
}

#[actix_web::test]
async fn expired_script_tokens_stop_working() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let created = app
        .post_as(
            "/api/v1/tokens",
            &admin,
            json!({"name": "brief", "scopes": ["read"], "expires_at": soon}),
        )
        .await;
    let secret = created.json()["token"].as_str().unwrap().to_string();
    assert_eq!(app.get_as("/api/v1/users/me", &secret).await.status, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let reply = app.get_as("/api/v1/users/me", &secret).await;
        if reply.status == 401 {
            assert!(reply.json()["detail"].as_str().unwrap().contains("expired"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the token never expired"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
