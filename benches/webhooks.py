#!/usr/bin/env python3
"""Helpers of benches/webhooks.sh (standard library only).

  webhooks.py receive PORT LOG       a receiver: logs "time id type resource-id"
                                     per delivery, answers 204
  webhooks.py edit BASE TOKEN LOG    publishes a new post twice a second, logs
                                     "time id" when each answer arrived
  webhooks.py report EDITLOG RECVLOG delay from the publish's answer to each
                                     post.published delivery: count, p50, p99, max
"""
import json
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def receive(port, log):
    out = open(log, "a", buffering=1)

    class Hook(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            at = time.time()
            event = json.loads(body)
            out.write(f"{at:.6f} {self.headers.get('webhook-id')} {event['type']} {event['data'].get('id')}\n")
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Hook).serve_forever()


def edit(base, token, log):
    out = open(log, "a", buffering=1)
    n = 0
    while True:
        n += 1
        started = time.time()
        body = json.dumps({"edition": "en", "title": f"Published while readers read, take {n}",
                           "content": "<p>News.</p>", "status": "published"}).encode()
        req = urllib.request.Request(f"{base}/api/v1/posts", data=body, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as res:
            post = json.load(res)
        out.write(f"{time.time():.6f} {post['id']}\n")
        time.sleep(max(0.0, 0.5 - (time.time() - started)))


def report(edit_log, receive_log):
    answered = {}
    for line in open(edit_log):
        at, post = line.split()
        answered[post] = float(at)
    delays = []
    for line in open(receive_log):
        at, _, kind, post = line.split()
        if kind == "post.published" and post in answered:
            delays.append((float(at) - answered[post]) * 1000)
    if not delays:
        print("no deliveries")
        return
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
    print(f"{len(delays)} deliveries of {len(answered)} publications: "
          f"p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {delays[-1]:.1f} ms")


if __name__ == "__main__":
    {"receive": receive, "edit": edit, "report": report}[sys.argv[1]](*sys.argv[2:])
