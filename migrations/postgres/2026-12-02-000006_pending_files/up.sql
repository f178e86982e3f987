-- Files in the media store that may belong to no media item: written by
-- an upload that has not committed yet, or left by an item that was
-- deleted. A row is added before a file is stored and removed when the
-- item that uses it commits; a row older than NASHR_UPLOAD_GRACE whose
-- file no item uses is removed together with the file (media::files), so
-- an upload cut off by a crash leaves nothing behind.
CREATE TABLE pending_files (
    storage_key TEXT PRIMARY KEY,
    since       TIMESTAMP NOT NULL
);
CREATE INDEX pending_files_since ON pending_files (since);
