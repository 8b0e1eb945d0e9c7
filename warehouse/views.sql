-- Analyst-facing views and their data dictionary. Re-applied on every migration run:
-- CREATE OR REPLACE drops a view's comments, so the COMMENTs follow each view here.

CREATE OR REPLACE VIEW role_titles AS
SELECT role_id, arg_max(title, first_loaded_at) AS title, arg_max(content_hash, first_loaded_at) AS catalogue_hash
FROM catalogue_versions GROUP BY role_id;
COMMENT ON VIEW role_titles IS 'Each role''s title and catalogue hash as most recently loaded.';
COMMENT ON COLUMN role_titles.role_id IS 'Role slug, the id in roles/<id>.yaml.';
COMMENT ON COLUMN role_titles.title IS 'Role title from the catalogue.';
COMMENT ON COLUMN role_titles.catalogue_hash IS 'sha256 of the role document last loaded; an edit is a new version.';

CREATE OR REPLACE VIEW score_history AS
SELECT r.role_id, t.title, r.as_of, r.version, r.aijri, r.zone, r.sublabel, r.aijri_unrounded,
       r.task_resistance, r.evidence_total, r.barrier_total, r.growth, r.pct_time_3plus, r.raw,
       r.evidence_refreshed, r.override_aijri, r.methodology_version, r.rubric_version, r.run_id, r.created_at
FROM aijri_results r LEFT JOIN role_titles t USING (role_id)
QUALIFY row_number() OVER (PARTITION BY r.role_id, r.as_of ORDER BY r.version DESC) = 1;
COMMENT ON VIEW score_history IS 'One row per role and as-of date: the newest version of that day''s AIJRI result.';
COMMENT ON COLUMN score_history.role_id IS 'Role slug.';
COMMENT ON COLUMN score_history.title IS 'Role title.';
COMMENT ON COLUMN score_history.as_of IS 'The date the evidence describes.';
COMMENT ON COLUMN score_history.version IS 'Result version for that day: 1, then +1 each time the inputs changed.';
COMMENT ON COLUMN score_history.aijri IS 'Published AIJRI, 0-100, one decimal, rounded half-up.';
COMMENT ON COLUMN score_history.zone IS 'Green >= 48, Yellow 25-47.9, Red < 25 (from the rounded figure).';
COMMENT ON COLUMN score_history.sublabel IS 'Accelerated/Transforming (Green), Urgent/Moderate (Yellow), none (Red).';
COMMENT ON COLUMN score_history.aijri_unrounded IS 'AIJRI before clamping and rounding.';
COMMENT ON COLUMN score_history.task_resistance IS 'Task Resistance 1-5: 6 - sum(time share x task score).';
COMMENT ON COLUMN score_history.evidence_total IS 'Sum of the five evidence dimensions, -10..10.';
COMMENT ON COLUMN score_history.barrier_total IS 'Sum of the five barriers, 0..10.';
COMMENT ON COLUMN score_history.growth IS 'AI growth correlation, -2..2.';
COMMENT ON COLUMN score_history.pct_time_3plus IS 'Share of task time scoring 3+; null when the task table is not public.';
COMMENT ON COLUMN score_history.raw IS 'TR x EM x BM x GM.';
COMMENT ON COLUMN score_history.evidence_refreshed IS 'True when the evidence total was refreshed from data rather than published.';
COMMENT ON COLUMN score_history.override_aijri IS 'Assessor override value in force, if any (shown beside the formula score).';
COMMENT ON COLUMN score_history.methodology_version IS 'Version of scoring/method.toml that produced the result.';
COMMENT ON COLUMN score_history.rubric_version IS 'Version of scoring/rubric.toml used for refreshed evidence.';
COMMENT ON COLUMN score_history.run_id IS 'The run that wrote the result (see runs).';
COMMENT ON COLUMN score_history.created_at IS 'When the result was written.';

CREATE OR REPLACE VIEW latest_scores AS
-- Written against aijri_results directly (not score_history + lag()): analysts open this view
-- all day, and windowing the whole history to keep one row per role took seconds at scale.
WITH d AS (SELECT role_id, max(as_of) AS d1 FROM aijri_results GROUP BY role_id),
p AS (SELECT a.role_id, max(a.as_of) AS d0 FROM aijri_results a JOIN d USING (role_id)
      WHERE a.as_of < d.d1 GROUP BY a.role_id),
cur AS (SELECT a.* FROM aijri_results a JOIN d ON a.role_id = d.role_id AND a.as_of = d.d1
        QUALIFY row_number() OVER (PARTITION BY a.role_id ORDER BY a.version DESC) = 1),
prv AS (SELECT a.role_id, a.as_of, a.aijri, a.zone FROM aijri_results a JOIN p ON a.role_id = p.role_id
        AND a.as_of = p.d0 QUALIFY row_number() OVER (PARTITION BY a.role_id ORDER BY a.version DESC) = 1)
SELECT c.role_id, t.title, c.as_of, c.aijri, c.zone, c.sublabel, prv.as_of AS previous_as_of,
       prv.aijri AS previous_aijri, prv.zone AS previous_zone, round(c.aijri - prv.aijri, 1) AS change,
       c.evidence_total, c.evidence_refreshed, c.task_resistance, c.barrier_total, c.growth, c.override_aijri,
       c.methodology_version, c.rubric_version, c.run_id
FROM cur c LEFT JOIN prv USING (role_id) LEFT JOIN role_titles t USING (role_id);
COMMENT ON VIEW latest_scores IS 'Each role''s most recent AIJRI with the change since the previous as-of date.';
COMMENT ON COLUMN latest_scores.role_id IS 'Role slug.';
COMMENT ON COLUMN latest_scores.title IS 'Role title.';
COMMENT ON COLUMN latest_scores.as_of IS 'Date of the latest result.';
COMMENT ON COLUMN latest_scores.aijri IS 'Published AIJRI, 0-100, one decimal.';
COMMENT ON COLUMN latest_scores.zone IS 'Green, Yellow or Red.';
COMMENT ON COLUMN latest_scores.sublabel IS 'Zone sub-label, if any.';
COMMENT ON COLUMN latest_scores.previous_as_of IS 'Date of the result before the latest one.';
COMMENT ON COLUMN latest_scores.previous_aijri IS 'AIJRI on previous_as_of.';
COMMENT ON COLUMN latest_scores.previous_zone IS 'Zone on previous_as_of.';
COMMENT ON COLUMN latest_scores.change IS 'aijri - previous_aijri, in AIJRI points.';
COMMENT ON COLUMN latest_scores.evidence_total IS 'Evidence total behind the latest score.';
COMMENT ON COLUMN latest_scores.evidence_refreshed IS 'True when the evidence total came from data.';
COMMENT ON COLUMN latest_scores.task_resistance IS 'Task Resistance.';
COMMENT ON COLUMN latest_scores.barrier_total IS 'Barrier total.';
COMMENT ON COLUMN latest_scores.growth IS 'AI growth correlation.';
COMMENT ON COLUMN latest_scores.override_aijri IS 'Assessor override in force, if any.';
COMMENT ON COLUMN latest_scores.methodology_version IS 'Methodology version.';
COMMENT ON COLUMN latest_scores.rubric_version IS 'Rubric version.';
COMMENT ON COLUMN latest_scores.run_id IS 'Run that wrote the result.';

CREATE OR REPLACE VIEW zone_changes AS
WITH h AS (
    SELECT role_id, title, as_of, aijri, zone, sublabel,
           lag(as_of) OVER w AS from_as_of, lag(aijri) OVER w AS from_aijri,
           lag(zone) OVER w AS from_zone, lag(sublabel) OVER w AS from_sublabel
    FROM score_history WINDOW w AS (PARTITION BY role_id ORDER BY as_of)
)
SELECT role_id, title, from_as_of, as_of, from_zone, zone AS to_zone, from_sublabel, sublabel AS to_sublabel,
       from_aijri, aijri AS to_aijri, round(aijri - from_aijri, 1) AS change
FROM h WHERE from_zone IS NOT NULL AND from_zone <> zone;
COMMENT ON VIEW zone_changes IS 'Consecutive results of a role whose zone differs.';
COMMENT ON COLUMN zone_changes.role_id IS 'Role slug.';
COMMENT ON COLUMN zone_changes.title IS 'Role title.';
COMMENT ON COLUMN zone_changes.from_as_of IS 'Date of the earlier result.';
COMMENT ON COLUMN zone_changes.as_of IS 'Date of the result in the new zone.';
COMMENT ON COLUMN zone_changes.from_zone IS 'Zone before the crossing.';
COMMENT ON COLUMN zone_changes.to_zone IS 'Zone after the crossing.';
COMMENT ON COLUMN zone_changes.from_sublabel IS 'Sub-label before.';
COMMENT ON COLUMN zone_changes.to_sublabel IS 'Sub-label after.';
COMMENT ON COLUMN zone_changes.from_aijri IS 'AIJRI before.';
COMMENT ON COLUMN zone_changes.to_aijri IS 'AIJRI after.';
COMMENT ON COLUMN zone_changes.change IS 'to_aijri - from_aijri.';

CREATE OR REPLACE VIEW evidence_history AS
SELECT role_id, dimension, as_of, version, score, origin, status, confidence, age_days, rationale,
       inputs, rubric_version, rubric_score, run_id
FROM evidence_scores
QUALIFY row_number() OVER (PARTITION BY role_id, dimension, as_of ORDER BY version DESC) = 1;
COMMENT ON VIEW evidence_history IS 'One row per role, dimension and as-of date: the newest evidence score.';
COMMENT ON COLUMN evidence_history.role_id IS 'Role slug.';
COMMENT ON COLUMN evidence_history.dimension IS 'job_posting_trends, company_actions, wage_trends, ai_tool_maturity or expert_consensus.';
COMMENT ON COLUMN evidence_history.as_of IS 'Date the evidence describes.';
COMMENT ON COLUMN evidence_history.version IS 'Version for that day.';
COMMENT ON COLUMN evidence_history.score IS 'Dimension score, -2..2.';
COMMENT ON COLUMN evidence_history.origin IS 'published (catalogue baseline), refreshed (from data), carried (last good value kept), override (assessor).';
COMMENT ON COLUMN evidence_history.status IS 'Why: ok, insufficient_history, stale, no_lookup_key, quarantined, not_refreshed ...';
COMMENT ON COLUMN evidence_history.confidence IS '0-1: independent signals, freshness and sample size.';
COMMENT ON COLUMN evidence_history.age_days IS 'Age of the value in days when carried.';
COMMENT ON COLUMN evidence_history.rationale IS 'One line a person can read: inputs, band, rubric version.';
COMMENT ON COLUMN evidence_history.inputs IS 'The exact input values (JSON).';
COMMENT ON COLUMN evidence_history.rubric_version IS 'Rubric version that scored it.';
COMMENT ON COLUMN evidence_history.rubric_score IS 'The rubric score before an assessor override.';
COMMENT ON COLUMN evidence_history.run_id IS 'Run that wrote it.';

CREATE OR REPLACE VIEW lineage AS
WITH newest AS (
    SELECT role_id, metric, as_of, value, status, lineage_id FROM metrics
    QUALIFY row_number() OVER (PARTITION BY role_id, metric, as_of ORDER BY version DESC) = 1
), m AS (
    -- a metric's lineage is stored once per distinct set (lineage_sets, migration 008)
    SELECT n.role_id, n.metric AS derived_metric, n.as_of, n.value AS metric_value, n.status AS metric_status,
           unnest(from_json(l.lineage, '[{"fetch_id": "VARCHAR", "series_key": "VARCHAR", "subject": "VARCHAR",
                                          "metric": "VARCHAR", "period_end": "DATE", "source": "VARCHAR"}]')) AS o
    FROM newest n JOIN lineage_sets l USING (lineage_id)
)
SELECT m.role_id, m.as_of, m.derived_metric, m.metric_value, m.metric_status,
       o.source, o.series_key, o.subject, o.metric AS observed_metric, o.period_end, obs.value AS observed_value,
       obs.unit AS observed_unit, o.fetch_id, f.url, f.fetched_at, f.sha256, f.bytes
FROM m
LEFT JOIN observations obs ON obs.fetch_id = o.fetch_id AND obs.series_key = o.series_key
     AND obs.subject = o.subject AND obs.metric = o.metric AND obs.period_end = o.period_end
LEFT JOIN fetches f ON f.fetch_id = o.fetch_id;
COMMENT ON VIEW lineage IS 'From each derived metric back to the observations it used and the fetch (URL, time, sha256 of the raw bytes) they came from.';
COMMENT ON COLUMN lineage.role_id IS 'Role slug.';
COMMENT ON COLUMN lineage.as_of IS 'Date of the metric.';
COMMENT ON COLUMN lineage.derived_metric IS 'Derived metric (postings_yoy_role, layoff_headcount_change, ...).';
COMMENT ON COLUMN lineage.metric_value IS 'Value of the derived metric.';
COMMENT ON COLUMN lineage.metric_status IS 'ok, insufficient_history, stale, ...';
COMMENT ON COLUMN lineage.source IS 'Source package of the observation.';
COMMENT ON COLUMN lineage.series_key IS 'Series the observation belongs to.';
COMMENT ON COLUMN lineage.subject IS 'What the observation is about (slug, sector, company, series id).';
COMMENT ON COLUMN lineage.observed_metric IS 'Observation metric (postings, median_salary, ...).';
COMMENT ON COLUMN lineage.period_end IS 'End of the observation period.';
COMMENT ON COLUMN lineage.observed_value IS 'The observed value as parsed from the raw bytes.';
COMMENT ON COLUMN lineage.observed_unit IS 'Unit of the observed value.';
COMMENT ON COLUMN lineage.fetch_id IS 'The fetch the observation was parsed from.';
COMMENT ON COLUMN lineage.url IS 'Requested URL (POST bodies are identified by a hash).';
COMMENT ON COLUMN lineage.fetched_at IS 'When the raw bytes were fetched.';
COMMENT ON COLUMN lineage.sha256 IS 'sha256 of the raw bytes; the body is in the raw archive under this name.';
COMMENT ON COLUMN lineage.bytes IS 'Size of the raw body.';

CREATE OR REPLACE VIEW run_log AS
WITH failing AS (
    SELECT run_id, list(source ORDER BY source) AS failing_sources FROM source_health WHERE failed > 0 GROUP BY run_id
)
SELECT r.run_id, r.kind, r.as_of, r.status, r.started_at, r.finished_at,
       round(epoch(r.finished_at) - epoch(r.started_at), 3) AS duration_seconds,
       coalesce(f.failing_sources, []::VARCHAR[]) AS failing_sources, r.summary
FROM runs r LEFT JOIN failing f USING (run_id);
COMMENT ON VIEW run_log IS 'Every run (nightly, demo, score, replay, what-if): its state, timing, failing sources and report.';
COMMENT ON COLUMN run_log.run_id IS 'Run id: <kind>-<UTC start>-<random>.';
COMMENT ON COLUMN run_log.kind IS 'nightly, demo, score (jobzone score --record), replay or what-if.';
COMMENT ON COLUMN run_log.as_of IS 'The evidence date the run worked on.';
COMMENT ON COLUMN run_log.status IS 'running, completed, degraded (a source or a role file failed), failed or interrupted.';
COMMENT ON COLUMN run_log.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN run_log.finished_at IS 'When it finished; null while running (or if the process was killed).';
COMMENT ON COLUMN run_log.duration_seconds IS 'finished_at - started_at, in seconds.';
COMMENT ON COLUMN run_log.failing_sources IS 'Sources with at least one failed request in the run.';
COMMENT ON COLUMN run_log.summary IS 'The run''s report (JSON): fetches per source, refresh counts, scores, alerts, or the step and error of a failure.';

CREATE OR REPLACE VIEW alert_log AS
SELECT a.alert_id, a.kind, a.subject, t.title, a.as_of, a.from_state, a.to_state, a.from_aijri, a.to_aijri,
       a.message, a.status, a.attempts, a.last_error, a.run_id, a.created_at, a.delivered_at
FROM alerts a LEFT JOIN role_titles t ON t.role_id = a.subject;
COMMENT ON VIEW alert_log IS 'Every alert raised (a zone or sub-label crossing, a source failing night after night) and its delivery.';
COMMENT ON COLUMN alert_log.alert_id IS 'Role or source plus the crossing: one alert per crossing, however many reruns.';
COMMENT ON COLUMN alert_log.kind IS 'zone, sublabel or source_health.';
COMMENT ON COLUMN alert_log.subject IS 'Role id, or source name for source_health.';
COMMENT ON COLUMN alert_log.title IS 'Role title (null for a source).';
COMMENT ON COLUMN alert_log.as_of IS 'Night of the crossing.';
COMMENT ON COLUMN alert_log.from_state IS 'Zone or sub-label before (or the source''s state).';
COMMENT ON COLUMN alert_log.to_state IS 'Zone or sub-label after.';
COMMENT ON COLUMN alert_log.from_aijri IS 'AIJRI before the crossing.';
COMMENT ON COLUMN alert_log.to_aijri IS 'AIJRI after the crossing.';
COMMENT ON COLUMN alert_log.message IS 'The message as delivered.';
COMMENT ON COLUMN alert_log.status IS 'pending, delivered, failed (retried next night), logged (no URL configured) or abandoned.';
COMMENT ON COLUMN alert_log.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN alert_log.last_error IS 'Why the last delivery failed (never the URL: URLs are secrets).';
COMMENT ON COLUMN alert_log.run_id IS 'Run that raised the alert.';
COMMENT ON COLUMN alert_log.created_at IS 'When the alert was raised.';
COMMENT ON COLUMN alert_log.delivered_at IS 'When it was delivered, if it was.';
