#!/usr/bin/env python3
"""Hostile content against writers: does one contributor's nested payload
hold up an editor's write? Loopback only, bounded in count and time.

    python3 benches/nested.py BIN [--db sqlite|postgres] [--pg-url URL]

Starts BIN (`nashr serve`) on a fresh database, makes a contributor and an
editor, then measures an editor's small write (PATCH of a post's title)
three ways, WRITES times each:

- alone;
- while the contributor sends the probe's nested payloads one after
  another (`<div>` x 46,000; Markdown `>` x 100,000; `> - ` x 50,000;
  `<div>` x 200,000);
- and records what each payload was answered, and how long it took.

Prints a Markdown table. Run it on two builds (BIN=old, BIN=new) to compare.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

WRITES = 40
ADMIN_PASSWORD = "bench-admin-password"
PAYLOADS = [
    ("html", "<div> x 46,000", "<div>" * 46_000),
    ("markdown", "> x 100,000", ">" * 100_000),
    ("markdown", "'> - ' x 50,000", "> - " * 50_000),
    ("html", "<div> x 200,000", "<div>" * 200_000),
]
# No single request may run longer than this (the old build took minutes).
REQUEST_TIMEOUT = 130


def call(base, method, path, token=None, body=None, if_match=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if if_match:
        req.add_header("If-Match", if_match)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as res:
            status, payload, etag = res.status, res.read(), res.headers.get("ETag")
    except urllib.error.HTTPError as e:
        status, payload, etag = e.code, e.read(), None
    except (TimeoutError, socket.timeout, urllib.error.URLError):
        status, payload, etag = 0, b"", None
    elapsed = time.perf_counter() - started
    try:
        doc = json.loads(payload) if payload else None
    except ValueError:
        doc = None
    return status, doc, etag, elapsed


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def editor_writes(base, token, post, n):
    """n sequential title changes; their latencies in ms and statuses."""
    times, statuses = [], []
    for i in range(n):
        status, _, _, elapsed = call(
            base, "PATCH", f"/api/v1/posts/{post}", token, {"title": f"Title {i}"}
        )
        times.append(elapsed * 1000)
        statuses.append(status)
    return times, statuses


def summary(times):
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"{statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    args = ap.parse_args()

    work = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pg_db = None
    if args.db == "sqlite":
        url = os.path.join(work, "nashr.db")
    else:
        pg_db = f"nashr_nested_{os.getpid()}"
        subprocess.run(["psql", f"{args.pg_url}/test", "-qc", f"CREATE DATABASE {pg_db}"], check=True)
        url = f"{args.pg_url}/{pg_db}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        NASHR_ADDR=f"127.0.0.1:{port}",
        NASHR_MEDIA_DIR=os.path.join(work, "media"),
        NASHR_ADMIN_PASSWORD=ADMIN_PASSWORD,
        NASHR_RATE_LIMIT_WRITES="0",
        NASHR_RATE_LIMIT_READS="0",
        NASHR_MAX_JSON_BYTES=str(4 * 1024 * 1024),
        NASHR_WORKERS="2",
        RUST_LOG="warn",
    )
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([args.bin, "serve"], env=env, stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        _, doc, _, _ = call(base, "POST", "/api/v1/auth/token", body={"username": "admin", "password": ADMIN_PASSWORD})
        admin = doc["access_token"]
        call(base, "POST", "/api/v1/editions", admin,
             {"code": "en", "name": "English", "native_name": "English", "direction": "ltr"})
        tokens = {}
        for name, role in [("carl", "contributor"), ("ed", "editor")]:
            password = f"{name}-bench-password"
            call(base, "POST", "/api/v1/users", admin, {"username": name, "password": password, "role": role})
            _, doc, _, _ = call(base, "POST", "/api/v1/auth/token", body={"username": name, "password": password})
            tokens[name] = doc["access_token"]
        status, doc, _, _ = call(base, "POST", "/api/v1/posts", tokens["ed"], {"edition": "en", "title": "Target"})
        assert status == 201, (status, doc)
        post = doc["id"]

        alone, alone_status = editor_writes(base, tokens["ed"], post, WRITES)

        attacks = []
        stop = threading.Event()

        def attack():
            while not stop.is_set():
                for fmt, label, content in PAYLOADS:
                    if stop.is_set():
                        return
                    status, _, _, elapsed = call(
                        base, "POST", "/api/v1/posts", tokens["carl"],
                        {"edition": "en", "title": "Nested", "content": content, "content_format": fmt},
                    )
                    attacks.append((label, status, elapsed * 1000))

        attacker = threading.Thread(target=attack)
        attacker.start()
        time.sleep(0.2)
        during, during_status = editor_writes(base, tokens["ed"], post, WRITES)
        stop.set()
        attacker.join()

        print(f"\nDatabase: {args.db}; binary: {args.bin}; {WRITES} editor writes each\n")
        print("| editor's write | median ms | p95 ms | max ms | statuses |")
        print("|---|---|---|---|---|")
        print(f"| alone | {summary(alone)} | {sorted(set(alone_status))} |")
        print(f"| while nested payloads are sent | {summary(during)} | {sorted(set(during_status))} |")
        print("\n| nested payload | answered | requests | median ms | max ms |")
        print("|---|---|---|---|---|")
        for _, label, _ in PAYLOADS:
            mine = [a for a in attacks if a[0] == label]
            if not mine:
                continue
            times = [a[2] for a in mine]
            statuses = sorted({a[1] for a in mine})
            print(f"| {label} | {statuses} | {len(mine)} | {statistics.median(times):.1f} | {max(times):.1f} |")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if pg_db:
            subprocess.run(["psql", f"{args.pg_url}/test", "-qc", f"DROP DATABASE {pg_db} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
