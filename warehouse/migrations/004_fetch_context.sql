-- Replays re-parse archived bodies with exactly the context they were first parsed with.
ALTER TABLE fetches ADD COLUMN request_key VARCHAR;  -- the conditional-GET key (stable across demo ports)
ALTER TABLE fetches ADD COLUMN context JSON;
