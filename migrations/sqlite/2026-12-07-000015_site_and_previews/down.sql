DROP TABLE post_previews;
DROP TABLE site_settings;
