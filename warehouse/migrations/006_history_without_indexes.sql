-- The four tables that grow every night lose their PRIMARY KEY indexes.
--
-- Why: DuckDB keeps a PRIMARY KEY as an ART index that must sit in memory and is loaded in
-- full by the first insert of a process. At 1,000 roles x 3 years (13M metric rows, 5.5M
-- evidence rows) the indexes alone outgrew a 256 MB memory limit (the nightly failed with
-- "Out of Memory"), the first metrics insert of each night took 0.6 s and every checkpoint
-- rewrote them. Their keys are kept unique by the write semantics (warehouse/tables.py:
-- `append` skips held keys, `history` numbers versions), which every write goes through and
-- the tests check after reruns and crashes. Small upserted tables keep their keys: INSERT OR
-- REPLACE needs them.
--
-- DuckDB cannot drop a constraint in place, so each table is rebuilt with the same columns,
-- NOT NULLs and CHECKs, rows copied in their stored order.

CREATE TABLE observations_v6 (
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
    loaded_at     TIMESTAMPTZ NOT NULL
);
INSERT INTO observations_v6 BY NAME SELECT * FROM observations;
DROP TABLE observations;
ALTER TABLE observations_v6 RENAME TO observations;

CREATE TABLE metrics_v6 (
    role_id        VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    version        INTEGER NOT NULL,
    value          DOUBLE,
    unit           VARCHAR,
    status         VARCHAR,
    inputs         JSON,
    lineage        JSON,
    rubric_version VARCHAR,
    content_hash   VARCHAR NOT NULL,
    run_id         VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL,
    sample_size    DOUBLE,
    observed_to    DATE,
    note           VARCHAR
);
INSERT INTO metrics_v6 BY NAME SELECT * FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_v6 RENAME TO metrics;

CREATE TABLE evidence_scores_v6 (
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
    created_at      TIMESTAMPTZ NOT NULL
);
INSERT INTO evidence_scores_v6 BY NAME SELECT * FROM evidence_scores;
DROP TABLE evidence_scores;
ALTER TABLE evidence_scores_v6 RENAME TO evidence_scores;

CREATE TABLE aijri_results_v6 (
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
    created_at          TIMESTAMPTZ NOT NULL
);
INSERT INTO aijri_results_v6 BY NAME SELECT * FROM aijri_results;
DROP TABLE aijri_results;
ALTER TABLE aijri_results_v6 RENAME TO aijri_results;
