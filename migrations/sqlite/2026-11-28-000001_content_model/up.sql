-- The whole content model. Times are UTC, stored as diesel's TIMESTAMP text
-- ("YYYY-MM-DD HH:MM:SS[.ffffff]"), which sorts and compares correctly as text.
-- Keep this file and migrations/postgres/<same name>/up.sql meaning the same.

CREATE TABLE editions (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    native_name TEXT NOT NULL,
    direction   TEXT NOT NULL DEFAULT 'ltr' CHECK (direction IN ('ltr', 'rtl')),
    is_default  BOOLEAN NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
-- At most one default edition.
CREATE UNIQUE INDEX editions_single_default ON editions (is_default) WHERE is_default;

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    email           TEXT UNIQUE,
    display_name    TEXT NOT NULL,
    slug            TEXT NOT NULL UNIQUE,
    bio             TEXT NOT NULL DEFAULT '',
    avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    password_hash   TEXT,
    role            TEXT NOT NULL DEFAULT 'author'
                    CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    disabled        BOOLEAN NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE media (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'document', 'embed')),
    edition_id        INTEGER REFERENCES editions (id),
    slug              TEXT NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    -- Key in the media store; NULL for embeds and for files only known by URL.
    storage_key       TEXT,
    -- Where an embed or a not-yet-copied file lives.
    source_url        TEXT,
    original_filename TEXT,
    mime_type         TEXT NOT NULL,
    file_size         INTEGER,
    width             INTEGER,
    height            INTEGER,
    duration          REAL,
    alt_text          TEXT NOT NULL DEFAULT '',
    caption           TEXT NOT NULL DEFAULT '',
    credit            TEXT NOT NULL DEFAULT '',
    -- Compact placeholder for frontends (BlurHash).
    placeholder       TEXT,
    -- JSON object with kind-specific facts: embed provider, page count, ...
    metadata          TEXT NOT NULL DEFAULT '{}',
    uploaded_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX media_edition_slug ON media (COALESCE(edition_id, 0), slug);
CREATE INDEX media_listing ON media (created_at DESC, id DESC);
CREATE INDEX media_kind ON media (kind);

CREATE TABLE media_renditions (
    id          INTEGER PRIMARY KEY,
    media_id    INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    file_size   INTEGER NOT NULL,
    UNIQUE (media_id, name)
);

CREATE TABLE categories (
    id                INTEGER PRIMARY KEY,
    edition_id        INTEGER NOT NULL REFERENCES editions (id),
    parent_id         INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    slug              TEXT NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    position          INTEGER NOT NULL DEFAULT 0,
    translation_group TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (edition_id, slug)
);
CREATE INDEX categories_parent ON categories (parent_id);
CREATE INDEX categories_translation_group ON categories (translation_group);

CREATE TABLE tags (
    id                INTEGER PRIMARY KEY,
    edition_id        INTEGER NOT NULL REFERENCES editions (id),
    slug              TEXT NOT NULL,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    translation_group TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (edition_id, slug)
);
CREATE INDEX tags_translation_group ON tags (translation_group);

CREATE TABLE posts (
    id                INTEGER PRIMARY KEY,
    edition_id        INTEGER NOT NULL REFERENCES editions (id),
    kind              TEXT NOT NULL DEFAULT 'article' CHECK (kind IN ('article', 'page')),
    slug              TEXT NOT NULL,
    title             TEXT NOT NULL,
    excerpt           TEXT NOT NULL DEFAULT '',
    content           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at      TIMESTAMP,
    author_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    featured_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    -- Pages may nest under other pages.
    parent_id         INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    featured          BOOLEAN NOT NULL DEFAULT 0,
    comment_count     INTEGER NOT NULL DEFAULT 0,
    translation_group TEXT NOT NULL,
    -- Bumped by every write; the basis of ETag / If-Match.
    revision          INTEGER NOT NULL DEFAULT 1,
    -- Set when moved to the trash; restorable until purged.
    deleted_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (edition_id, slug)
);
-- The default listing: live posts of one kind, newest first, optionally in one edition.
CREATE INDEX posts_edition_listing ON posts (edition_id, kind, published_at DESC, id DESC);
CREATE INDEX posts_listing ON posts (kind, published_at DESC, id DESC);
CREATE INDEX posts_author ON posts (author_id);
CREATE INDEX posts_translation_group ON posts (translation_group);
CREATE INDEX posts_featured ON posts (published_at DESC) WHERE featured;
CREATE INDEX posts_featured_media ON posts (featured_media_id);

CREATE TABLE post_categories (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, category_id)
);
CREATE INDEX post_categories_category ON post_categories (category_id, post_id);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id, post_id);

-- Galleries: an ordered list of media items with per-post captions.
CREATE TABLE post_gallery_items (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media_id INTEGER NOT NULL REFERENCES media (id),
    caption  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
);
CREATE INDEX post_gallery_items_media ON post_gallery_items (media_id);

CREATE TABLE menus (
    id                INTEGER PRIMARY KEY,
    edition_id        INTEGER NOT NULL REFERENCES editions (id),
    slug              TEXT NOT NULL,
    name              TEXT NOT NULL,
    -- Where a theme shows it (primary, footer, ...); free text.
    location          TEXT,
    translation_group TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (edition_id, slug)
);

CREATE TABLE menu_items (
    id          INTEGER PRIMARY KEY,
    menu_id     INTEGER NOT NULL REFERENCES menus (id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES menu_items (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    label       TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('category', 'tag', 'post', 'url')),
    category_id INTEGER REFERENCES categories (id) ON DELETE CASCADE,
    tag_id      INTEGER REFERENCES tags (id) ON DELETE CASCADE,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    url         TEXT,
    CHECK (target_kind <> 'category' OR category_id IS NOT NULL),
    CHECK (target_kind <> 'tag' OR tag_id IS NOT NULL),
    CHECK (target_kind <> 'post' OR post_id IS NOT NULL),
    CHECK (target_kind <> 'url' OR url IS NOT NULL)
);
CREATE INDEX menu_items_menu ON menu_items (menu_id, position);
