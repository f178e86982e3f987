"""Webhooks judged by a verifier nobody here wrote: the `standardwebhooks`
package checks every delivery a real receiver on loopback gets from a
running Nashr. Usage: webhooks.py BASE_URL ADMIN_PASSWORD (the server runs
with NASHR_WEBHOOK_ALLOW_PRIVATE=1 and a short NASHR_WEBHOOK_FIRST_RETRY_MS).
"""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

base, password = sys.argv[1], sys.argv[2]
received = []
answers = [500]  # the first attempt fails: the retry must carry the same id


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.append((dict(self.headers), body))
        status = answers.pop(0) if answers else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    request.add_header("If-Match", "*")
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


token = call("POST", "/api/v1/auth/token", {"username": "admin", "password": password})["access_token"]
hook = call("POST", "/api/v1/webhooks", {"url": hook_url, "events": ["*"]}, token)
secret = hook["secret"]
post = call("POST", "/api/v1/posts", {"edition": "en", "title": "Verified by standardwebhooks",
                                       "content": "<p>x</p>", "status": "published"}, token)
call("PATCH", f"/api/v1/posts/{post['id']}", {"title": "Verified again"}, token)
call("POST", f"/api/v1/webhooks/{hook['id']}/test", None, token)

deadline = time.time() + 30
while time.time() < deadline and len(received) < 4:
    time.sleep(0.1)

verifier = Webhook(secret)
types = []
for headers, body in received:
    headers = {k.lower(): v for k, v in headers.items()}
    payload = verifier.verify(body, headers)  # raises on a bad signature
    types.append((headers["webhook-id"], payload["type"]))
print("verified:", types)
assert len(received) == 4, types
ids = [i for i, _ in types]
assert ids.count(types[0][0]) == 2, f"the event answered 500 comes again with the same webhook-id: {types}"
assert {t for _, t in types} == {"post.published", "post.updated", "ping"}, types
kinds = [t for _, t in types]
assert kinds.index("post.published") < kinds.index("post.updated"), "one post's events in commit order"
tampered = dict((k.lower(), v) for k, v in received[0][0].items())
try:
    verifier.verify(received[0][1] + b" ", tampered)
except Exception:
    pass
else:
    raise SystemExit("a changed body passed verification")
call("DELETE", f"/api/v1/webhooks/{hook['id']}", None, token)
print("every delivery verified by standardwebhooks")
