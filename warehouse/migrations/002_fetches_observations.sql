-- The raw archive index, conditional-GET state, observations and quarantine.
CREATE TABLE fetches (
    fetch_id      VARCHAR PRIMARY KEY,
    run_id        VARCHAR,
    source        VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    status        INTEGER,
    outcome       VARCHAR NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    content_type  VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    bytes         BIGINT,
    sha256        VARCHAR,
    encoding      VARCHAR,
    replacements  INTEGER,
    detail        VARCHAR
);

CREATE TABLE http_validators (
    url           VARCHAR PRIMARY KEY,
    etag          VARCHAR,
    last_modified VARCHAR,
    sha256        VARCHAR,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE observations (
    source        VARCHAR NOT NULL,
    series_key    VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,
    geography     VARCHAR,
    metric        VARCHAR NOT NULL,
    period_start  DATE,
    period_end    DATE NOT NULL,
    value         DOUBLE,
    unit          VARCHAR,
    detail        VARCHAR,
    fetch_id      VARCHAR NOT NULL,
    run_id        VARCHAR,
    loaded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (fetch_id, series_key, subject, metric, period_end)
);

CREATE TABLE quarantine (
    quarantine_id VARCHAR PRIMARY KEY,
    run_id        VARCHAR,
    source        VARCHAR,
    fetch_id      VARCHAR,
    series_key    VARCHAR,
    subject       VARCHAR,
    metric        VARCHAR,
    period_end    DATE,
    value         DOUBLE,
    check_name    VARCHAR NOT NULL,
    failure       VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL
);
