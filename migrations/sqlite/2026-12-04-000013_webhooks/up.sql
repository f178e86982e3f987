-- Webhooks (src/webhooks/): subscribers to the change log. A delivery is
-- made for each change a webhook listens to, from a cursor over the log
-- that one instance at a time advances, so an event exists exactly when
-- its change committed; each delivery is retried until it is answered
-- 2xx or its time runs out. Secrets are sealed (src/webhooks/secret.rs).
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    events          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    sealed_secret   TEXT NOT NULL,
    disabled_reason TEXT,
    failing_since   TIMESTAMP,
    from_change_id  BIGINT NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- One event for one webhook: the body is fixed when it is made, so every
-- attempt sends the same bytes under the same webhook-id.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    resource        TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_resource ON webhook_deliveries (webhook_id, resource, id) WHERE status = 'pending';

-- Every attempt of a delivery, for the deliveries list.
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    response_status INTEGER,
    duration_ms     BIGINT NOT NULL,
    error           TEXT,
    attempted_at    TIMESTAMP NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- How far the change log has been turned into deliveries: one row.
CREATE TABLE webhook_outbox (
    id             INTEGER PRIMARY KEY,
    last_change_id BIGINT NOT NULL
);
INSERT INTO webhook_outbox (id, last_change_id) SELECT 1, COALESCE(MAX(id), 0) FROM changes;
