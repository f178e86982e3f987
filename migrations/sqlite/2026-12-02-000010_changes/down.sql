DROP TABLE changes;
DROP INDEX posts_scheduled;
