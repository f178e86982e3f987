DROP TABLE redirects;
DROP TABLE import_sources;
