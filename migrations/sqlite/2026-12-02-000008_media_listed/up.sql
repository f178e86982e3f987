-- A media item is public when live content uses it (featured on or in the
-- gallery of a live post, an author's picture) or when it is listed: put
-- out on its own, like a book's PDF. New uploads are not listed, so a
-- picture for an embargoed draft stays unseen until the post goes live.
-- Items that were public before and that no post uses stay listed.
ALTER TABLE media ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE media SET listed = TRUE
WHERE id NOT IN (SELECT featured_media_id FROM posts WHERE featured_media_id IS NOT NULL)
  AND id NOT IN (SELECT media_id FROM post_gallery_items);
