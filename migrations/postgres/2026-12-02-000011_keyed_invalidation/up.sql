-- Caches now drop what each change names (the change log, 000010), so the
-- global content version and the triggers that bumped it on every write
-- (a draft saved included) go.
DROP TRIGGER editions_changes_content ON editions;
DROP TRIGGER users_changes_content ON users;
DROP TRIGGER media_changes_content ON media;
DROP TRIGGER media_renditions_changes_content ON media_renditions;
DROP TRIGGER categories_changes_content ON categories;
DROP TRIGGER tags_changes_content ON tags;
DROP TRIGGER posts_changes_content ON posts;
DROP TRIGGER post_categories_changes_content ON post_categories;
DROP TRIGGER post_tags_changes_content ON post_tags;
DROP TRIGGER post_gallery_items_changes_content ON post_gallery_items;
DROP TRIGGER menus_changes_content ON menus;
DROP TRIGGER menu_items_changes_content ON menu_items;
DROP FUNCTION nashr_content_changed();
DROP TABLE content_state;
