-- Push: store a batch of one user's records (SPEC §10), in ONE transaction.
--   psql -X -q -At -v ON_ERROR_STOP=1 -v user=u1 -v records='[{"id":…,"hlc":…},…]' \
--        -f docs/sync/push.sql
-- prints one line: the number of records taken. For a batch bigger than an
-- argument may be (Linux: 128 KiB), give the variable on psql's standard input
-- instead: `\set records '…'` (each \ doubled, each ' doubled), then `\i push.sql`.
--
-- Idempotent: a record whose id the user already has is skipped (a batch pushed
-- twice takes nothing the second time); inside one batch the first of an id wins.
-- A forget keeps only a tombstone: a record at or before the user's latest
-- tombstone's hlc is dropped (the user was forgotten after it), and a batch
-- holding a "forgotten" record deletes every record of the user at or before
-- its hlc except that tombstone, which gets a NEW sequence number, so every
-- device's cursor reaches it.
\set ON_ERROR_STOP 1
\set QUIET on

-- READ COMMITTED on purpose: each statement sees what committed before it began.
BEGIN ISOLATION LEVEL READ COMMITTED;

INSERT INTO sync_users (user_id) VALUES (:'user') ON CONFLICT (user_id) DO NOTHING;

-- Lock the user's row: pushes for one user are serialised here, so the numbers
-- are handed out gap-free AND in commit order. A global serial (a sequence)
-- would not do: two pushes draw 7 and 8, the one holding 8 commits first, a
-- reader pulls seq > 6, gets 8 and moves its cursor to 8; then 7 commits and
-- that reader never sees it. With this lock, 8 is drawn only after 7 committed.
SELECT next_seq AS locked_next_seq FROM sync_users WHERE user_id = :'user' FOR UPDATE \gset

-- A new statement, so a new snapshot: it sees every record the push we may
-- have waited for committed (which ids the user has now, its next number).
WITH batch AS (
    SELECT r.record, r.pos, r.record ->> 'id' AS record_id, r.record ->> 'hlc' AS hlc,
           r.record ->> 'decision' AS decision
    FROM jsonb_array_elements(:'records'::jsonb) WITH ORDINALITY AS r (record, pos)
),
-- Duplicates inside the batch: the first of an id wins.
first_of_each AS (
    SELECT DISTINCT ON (record_id) * FROM batch ORDER BY record_id, pos
),
-- Not stored yet, and newer than the user's latest tombstone.
fresh AS (
    SELECT f.* FROM first_of_each f
    WHERE NOT EXISTS (SELECT 1 FROM sync_records s
                      WHERE s.user_id = :'user' AND s.record_id = f.record_id)
      AND f.hlc > coalesce((SELECT max(s.hlc) FROM sync_records s
                            WHERE s.user_id = :'user' AND s.record ->> 'decision' = 'forgotten'), '')
),
-- The batch's newest forget, if any (on a tie of stamps, the first in the batch).
new_tombstone AS (
    SELECT record_id, hlc FROM fresh WHERE decision = 'forgotten' ORDER BY hlc DESC, pos LIMIT 1
),
-- The batch's records the forget covers are dropped before they get a number.
taken AS (
    SELECT f.* FROM fresh f
    WHERE NOT EXISTS (SELECT 1 FROM new_tombstone t
                      WHERE f.hlc <= t.hlc AND f.record_id <> t.record_id)
),
numbered AS (
    SELECT t.*, u.next_seq + row_number() OVER (ORDER BY t.pos) - 1 AS seq
    FROM taken t CROSS JOIN sync_users u WHERE u.user_id = :'user'
),
inserted AS (
    INSERT INTO sync_records (user_id, seq, record_id, hlc, record)
    SELECT :'user', seq, record_id, hlc, record FROM numbered
    RETURNING 1
),
advanced AS (
    UPDATE sync_users SET next_seq = next_seq + (SELECT count(*) FROM taken)
    WHERE user_id = :'user'
),
-- The stored records the forget covers (rows inserted above are not seen here).
forgotten AS (
    DELETE FROM sync_records s USING new_tombstone t
    WHERE s.user_id = :'user' AND s.hlc <= t.hlc AND s.record_id <> t.record_id
)
SELECT count(*) AS taken FROM inserted \gset

COMMIT;

\unset QUIET
\echo :taken
