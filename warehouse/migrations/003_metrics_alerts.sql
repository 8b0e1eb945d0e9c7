-- Derived metrics (with lineage to observations and fetches), alerts and source health.
CREATE TABLE metrics (
    role_id        VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    version        INTEGER NOT NULL,
    value          DOUBLE,
    unit           VARCHAR,
    status         VARCHAR,
    inputs         JSON,
    lineage        JSON,                    -- observation keys and fetch ids the value rests on
    rubric_version VARCHAR,
    content_hash   VARCHAR NOT NULL,
    run_id         VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (role_id, metric, as_of, version)
);

CREATE TABLE alerts (
    alert_id      VARCHAR PRIMARY KEY,      -- role/source + crossing: delivered exactly once
    kind          VARCHAR NOT NULL,         -- zone | sublabel | source_health
    subject       VARCHAR NOT NULL,         -- role id or source name
    as_of         DATE NOT NULL,
    from_state    VARCHAR,
    to_state      VARCHAR,
    from_aijri    DOUBLE,
    to_aijri      DOUBLE,
    message       VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,         -- pending | delivered | failed | logged
    attempts      INTEGER NOT NULL,
    last_error    VARCHAR,
    run_id        VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL,
    delivered_at  TIMESTAMPTZ
);

CREATE TABLE source_health (
    source        VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    as_of         DATE NOT NULL,
    requests      INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    outcomes      JSON,
    PRIMARY KEY (source, run_id)
);
