-- Nothing to change on SQLite: the PostgreSQL migration of the same name
-- aligns a column type with src/db/schema.rs. Kept so both sets list the
-- same migrations.
SELECT 1;
