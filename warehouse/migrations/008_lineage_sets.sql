-- A metric's lineage (the observation keys and fetch ids its value rests on) is stored once per
-- distinct content, in `lineage_sets`; a metric row names it by `lineage_id` (md5 of the text).
--
-- Why: most lineage is shared and repeats night after night. Every role of a country reads the
-- same Indeed and CPI rows, every role of an industry set the same layoffs (~70 KB of JSON for
-- one set), and a metric whose inputs did not change tonight rests on yesterday's rows. At
-- 1,000 roles one night's metric rows carried 80 MB of lineage text, written, hashed and
-- checkpointed every night (most of the refresh's commit and ~250 MB of its peak memory),
-- though only a few distinct sets are new on a night.
--
-- The metrics table is rebuilt (as in 006) with `lineage_id` in place of `lineage`, rows copied
-- in their stored order.

CREATE TABLE lineage_sets (
    lineage_id  VARCHAR NOT NULL,           -- md5 of the lineage JSON text
    lineage     JSON,                       -- [{source, series_key, subject, metric, period_end, fetch_id, ...}]
    created_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO lineage_sets
SELECT md5(CAST(lineage AS VARCHAR)), any_value(lineage), min(created_at)
FROM metrics WHERE lineage IS NOT NULL GROUP BY 1;

CREATE TABLE metrics_v8 (
    role_id        VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    version        INTEGER NOT NULL,
    value          DOUBLE,
    unit           VARCHAR,
    status         VARCHAR,
    inputs         JSON,
    lineage_id     VARCHAR,
    rubric_version VARCHAR,
    content_hash   VARCHAR NOT NULL,
    run_id         VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL,
    sample_size    DOUBLE,
    observed_to    DATE,
    note           VARCHAR
);
INSERT INTO metrics_v8 BY NAME
SELECT * EXCLUDE (lineage), CASE WHEN lineage IS NOT NULL THEN md5(CAST(lineage AS VARCHAR)) END AS lineage_id
FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_v8 RENAME TO metrics;
