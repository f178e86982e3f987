-- Post counts kept by the database, so that reading a category, tag or
-- author costs an index lookup, not a count of its posts. Each column
-- counts the posts with status `published` outside the trash; readers add
-- scheduled posts whose time has come (before the scheduler marks them
-- published) and take away published posts dated in the future, both
-- found through small indexes (see `repo::counts`). Triggers keep the
-- columns true on every path that writes: the API, an import, a restore,
-- plain SQL.
ALTER TABLE categories ADD COLUMN published_posts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN published_posts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN published_posts BIGINT NOT NULL DEFAULT 0;

UPDATE categories SET published_posts = (
    SELECT count(*) FROM post_categories pc JOIN posts p ON p.id = pc.post_id
    WHERE pc.category_id = categories.id AND p.status = 'published' AND p.deleted_at IS NULL);
UPDATE tags SET published_posts = (
    SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id
    WHERE pt.tag_id = tags.id AND p.status = 'published' AND p.deleted_at IS NULL);
UPDATE users SET published_posts = (
    SELECT count(*) FROM posts p
    WHERE p.author_id = users.id AND p.status = 'published' AND p.deleted_at IS NULL);

-- A post filed in a category or tagged: counted when the post is.
CREATE TRIGGER post_categories_count_insert AFTER INSERT ON post_categories
WHEN (SELECT status = 'published' AND deleted_at IS NULL FROM posts WHERE id = NEW.post_id)
BEGIN
    UPDATE categories SET published_posts = published_posts + 1 WHERE id = NEW.category_id;
END;
CREATE TRIGGER post_categories_count_delete AFTER DELETE ON post_categories
WHEN (SELECT status = 'published' AND deleted_at IS NULL FROM posts WHERE id = OLD.post_id)
BEGIN
    UPDATE categories SET published_posts = published_posts - 1 WHERE id = OLD.category_id;
END;
CREATE TRIGGER post_tags_count_insert AFTER INSERT ON post_tags
WHEN (SELECT status = 'published' AND deleted_at IS NULL FROM posts WHERE id = NEW.post_id)
BEGIN
    UPDATE tags SET published_posts = published_posts + 1 WHERE id = NEW.tag_id;
END;
CREATE TRIGGER post_tags_count_delete AFTER DELETE ON post_tags
WHEN (SELECT status = 'published' AND deleted_at IS NULL FROM posts WHERE id = OLD.post_id)
BEGIN
    UPDATE tags SET published_posts = published_posts - 1 WHERE id = OLD.tag_id;
END;

-- A new post counts for its author (its categories and tags come after it).
CREATE TRIGGER posts_count_insert AFTER INSERT ON posts
WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL
BEGIN
    UPDATE users SET published_posts = published_posts + 1 WHERE id = NEW.author_id;
END;

-- A post published, unpublished, trashed, restored or given to another
-- author.
CREATE TRIGGER posts_count_update AFTER UPDATE OF status, deleted_at, author_id ON posts
BEGIN
    UPDATE users SET published_posts = published_posts - 1
    WHERE id = OLD.author_id AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
    UPDATE users SET published_posts = published_posts + 1
    WHERE id = NEW.author_id AND NEW.status = 'published' AND NEW.deleted_at IS NULL;
    UPDATE categories
    SET published_posts = published_posts
        + (NEW.status = 'published' AND NEW.deleted_at IS NULL)
        - (OLD.status = 'published' AND OLD.deleted_at IS NULL)
    WHERE (NEW.status = 'published' AND NEW.deleted_at IS NULL)
          <> (OLD.status = 'published' AND OLD.deleted_at IS NULL)
      AND id IN (SELECT category_id FROM post_categories WHERE post_id = NEW.id);
    UPDATE tags
    SET published_posts = published_posts
        + (NEW.status = 'published' AND NEW.deleted_at IS NULL)
        - (OLD.status = 'published' AND OLD.deleted_at IS NULL)
    WHERE (NEW.status = 'published' AND NEW.deleted_at IS NULL)
          <> (OLD.status = 'published' AND OLD.deleted_at IS NULL)
      AND id IN (SELECT tag_id FROM post_tags WHERE post_id = NEW.id);
END;

-- A post deleted for good: its links go first, while the post is still
-- there to say whether it counted (the cascade would find it gone).
CREATE TRIGGER posts_count_delete BEFORE DELETE ON posts
BEGIN
    DELETE FROM post_categories WHERE post_id = OLD.id;
    DELETE FROM post_tags WHERE post_id = OLD.id;
    UPDATE users SET published_posts = published_posts - 1
    WHERE id = OLD.author_id AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
END;
