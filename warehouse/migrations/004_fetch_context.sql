-- Replays re-parse archived bodies with exactly the context they were first parsed with.
ALTER TABLE fetches ADD COLUMN request_url VARCHAR;
ALTER TABLE fetches ADD COLUMN context JSON;
