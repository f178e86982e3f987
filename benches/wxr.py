#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) of a generated site for the import
benchmark: N posts of some 400 words in nested categories with tags, one
attachment (featured image) per five posts, approved comments, a menu.

    python3 benches/wxr.py 10000 > /tmp/site.xml
"""
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
rnd = random.Random(20261201)
WORDS = ("press freedom report city council water school market river road "
         "health election court museum library garden village winter summer "
         "history music language family work letter bridge harvest festival").split()
out = sys.stdout
w = out.write


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
  'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
  'xmlns:dc="http://purl.org/dc/elements/1.1/" '
  'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
  '<title>Bench</title><link>https://bench.example</link><language>en-US</language>\n'
  '<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>'
  '<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n')
for a in range(1, 6):
    w(f"<wp:author><wp:author_id>{a}</wp:author_id><wp:author_login>{cdata(f'writer{a}')}</wp:author_login>"
      f"<wp:author_email>{cdata(f'writer{a}@bench.example')}</wp:author_email>"
      f"<wp:author_display_name>{cdata(f'Writer {a}')}</wp:author_display_name></wp:author>\n")
cats = []
for c in range(1, 21):
    parent = f"section-{(c - 1) // 5 * 5 + 1}" if c % 5 != 1 else ""
    cats.append(f"section-{c}")
    w(f"<wp:category><wp:term_id>{c}</wp:term_id><wp:category_nicename>{cdata(f'section-{c}')}</wp:category_nicename>"
      f"<wp:category_parent>{cdata(parent)}</wp:category_parent><wp:cat_name>{cdata(f'Section {c}')}</wp:cat_name>"
      f"<wp:category_description>{cdata('')}</wp:category_description></wp:category>\n")
for t in range(1, 201):
    w(f"<wp:tag><wp:term_id>{100 + t}</wp:term_id><wp:tag_slug>{cdata(f'topic-{t}')}</wp:tag_slug>"
      f"<wp:tag_name>{cdata(f'Topic {t}')}</wp:tag_name></wp:tag>\n")
w("<wp:term><wp:term_id>999</wp:term_id><wp:term_taxonomy>nav_menu</wp:term_taxonomy>"
  f"<wp:term_slug>{cdata('main')}</wp:term_slug><wp:term_name>{cdata('Main')}</wp:term_name></wp:term>\n")

next_id = 1000
for i in range(N):
    post_id = next_id
    next_id += 1
    thumb = None
    if i % 5 == 0:
        thumb = next_id
        next_id += 1
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    year = 2010 + (i // 336) % 16
    date = f"{year}-{month:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}:00"
    title = " ".join(rnd.choice(WORDS) for _ in range(6)).capitalize()
    slug = f"story-{i}"
    paras = ["\n".join([" ".join(rnd.choice(WORDS) for _ in range(40))]) for _ in range(10)]
    content = "\n\n".join(paras)
    comments = "".join(
        f"<wp:comment><wp:comment_id>{post_id * 10 + k}</wp:comment_id><wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_content>{cdata('Thanks for this.')}</wp:comment_content></wp:comment>"
        for k in range(i % 4))
    cat = rnd.choice(cats)
    tags = "".join(f'<category domain="post_tag" nicename="topic-{t}">{cdata(f"Topic {t}")}</category>'
                   for t in rnd.sample(range(1, 201), 3))
    meta = f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{thumb}</wp:meta_value></wp:postmeta>" if thumb else ""
    w(f"<item><title>{cdata(title)}</title><link>https://bench.example/{year}/{month:02d}/{day:02d}/{slug}/</link>"
      f"<dc:creator>{cdata(f'writer{1 + i % 5}')}</dc:creator><guid isPermaLink=\"false\">https://bench.example/?p={post_id}</guid>"
      f"<content:encoded>{cdata(content)}</content:encoded><excerpt:encoded>{cdata('')}</excerpt:encoded>"
      f"<wp:post_id>{post_id}</wp:post_id><wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>"
      f"<wp:post_modified_gmt>{cdata(date)}</wp:post_modified_gmt><wp:post_name>{cdata(slug)}</wp:post_name>"
      f"<wp:status>{cdata('publish' if i % 50 else 'draft')}</wp:status><wp:post_parent>0</wp:post_parent>"
      f"<wp:menu_order>0</wp:menu_order><wp:post_type>{cdata('post')}</wp:post_type>"
      f"<wp:post_password>{cdata('')}</wp:post_password><wp:is_sticky>{1 if i % 500 == 0 else 0}</wp:is_sticky>"
      f'<category domain="category" nicename="{cat}">{cdata(cat)}</category>{tags}{meta}{comments}</item>\n')
    if thumb:
        url = f"https://bench.example/wp-content/uploads/{year}/{month:02d}/picture-{i}.jpg"
        w(f"<item><title>{cdata(f'Picture {i}')}</title><link>https://bench.example/{slug}/picture-{i}/</link>"
          f"<dc:creator>{cdata('writer1')}</dc:creator><guid isPermaLink=\"false\">{url}</guid>"
          f"<content:encoded>{cdata('')}</content:encoded><excerpt:encoded>{cdata('A caption')}</excerpt:encoded>"
          f"<wp:post_id>{thumb}</wp:post_id><wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>"
          f"<wp:post_name>{cdata(f'picture-{i}')}</wp:post_name><wp:status>{cdata('inherit')}</wp:status>"
          f"<wp:post_parent>{post_id}</wp:post_parent><wp:menu_order>0</wp:menu_order>"
          f"<wp:post_type>{cdata('attachment')}</wp:post_type><wp:attachment_url>{cdata(url)}</wp:attachment_url>"
          f"<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>{cdata('alt text')}</wp:meta_value></wp:postmeta></item>\n")
for k, cat in enumerate(cats[:8]):
    item_id = next_id
    next_id += 1
    w(f"<item><title>{cdata('')}</title><wp:post_id>{item_id}</wp:post_id><wp:post_type>nav_menu_item</wp:post_type>"
      f"<wp:status>publish</wp:status><wp:menu_order>{k + 1}</wp:menu_order>"
      f'<category domain="nav_menu" nicename="main">{cdata("Main")}</category>'
      f"<wp:postmeta><wp:meta_key>_menu_item_type</wp:meta_key><wp:meta_value>taxonomy</wp:meta_value></wp:postmeta>"
      f"<wp:postmeta><wp:meta_key>_menu_item_object</wp:meta_key><wp:meta_value>category</wp:meta_value></wp:postmeta>"
      f"<wp:postmeta><wp:meta_key>_menu_item_object_id</wp:meta_key><wp:meta_value>{k + 1}</wp:meta_value></wp:postmeta>"
      f"<wp:postmeta><wp:meta_key>_menu_item_menu_item_parent</wp:meta_key><wp:meta_value>0</wp:meta_value></wp:postmeta></item>\n")
w("</channel>\n</rss>\n")
