-- What each night's evidence refresh was computed from, so that a rerun of the same night with
-- nothing new (a same-night rerun, a warm night) can skip recomputing identical evidence.
CREATE TABLE refresh_state (
    as_of       DATE PRIMARY KEY,
    inputs_key  VARCHAR NOT NULL,           -- sha256 over the refresh's inputs (jobzone.night)
    origins     JSON,                       -- evidence rows by origin, as that refresh reported them
    run_id      VARCHAR,
    updated_at  TIMESTAMPTZ NOT NULL
);
