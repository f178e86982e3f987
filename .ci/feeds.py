"""Reads the demo site's feeds and sitemaps as a feed reader and a search
engine would: every RSS and Atom feed of every edition (and of each
edition's first category) through feedparser, which must report no error
(bozo) and the edition's language; the sitemap index and each sitemap
through an XML parser, with hreflang alternates.

    python .ci/feeds.py http://127.0.0.1:8080
"""

import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import feedparser

base = sys.argv[1].rstrip("/")
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def get(path):
    with urllib.request.urlopen(base + path) as res:
        assert res.status == 200, (path, res.status)
        return res.read()


def check_feed(path, language):
    feed = feedparser.parse(get(path))
    assert not feed.bozo, (path, feed.bozo_exception)
    assert feed.entries, f"{path}: no entries"
    lang = feed.feed.get("language") or feed.feed.get("language", "")
    assert lang == language, (path, lang)
    for entry in feed.entries:
        assert entry.link.startswith("http"), (path, entry.link)
        # Each entry links to its own edition's page, not a translation's.
        assert urllib.parse.urlparse(entry.link).path.startswith(f"/{language}/"), (path, entry.link)
        assert entry.title, path
        assert entry.get("content") or entry.get("summary"), path
    return len(feed.entries)


editions = json.loads(get("/api/v1/editions"))["data"]
for edition in editions:
    code = edition["code"]
    for kind in ("rss.xml", "atom.xml"):
        n = check_feed(f"/feeds/{code}/{kind}", code)
        print(f"/feeds/{code}/{kind}: {n} entries, language {code}")
    categories = json.loads(get(f"/api/v1/categories?edition={code}&per_page=100"))["data"]
    with_posts = [c for c in categories if c["post_count"] > 0]
    slug = urllib.parse.quote(with_posts[0]["slug"])
    for kind in ("rss.xml", "atom.xml"):
        n = check_feed(f"/feeds/{code}/category/{slug}/{kind}", code)
        print(f"/feeds/{code}/category/{slug}/{kind}: {n} entries")

index = ET.fromstring(get("/sitemap.xml"))
locs = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
assert len(locs) >= len(editions), locs
alternates = 0
for loc in locs:
    sitemap = ET.fromstring(get(urllib.parse.urlparse(loc).path))
    urls = sitemap.findall("s:url", NS)
    assert urls, loc
    for url in urls:
        links = url.findall("x:link", NS)
        alternates += len(links)
        for link in links:
            assert link.get("rel") == "alternate" and link.get("hreflang") and link.get("href"), loc
    print(f"{loc}: {len(urls)} URLs")
assert alternates > 0, "no hreflang alternates in any sitemap"
print(f"sitemaps: {alternates} hreflang alternates; all feeds parsed cleanly")
