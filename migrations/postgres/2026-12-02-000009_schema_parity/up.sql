-- content_state.id is an Integer in src/db/schema.rs, as on SQLite; it was
-- made SMALLINT here (found by the schema-parity test).
ALTER TABLE content_state ALTER COLUMN id TYPE INTEGER;
