-- Runs, the catalogue as loaded, evidence and AIJRI history.
CREATE TABLE runs (
    run_id        VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,          -- score | nightly | replay | backtest | demo
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- running | completed | degraded | failed
    as_of         DATE,
    summary       JSON
);

CREATE TABLE catalogue_versions (
    role_id         VARCHAR NOT NULL,
    content_hash    VARCHAR NOT NULL,        -- sha256 of the canonical role document
    title           VARCHAR NOT NULL,
    source_file     VARCHAR,
    document        JSON NOT NULL,
    first_loaded_at TIMESTAMPTZ NOT NULL,
    first_run_id    VARCHAR,
    PRIMARY KEY (role_id, content_hash)
);

CREATE TABLE evidence_scores (
    role_id         VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,
    as_of           DATE NOT NULL,
    version         INTEGER NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN -2 AND 2),
    origin          VARCHAR NOT NULL CHECK (origin IN ('published', 'refreshed', 'carried', 'override')),
    status          VARCHAR,
    confidence      DOUBLE,
    age_days        INTEGER,
    inputs          JSON,
    rationale       VARCHAR,
    rubric_version  VARCHAR,
    rubric_score    INTEGER,
    content_hash    VARCHAR NOT NULL,
    run_id          VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (role_id, dimension, as_of, version)
);

CREATE TABLE aijri_results (
    role_id             VARCHAR NOT NULL,
    as_of               DATE NOT NULL,
    version             INTEGER NOT NULL,
    task_resistance     DOUBLE NOT NULL,
    evidence_total      DOUBLE NOT NULL,
    barrier_total       DOUBLE NOT NULL,
    growth              DOUBLE NOT NULL,
    pct_time_3plus      DOUBLE,
    em                  DOUBLE NOT NULL,
    bm                  DOUBLE NOT NULL,
    gm                  DOUBLE NOT NULL,
    raw                 DOUBLE NOT NULL,
    aijri_unrounded     DOUBLE NOT NULL,
    aijri               DOUBLE NOT NULL,
    zone                VARCHAR NOT NULL CHECK (zone IN ('Green', 'Yellow', 'Red')),
    sublabel            VARCHAR,
    clamped             BOOLEAN NOT NULL,
    evidence_refreshed  BOOLEAN NOT NULL,
    override_aijri      DOUBLE,
    override_note       VARCHAR,
    methodology_version VARCHAR NOT NULL,
    rubric_version      VARCHAR,
    catalogue_hash      VARCHAR NOT NULL,
    content_hash        VARCHAR NOT NULL,
    run_id              VARCHAR,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (role_id, as_of, version)
);
