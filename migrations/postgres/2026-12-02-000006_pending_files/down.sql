DROP TABLE pending_files;
