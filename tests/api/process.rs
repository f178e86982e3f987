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
        .env("DATABASE_URL", &db.settings.database_url)
        .env("NASHR_ADDR", "127.0.0.1:0")
        .env("NASHR_MEDIA_DIR", db.dir.path().join("media"))
        .env("NASHR_SHUTDOWN_TIMEOUT", "5")
        .env("RUST_LOG", "info")
        .env_remove("NASHR_PUBLIC_URL")
        .env_remove("NASHR_DEMO")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");

    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
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
    assert!(log.contains("served"), "requests are logged:\n{log}");
}
