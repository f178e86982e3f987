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

CREATE FUNCTION nashr_post_counted(post BIGINT) RETURNS BOOLEAN AS $$
    SELECT coalesce((SELECT status = 'published' AND deleted_at IS NULL FROM posts WHERE id = post), false)
$$ LANGUAGE sql STABLE;

-- A post filed in a category or tagged: counted when the post is.
CREATE FUNCTION nashr_count_post_categories() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND nashr_post_counted(NEW.post_id) THEN
        UPDATE categories SET published_posts = published_posts + 1 WHERE id = NEW.category_id;
    ELSIF TG_OP = 'DELETE' AND nashr_post_counted(OLD.post_id) THEN
        UPDATE categories SET published_posts = published_posts - 1 WHERE id = OLD.category_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER post_categories_count AFTER INSERT OR DELETE ON post_categories
FOR EACH ROW EXECUTE FUNCTION nashr_count_post_categories();

CREATE FUNCTION nashr_count_post_tags() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND nashr_post_counted(NEW.post_id) THEN
        UPDATE tags SET published_posts = published_posts + 1 WHERE id = NEW.tag_id;
    ELSIF TG_OP = 'DELETE' AND nashr_post_counted(OLD.post_id) THEN
        UPDATE tags SET published_posts = published_posts - 1 WHERE id = OLD.tag_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER post_tags_count AFTER INSERT OR DELETE ON post_tags
FOR EACH ROW EXECUTE FUNCTION nashr_count_post_tags();

-- A post created, published, unpublished, trashed, restored, given to
-- another author, or deleted for good. Before a delete its links go
-- first, while the post is still there to say whether it counted.
CREATE FUNCTION nashr_count_posts() RETURNS trigger AS $$
DECLARE
    was BOOLEAN := TG_OP <> 'INSERT' AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
    now_counted BOOLEAN := TG_OP <> 'DELETE' AND NEW.status = 'published' AND NEW.deleted_at IS NULL;
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM post_categories WHERE post_id = OLD.id;
        DELETE FROM post_tags WHERE post_id = OLD.id;
    END IF;
    IF was THEN
        UPDATE users SET published_posts = published_posts - 1 WHERE id = OLD.author_id;
    END IF;
    IF now_counted THEN
        UPDATE users SET published_posts = published_posts + 1 WHERE id = NEW.author_id;
    END IF;
    IF TG_OP = 'UPDATE' AND was <> now_counted THEN
        UPDATE categories SET published_posts = published_posts + (CASE WHEN now_counted THEN 1 ELSE -1 END)
        WHERE id IN (SELECT category_id FROM post_categories WHERE post_id = NEW.id);
        UPDATE tags SET published_posts = published_posts + (CASE WHEN now_counted THEN 1 ELSE -1 END)
        WHERE id IN (SELECT tag_id FROM post_tags WHERE post_id = NEW.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_count_delete BEFORE DELETE ON posts
FOR EACH ROW EXECUTE FUNCTION nashr_count_posts();
CREATE TRIGGER posts_count_write AFTER INSERT OR UPDATE OF status, deleted_at, author_id ON posts
FOR EACH ROW EXECUTE FUNCTION nashr_count_posts();
