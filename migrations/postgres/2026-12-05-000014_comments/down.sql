ALTER TABLE posts DROP COLUMN comments_open;
DROP TABLE comments;
