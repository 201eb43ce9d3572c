-- Pull: a user's records since a cursor (SPEC §10), in the order they were pushed.
--   psql -X -q -At -v ON_ERROR_STOP=1 -v user=u1 -v cursor=0 -v limit=100 \
--        -f docs/sync/pull.sql
-- prints one line, a JSON object: {"records":[…],"cursor":"N"} — at most `limit`
-- records with a sequence number above `cursor` (a bigint as text; "0" from the
-- start), and the cursor to pull since next time: the last record's number, or
-- the same cursor when nothing is new. A device keeps the cursor once it stored
-- the records, and pulls again while a page comes back full.
-- Numbers are handed out in commit order (docs/sync/push.sql), so a record
-- committed later never gets a number below one already pulled.
\set ON_ERROR_STOP 1
\set QUIET on

SELECT json_build_object(
           'records', coalesce(json_agg(page.record ORDER BY page.seq), '[]'::json),
           'cursor', coalesce(max(page.seq), :'cursor'::bigint)::text)
FROM (SELECT seq, record FROM sync_records
      WHERE user_id = :'user' AND seq > :'cursor'::bigint
      ORDER BY seq
      LIMIT :'limit'::integer) AS page;
