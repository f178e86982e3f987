-- Imports: where imported rows came from, so that importing the same
-- export again updates instead of duplicating, and the old addresses of
-- what was imported, so that frontends can answer them with a 301.

-- One row per thing imported into an edition: a WordPress author, term,
-- post, attachment or menu. `source` names the site (its base URL);
-- `fingerprint` is a hash of the record as last imported, so an
-- unchanged record is skipped without a write.
CREATE TABLE import_sources (
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source_id   INTEGER NOT NULL,
    edition_id  INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL,
    guid        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, kind, source_id, edition_id)
);

-- An old address (path and query, decoded, no trailing slash) and what it
-- is now; the new path is worked out when asked, so it follows renames.
CREATE TABLE redirects (
    id          INTEGER PRIMARY KEY,
    from_path   TEXT NOT NULL UNIQUE,
    edition_id  INTEGER REFERENCES editions (id) ON DELETE CASCADE,
    -- post, category, tag, media or author
    target_kind TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX redirects_target ON redirects (target_kind, target_id);
