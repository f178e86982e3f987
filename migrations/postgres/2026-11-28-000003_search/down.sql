DROP TABLE media_search;
DROP TABLE post_search;
