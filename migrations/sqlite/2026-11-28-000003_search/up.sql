-- Full-text indexes of posts and media. The text indexed is folded by the
-- application (src/domain/search.rs): lower case, Arabic and Persian letter
-- variants unified, marks, tatweel and ZWNJ removed, digits in ASCII. The
-- tables hold no text of their own (contentless); the rowid is the id of the
-- post or media item. Prefix indexes make the last word typed fast.
CREATE VIRTUAL TABLE post_search USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);
-- Title words weigh four times body words.
INSERT INTO post_search (post_search, rank) VALUES ('rank', 'bm25(4.0, 1.0)');

CREATE VIRTUAL TABLE media_search USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);
INSERT INTO media_search (media_search, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
