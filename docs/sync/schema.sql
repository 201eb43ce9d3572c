-- The reference sync backend's schema (SPEC §10): a per-user, gap-free sequence
-- of the records the devices pushed, which each device pulls since its cursor.
-- Idempotent: run it at every start.
--   psql -v ON_ERROR_STOP=1 -f docs/sync/schema.sql
-- A record is a JSON object the backend stores as is; it reads only three fields:
--   "id"       unique per record (a device's id and its own counter),
--   "hlc"      a hybrid-logical-clock stamp, "<13-digit wall ms>-<6-digit counter>",
--              zero-padded so that string order is time order,
--   "decision" "forgotten" marks a forget of the user (the tombstone).
-- Records are stored as jsonb: the JSON value is kept, not its text (key order
-- and whitespace are the database's own).

-- One row per user: the next sequence number to hand out. A push locks this
-- row, which serialises the pushes of one user (docs/sync/push.sql).
CREATE TABLE IF NOT EXISTS sync_users (
    user_id  text   PRIMARY KEY,
    next_seq bigint NOT NULL DEFAULT 1 CHECK (next_seq >= 1)
);

-- Every record a user's devices pushed, numbered 1, 2, 3… per user in commit
-- order. A forget deletes the records it covers, so numbers below a tombstone
-- may be missing; numbers are never reused.
CREATE TABLE IF NOT EXISTS sync_records (
    user_id   text   NOT NULL REFERENCES sync_users (user_id),
    seq       bigint NOT NULL,
    record_id text   NOT NULL,
    hlc       text   NOT NULL CHECK (hlc ~ '^[0-9]{13}-[0-9]{6}$'),
    record    jsonb  NOT NULL CHECK (jsonb_typeof(record) = 'object'),
    PRIMARY KEY (user_id, seq),
    UNIQUE (user_id, record_id)
);

-- A user's tombstones (the latest one drops every older record pushed later).
CREATE INDEX IF NOT EXISTS sync_records_tombstones
    ON sync_records (user_id, hlc) WHERE record ->> 'decision' = 'forgotten';
