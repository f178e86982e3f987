//! The layers, checked by reading `src/` as text, so they stay as README
//! ("Architecture") describes them:
//!
//! - `domain/` is plain Rust: it uses nothing else of this crate;
//! - storage (`db/`, `repo/`) uses only `domain/` and itself;
//! - the content layer (`content/`) uses only storage, `domain/`,
//!   credentials (`auth/`) and itself;
//! - nothing outside the HTTP layer (`routes/` and the middleware and
//!   server around it) uses HTTP types: `actix_web`, `utoipa`, `ApiError`,
//!   or the HTTP layer itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The HTTP layer: handlers, extractors, middleware, the server.
const HTTP_LAYER: &[&str] = &[
    "routes/",
    "startup.rs",
    "caching/",
    "security.rs",
    "ratelimit.rs",
    "openapi.rs",
    "error.rs",
    "telemetry.rs",
    "main.rs",
];

/// What only the HTTP layer may name.
const HTTP_ONLY: &[&str] = &[
    "actix_web",
    "actix_multipart",
    "actix_files",
    "utoipa",
    "ApiError",
    "crate::routes",
    "crate::error",
    "crate::caching",
    "crate::security",
    "crate::ratelimit",
    "crate::startup",
];

/// What storage may use of the crate besides itself.
const STORAGE_MAY_USE: &[&str] = &[
    "crate::db",
    "crate::repo",
    "crate::domain",
    "crate::with_conn",
];

/// What the content layer may use of the crate besides itself.
const CONTENT_MAY_USE: &[&str] = &[
    "crate::auth",
    "crate::content",
    "crate::db",
    "crate::repo",
    "crate::domain",
    "crate::with_conn",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each `file: needle` that breaks a rule, `file` relative to `src`.
fn breaks(src: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = BTreeSet::new();
    for path in files {
        let name = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        // Code only: comments may name anything.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut broken = |needle: &str| {
            if code.contains(needle) {
                found.insert(format!("{name}: {needle}"));
            }
        };
        let http = HTTP_LAYER.iter().any(|p| name.starts_with(p));
        if !http {
            HTTP_ONLY.iter().for_each(|n| broken(n));
        }
        if name.starts_with("domain/") {
            for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                if let Some(rest) = word.strip_prefix("crate::") {
                    if !rest.starts_with("domain") {
                        broken(&format!("crate::{}", rest.split("::").next().unwrap()));
                    }
                }
            }
        }
        let may_use = if name.starts_with("db/") || name.starts_with("repo/") {
            Some(STORAGE_MAY_USE)
        } else if name.starts_with("content/") {
            Some(CONTENT_MAY_USE)
        } else {
            None
        };
        if let Some(may_use) = may_use {
            for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                if let Some(rest) = word.strip_prefix("crate::") {
                    let module = format!("crate::{}", rest.split("::").next().unwrap());
                    if !may_use.contains(&module.as_str()) {
                        broken(&module);
                    }
                }
            }
        }
    }
    found
}

#[test]
fn no_module_reaches_up_past_its_layer() {
    let found = breaks(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        found.is_empty(),
        "these reach past their layer (see tests/api/architecture.rs):\n{found:#?}"
    );
}

/// The rules see what they are meant to, in a made-up tree: HTTP types in
/// storage, an upward import from the domain and from storage; not what
/// the HTTP layer uses, nor comments.
#[test]
fn the_rules_catch_upward_imports() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "domain/a.rs",
            "use crate::repo::posts;\nuse crate::domain::Role;",
        ),
        ("repo/b.rs", "use actix_web::web;\nuse crate::domain::Role;"),
        ("repo/c.rs", "// crate::routes is named in a comment only"),
        ("db/d.rs", "fn f() { crate::media::store(); }"),
        (
            "routes/e.rs",
            "use actix_web::web;\nuse crate::error::ApiError;",
        ),
        ("media/f.rs", "fn f() -> Result<(), ApiError> { Ok(()) }"),
        (
            "content/g.rs",
            "use crate::repo::posts;\nfn f() { crate::media::store(); }",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let found: Vec<String> = breaks(dir.path()).into_iter().collect();
    assert_eq!(
        found,
        [
            "content/g.rs: crate::media",
            "db/d.rs: crate::media",
            "domain/a.rs: crate::repo",
            "media/f.rs: ApiError",
            "repo/b.rs: actix_web",
        ]
    );
}
