-- The global content version again (as 000004 made it).
CREATE TABLE content_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
INSERT INTO content_state (id, version, changed_at)
VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'));
CREATE TRIGGER editions_insert_changes_content AFTER INSERT ON editions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER editions_update_changes_content AFTER UPDATE ON editions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER editions_delete_changes_content AFTER DELETE ON editions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER users_insert_changes_content AFTER INSERT ON users
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER users_update_changes_content AFTER UPDATE ON users
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER users_delete_changes_content AFTER DELETE ON users
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_insert_changes_content AFTER INSERT ON media
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_update_changes_content AFTER UPDATE ON media
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_delete_changes_content AFTER DELETE ON media
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_renditions_insert_changes_content AFTER INSERT ON media_renditions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_renditions_update_changes_content AFTER UPDATE ON media_renditions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER media_renditions_delete_changes_content AFTER DELETE ON media_renditions
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER categories_insert_changes_content AFTER INSERT ON categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER categories_update_changes_content AFTER UPDATE ON categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER categories_delete_changes_content AFTER DELETE ON categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER tags_insert_changes_content AFTER INSERT ON tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER tags_update_changes_content AFTER UPDATE ON tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER tags_delete_changes_content AFTER DELETE ON tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER posts_insert_changes_content AFTER INSERT ON posts
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER posts_update_changes_content AFTER UPDATE ON posts
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER posts_delete_changes_content AFTER DELETE ON posts
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_categories_insert_changes_content AFTER INSERT ON post_categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_categories_update_changes_content AFTER UPDATE ON post_categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_categories_delete_changes_content AFTER DELETE ON post_categories
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_tags_insert_changes_content AFTER INSERT ON post_tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_tags_update_changes_content AFTER UPDATE ON post_tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_tags_delete_changes_content AFTER DELETE ON post_tags
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_gallery_items_insert_changes_content AFTER INSERT ON post_gallery_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_gallery_items_update_changes_content AFTER UPDATE ON post_gallery_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER post_gallery_items_delete_changes_content AFTER DELETE ON post_gallery_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menus_insert_changes_content AFTER INSERT ON menus
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menus_update_changes_content AFTER UPDATE ON menus
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menus_delete_changes_content AFTER DELETE ON menus
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menu_items_insert_changes_content AFTER INSERT ON menu_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menu_items_update_changes_content AFTER UPDATE ON menu_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;

CREATE TRIGGER menu_items_delete_changes_content AFTER DELETE ON menu_items
BEGIN
    UPDATE content_state SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1;
END;
