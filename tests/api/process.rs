//! The `nashr` binary itself: configured from the environment only, it
//! serves, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::fresh_db;

#[actix_web::test]
async fn the_binary_serves_and_shuts_down_gracefully_on_sigterm() {
    let db = fresh_db();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nashr"))
        .arg("serve")
        .current_dir(db.dir.path())
        .env("DATABASE_URL", &db.settings.store.database_url)
        .env("NASHR_ADDR", "127.0.0.1:0")
        .env("NASHR_MEDIA_DIR", db.dir.path().join("media"))
        .env("NASHR_SHUTDOWN_TIMEOUT", "5")
        .env("RUST_LOG", "info")
        .env_remove("NASHR_PUBLIC_URL")
        .env_remove("NASHR_DEMO")
        .env_remove("NASHR_ADMIN_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    let (tx, rx) = mpsc::channel();
    let (password_tx, password_rx) = mpsc::channel();
    let marker = "Created the user `admin` with the password: ";
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some((_, password)) = line.split_once(marker) {
                let _ = password_tx.send(password.trim().to_string());
            }
            if let Some(at) = line.find("local=") {
                let addr: String = line[at + 6..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = tx.send(addr);
            }
            log.push(line);
        }
        log
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens");

    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        reqwest::get(format!("http://{addr}/api/v1/posts"))
            .await
            .unwrap()
            .status(),
        200
    );

    // No NASHR_ADMIN_PASSWORD: `admin` was made with a generated password,
    // printed once, that works.
    let password = password_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the generated password is printed");
    assert!(password.len() >= 20, "a strong password: {password}");
    let login = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    let log = reader.join().unwrap().join("\n");
    assert!(log.contains("SIGTERM"), "the shutdown is logged:\n{log}");
    assert_eq!(log.matches(marker).count(), 1, "printed once");
    assert!(log.contains("served"), "requests are logged:\n{log}");
}

/// Runs `nashr user ...` on `database_url`, with `stdin` as its input.
fn nashr_user(database_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nashr"))
        .arg("user")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[actix_web::test]
async fn the_user_commands_manage_accounts_the_api_then_honours() {
    let db = fresh_db();
    let url = db.settings.store.database_url.clone();
    let (ok, out) = nashr_user(
        &url,
        &[
            "create",
            "Leila",
            "--role",
            "editor",
            "--display-name",
            "لیلا کریمی",
            "--password-stdin",
        ],
        "a-long-password\n",
    );
    assert!(ok, "{out}");
    let (ok, out) = nashr_user(
        &url,
        &["create", "leila", "--password-stdin"],
        "another-password\n",
    );
    assert!(!ok && out.contains("already taken"), "{out}");
    let (ok, out) = nashr_user(&url, &["create", "bob"], "");
    assert!(
        ok && out.contains("password: "),
        "a generated password is printed: {out}"
    );
    let (ok, out) = nashr_user(
        &url,
        &["set-password", "bob", "--password-stdin"],
        "short\n",
    );
    assert!(!ok && out.contains("password"), "{out}");
    let (ok, out) = nashr_user(&url, &["list"], "");
    assert!(
        ok && out.contains("leila") && out.contains("editor") && out.contains("bob"),
        "{out}"
    );

    let app = nashr::startup::Application::build(db.settings.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = |password: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/auth/token"))
                .json(&serde_json::json!({"username": "leila", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    let token = login("a-long-password")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = client
        .get(format!("{base}/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["display_name"].as_str()),
        (Some("editor"), Some("لیلا کریمی"))
    );

    assert!(nashr_user(&url, &["set-role", "leila", "contributor"], "").0);
    let me: serde_json::Value = client
        .get(format!("{base}/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["role"], "contributor",
        "the role change applies to the next request"
    );
    assert!(nashr_user(&url, &["disable", "leila"], "").0);
    assert_eq!(
        client
            .get(format!("{base}/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(login("a-long-password").await.status(), 401);
    assert!(nashr_user(&url, &["enable", "leila"], "").0);
    assert_eq!(login("a-long-password").await.status(), 200);
}

#[actix_web::test]
async fn sigterm_lets_an_upload_in_flight_finish_and_takes_no_new_connections() {
    use std::io::{Read, Write};
    let db = fresh_db();
    let mut server =
        crate::helpers::Binary::start(&db.settings, &[("NASHR_SHUTDOWN_TIMEOUT", "20")]);
    let base = server.address.clone();
    let client = reqwest::Client::new();
    let token = crate::helpers::admin_token_at(&client, &base).await;
    let addr = base.trim_start_matches("http://").to_string();
    let png = crate::helpers::png(300, 200);
    let (first, rest) = png.split_at(png.len() / 2);

    // An upload whose body is half sent when SIGTERM comes.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"late.png\"\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        png.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("-TERM");
    std::thread::sleep(Duration::from_millis(700));

    // New connections are refused meanwhile.
    let refused =
        std::net::TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(2));
    assert!(
        refused.is_err(),
        "a new connection was taken during shutdown"
    );

    // The upload in flight completes.
    stream.write_all(rest).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let status = server.wait(Duration::from_secs(20));
    assert!(status.success(), "exit status {status}");
    // And it is stored: a restarted server has it.
    let server = crate::helpers::Binary::start(&db.settings, &[]);
    let list = client
        .get(format!("{}/api/v1/media", server.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 1, "{list}");
}

#[actix_web::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let db = fresh_db();
    let mut server = crate::helpers::Binary::start(&db.settings, &[("NASHR_LOG_FORMAT", "json")]);
    let reply = reqwest::Client::new()
        .get(format!("{}/api/v1/editions", server.address))
        .header("X-Request-Id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.headers()["x-request-id"], "trace-me-42");
    server.signal("-TERM");
    server.wait(Duration::from_secs(15));
    let log = server.log();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() >= 3, "{log}");
    let served = lines
        .iter()
        .find(|l| l["message"] == "served" && l["span"]["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("no line for the request:\n{log}"));
    assert_eq!(served["status"], 200);
    assert_eq!(served["span"]["path"], "/api/v1/editions");
    assert!(served["latency_ms"].is_number() && served["timestamp"].is_string());
}

/// Every value of `.env.example`, copied to `.env` as it says, is
/// accepted by every command (the address aside: a test cannot count on
/// port 8080 being free).
#[actix_web::test]
async fn every_command_accepts_the_env_example_as_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example"),
        dir.path().join(".env"),
    )
    .unwrap();
    let nashr = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nashr"));
        cmd.args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("NASHR_ADDR", "127.0.0.1:0");
        cmd
    };
    for args in [&["migrate"][..], &["user", "list"], &["export", "backup"]] {
        let out = nashr(args).output().unwrap();
        assert!(
            out.status.success(),
            "nashr {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The database and the export are where `.env.example` says.
    assert!(dir.path().join("data/nashr.db").exists());
    assert!(dir.path().join("backup/manifest.json").exists());

    let mut server = nashr(&["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("local=") {
                let addr: String = line[at + 6..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = tx.send(addr);
            }
        }
    });
    let health = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => reqwest::get(format!("http://{addr}/healthz"))
            .await
            .map(|r| r.status().as_u16()),
        Err(_) => Ok(0),
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        health.unwrap(),
        200,
        "`nashr serve` starts and answers with the example's settings"
    );
}

/// The commands run from a shell: each one's `--help` lists what it takes
/// (the database and media flags, not the server's), every flag and
/// argument says what it is for, the database flags work after a nested
/// subcommand's name, and an error is printed once.
#[actix_web::test]
async fn every_command_says_what_it_takes_and_takes_flags_anywhere() {
    let nashr = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nashr"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let commands: &[&[&str]] = &[
        &["migrate"],
        &["user"],
        &["user", "create"],
        &["user", "set-role"],
        &["edition", "create"],
        &["import", "wordpress"],
        &["import", "nashr"],
        &["export"],
        &["bench-data"],
    ];
    for command in commands {
        let (ok, help) = nashr(&[*command, &["--help"]].concat());
        assert!(ok, "{command:?} --help: {help}");
        assert!(help.contains("--database-url"), "{command:?}: {help}");
        assert!(help.contains("--s3-bucket"), "{command:?}: {help}");
        for server_flag in ["--workers", "--jwt-secret", "--cors-origins", "--demo"] {
            assert!(
                !help.contains(server_flag),
                "{command:?} --help lists the server's {server_flag}:\n{help}"
            );
        }
        let undescribed = undescribed(&help);
        assert!(
            undescribed.is_empty(),
            "{command:?}: {undescribed:?} have no description:\n{help}"
        );
    }
    let (_, serve) = nashr(&["serve", "--help"]);
    assert!(serve.contains("--workers") && serve.contains("--database-url"));

    // Database flags before or after the subcommand's name.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flags.db").display().to_string();
    let (ok, out) = nashr(&["user", "create", "leila", "--database-url", &db]);
    assert!(ok, "{out}");
    let (ok, out) = nashr(&["user", "--database-url", &db, "list"]);
    assert!(ok && out.contains("leila"), "{out}");
    let (ok, out) = nashr(&["edition", "list", "--database-url", &db]);
    assert!(ok, "{out}");

    // An error is said once.
    let (ok, out) = nashr(&[
        "user",
        "set-role",
        "nobody",
        "editor",
        "--database-url",
        &db,
    ]);
    assert!(!ok, "{out}");
    assert_eq!(out.matches("nobody").count(), 1, "said once:\n{out}");
}

/// The options and arguments of a `--help` text with nothing said of them
/// but their environment variable or default.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let is_item = |line: &str| {
        let item = line.trim_start();
        line.starts_with("  ") && (item.starts_with('-') || item.starts_with('<'))
    };
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !is_item(line) {
            continue;
        }
        let item = line.trim();
        let mut said: Vec<&str> = item.split_once("  ").map(|(_, d)| d).into_iter().collect();
        let indent = line.len() - line.trim_start().len();
        said.extend(
            lines[i + 1..]
                .iter()
                .take_while(|l| {
                    !is_item(l) && (l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
                })
                .copied(),
        );
        let described = said
            .iter()
            .any(|d| !d.trim().is_empty() && !d.trim().starts_with('['));
        if !described && !item.starts_with("-h, --help") && !item.starts_with("-V") {
            missing.push(item.to_string());
        }
    }
    missing
}
