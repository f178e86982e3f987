-- Full-text indexes of posts and media. The text indexed is folded by the
-- application (src/domain/search.rs): lower case, Arabic and Persian letter
-- variants unified, marks, tatweel and ZWNJ removed, digits in ASCII.
-- `rowid` is the id of the post or media item (the same name as SQLite's).
-- Title words have weight A, body words B.
CREATE TABLE post_search (
    rowid BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    doc TSVECTOR NOT NULL
);
CREATE INDEX post_search_doc ON post_search USING GIN (doc);

CREATE TABLE media_search (
    rowid BIGINT PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    doc TSVECTOR NOT NULL
);
CREATE INDEX media_search_doc ON media_search USING GIN (doc);
