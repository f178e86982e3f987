-- The global content version again (as 000004 made it).
CREATE TABLE content_state (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    version    BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    -- The transaction that bumped it last, so a transaction bumps it once.
    last_xact  BIGINT
);
INSERT INTO content_state (id, version, changed_at)
VALUES (1, 1, clock_timestamp() AT TIME ZONE 'UTC');

-- Deferred to commit: the row is locked only at the very end of a writing
-- transaction, after every other lock it takes, so writers never deadlock
-- on it, and readers see the new version together with the new content.
CREATE FUNCTION nashr_content_changed() RETURNS trigger AS $$
BEGIN
    UPDATE content_state
    SET version = version + 1,
        changed_at = clock_timestamp() AT TIME ZONE 'UTC',
        last_xact = txid_current()
    WHERE id = 1 AND last_xact IS DISTINCT FROM txid_current();
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER editions_changes_content AFTER INSERT OR UPDATE OR DELETE ON editions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER users_changes_content AFTER INSERT OR UPDATE OR DELETE ON users
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER media_changes_content AFTER INSERT OR UPDATE OR DELETE ON media
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER media_renditions_changes_content AFTER INSERT OR UPDATE OR DELETE ON media_renditions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER categories_changes_content AFTER INSERT OR UPDATE OR DELETE ON categories
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER tags_changes_content AFTER INSERT OR UPDATE OR DELETE ON tags
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER posts_changes_content AFTER INSERT OR UPDATE OR DELETE ON posts
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER post_categories_changes_content AFTER INSERT OR UPDATE OR DELETE ON post_categories
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER post_tags_changes_content AFTER INSERT OR UPDATE OR DELETE ON post_tags
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER post_gallery_items_changes_content AFTER INSERT OR UPDATE OR DELETE ON post_gallery_items
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER menus_changes_content AFTER INSERT OR UPDATE OR DELETE ON menus
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();

CREATE CONSTRAINT TRIGGER menu_items_changes_content AFTER INSERT OR UPDATE OR DELETE ON menu_items
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nashr_content_changed();
