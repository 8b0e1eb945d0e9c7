-- Between two results of a role: what moved and why. Read by warehouse/queries.py (`movements`),
-- set-based over every pair at once. `{pairs}` is a relation (role_id, from_as_of, to_as_of); a
-- NULL from_as_of compares the role's first result with its published card. Parameter $dims: the
-- dimension list (core.vocabulary.DIMENSIONS).
--
-- A moved dimension is blamed on:
--   method     its rubric version changed between the two rows;
--   catalogue  its new row is published, carried (a carried value is the last good one, so it
--              moves only when the published card under it was edited) or an override;
--   evidence   otherwise (a value refreshed from data moved).
-- A moved result input (Task Resistance, barriers, growth, and the evidence total of a
-- totals-only role scored on its published total: a per-dimension role's total moves with its
-- dimensions) comes from the catalogue alone; a new methodology version is a method change.
WITH pairs AS MATERIALIZED (SELECT *, row_number() OVER () AS pair FROM ({pairs})),
res AS MATERIALIZED (
    SELECT role_id, as_of, aijri, zone, sublabel, task_resistance, evidence_total, barrier_total, growth,
           evidence_refreshed, methodology_version, catalogue_hash, created_at
    FROM aijri_results WHERE role_id IN (SELECT role_id FROM pairs)
      AND as_of BETWEEN (SELECT min(coalesce(from_as_of, to_as_of)) FROM pairs) AND (SELECT max(to_as_of) FROM pairs)
    QUALIFY row_number() OVER (PARTITION BY role_id, as_of ORDER BY version DESC) = 1),
cards AS (SELECT role_id, content_hash, TRY_CAST(json_extract_string(document, '$.published.aijri') AS DOUBLE) AS aijri,
                 json_extract_string(document, '$.published.zone') AS zone,
                 json_extract_string(document, '$.published.sublabel') AS sublabel
          FROM catalogue_versions WHERE role_id IN (SELECT role_id FROM pairs)),
per_dimension AS (SELECT DISTINCT role_id FROM evidence_scores
                  WHERE origin = 'published' AND role_id IN (SELECT role_id FROM pairs)),
p0 AS MATERIALIZED (
    SELECT p.pair, p.role_id, p.from_as_of, p.to_as_of, f.created_at AS from_known, t.created_at AS to_known,
           t.aijri AS to_aijri, t.zone AS to_zone, t.sublabel AS to_sublabel,
           CASE WHEN p.from_as_of IS NULL THEN c.aijri ELSE f.aijri END AS from_aijri,
           CASE WHEN p.from_as_of IS NULL THEN c.zone ELSE f.zone END AS from_zone,
           CASE WHEN p.from_as_of IS NULL THEN c.sublabel ELSE f.sublabel END AS from_sublabel,
           p.from_as_of IS NOT NULL AND f.catalogue_hash IS DISTINCT FROM t.catalogue_hash AS catalogue_edited,
           p.from_as_of IS NOT NULL AND f.methodology_version IS DISTINCT FROM t.methodology_version AS method_changed,
           [x FOR x IN [
               {{'input': 'task_resistance', 'from': f.task_resistance, 'to': t.task_resistance}},
               {{'input': 'barrier_total', 'from': f.barrier_total, 'to': t.barrier_total}},
               {{'input': 'growth', 'from': f.growth, 'to': t.growth}},
               {{'input': 'evidence_total', 'from': f.evidence_total, 'to': t.evidence_total}}]
            IF p.from_as_of IS NOT NULL AND x['from'] IS DISTINCT FROM x['to']
               AND (x['input'] <> 'evidence_total'
                    OR d.role_id IS NULL AND NOT (f.evidence_refreshed OR t.evidence_refreshed))]
             AS catalogue_inputs,
           t.evidence_refreshed OR d.role_id IS NOT NULL AS dimensions_count
    FROM pairs p
    JOIN res t ON t.role_id = p.role_id AND t.as_of = p.to_as_of
    LEFT JOIN res f ON f.role_id = p.role_id AND f.as_of = p.from_as_of
    LEFT JOIN cards c ON c.role_id = t.role_id AND c.content_hash = t.catalogue_hash
    LEFT JOIN per_dimension d ON d.role_id = p.role_id),
-- Only the pairs the caller asks about (`{where}`, e.g. the score moved) are traced to their dimensions.
p AS MATERIALIZED (SELECT * FROM p0 p WHERE {where}),
-- Evidence as each result saw it: the newest dated row on or before its night (ASOF over the
-- dates), in the newest version written before the result was. A catalogue edit writes a new
-- version of the card's published rows under the card's old date: without the second rule the
-- night before the edit would seem to have had the edited values already.
ev AS MATERIALIZED (  -- narrow: the words (inputs, rationale) are read for the moved rows only
    SELECT role_id, dimension, as_of, version, score, origin, rubric_version, created_at
    FROM evidence_scores WHERE role_id IN (SELECT role_id FROM p)
      AND as_of <= (SELECT max(to_as_of) FROM p)),
days AS MATERIALIZED (SELECT DISTINCT role_id, dimension, as_of FROM ev),
card_days AS MATERIALIZED (SELECT DISTINCT role_id, dimension, as_of FROM ev WHERE origin = 'published'),
slots AS MATERIALIZED (SELECT p.pair, p.role_id, p.from_as_of, p.to_as_of, p.from_known, p.to_known, d.dimension
          FROM p CROSS JOIN (SELECT unnest($dims::VARCHAR[]) AS dimension) d),
picked AS MATERIALIZED (
    SELECT s.pair, s.role_id, s.dimension, 'new' AS side, d.as_of AS day, s.to_known AS known
    FROM slots s ASOF LEFT JOIN days d ON d.role_id = s.role_id AND d.dimension = s.dimension AND s.to_as_of >= d.as_of
    UNION ALL
    SELECT s.pair, s.role_id, s.dimension, 'old', d.as_of, s.from_known
    FROM slots s ASOF LEFT JOIN days d ON d.role_id = s.role_id AND d.dimension = s.dimension AND s.from_as_of >= d.as_of
    UNION ALL
    SELECT s.pair, s.role_id, s.dimension, 'card', d.as_of, s.to_known
    FROM slots s ASOF LEFT JOIN card_days d
      ON d.role_id = s.role_id AND d.dimension = s.dimension AND s.to_as_of >= d.as_of),
seen AS MATERIALIZED (
    SELECT k.pair, k.role_id, k.dimension, k.side, k.day, e.version, e.score, e.origin, e.rubric_version
    FROM picked k LEFT JOIN ev e ON e.role_id = k.role_id AND e.dimension = k.dimension AND e.as_of = k.day
         AND e.created_at <= k.known AND (k.side <> 'card' OR e.origin = 'published')
    QUALIFY row_number() OVER (PARTITION BY k.pair, k.dimension, k.side ORDER BY e.version DESC NULLS LAST) = 1),
new AS (SELECT s.*, e.day, e.version, e.score, e.origin, e.rubric_version
        FROM slots s JOIN seen e ON e.pair = s.pair AND e.dimension = s.dimension AND e.side = 'new'),
old_night AS (SELECT pair, dimension, score, rubric_version FROM seen WHERE side = 'old'),
old_card AS (SELECT pair, dimension, score, rubric_version FROM seen WHERE side = 'card'),
moved AS (
    SELECT n.pair, n.dimension,
           CASE WHEN n.from_as_of IS NULL THEN oc.score ELSE o.score END AS from_score, n.score AS to_score,
           n.origin, w.rationale, coalesce(json_extract_string(w.inputs, '$.used[*].metric'), []) AS signals,
           CASE WHEN n.from_as_of IS NOT NULL AND o.rubric_version IS NOT NULL AND n.rubric_version IS NOT NULL
                     AND o.rubric_version <> n.rubric_version THEN 'method'
                WHEN n.origin IN ('published', 'carried', 'override') THEN 'catalogue'
                ELSE 'evidence' END AS cause
    FROM new n
    JOIN old_night o USING (pair, dimension)
    JOIN old_card oc USING (pair, dimension)
    LEFT JOIN evidence_scores w ON w.role_id = n.role_id AND w.dimension = n.dimension AND w.as_of = n.day
         AND w.version = n.version
    WHERE n.score IS NOT NULL
      AND n.score IS DISTINCT FROM (CASE WHEN n.from_as_of IS NULL THEN oc.score ELSE o.score END)),
dims AS (
    SELECT m.pair,
           list({{'dimension': m.dimension, 'from': m.from_score, 'to': m.to_score, 'origin': m.origin,
                  'cause': m.cause, 'counted': p.dimensions_count, 'signals': m.signals, 'rationale': m.rationale}}
                ORDER BY array_position($dims::VARCHAR[], m.dimension)) AS dimensions,
           list(DISTINCT m.cause) FILTER (WHERE p.dimensions_count) AS dimension_causes
    FROM moved m JOIN p USING (pair)
    GROUP BY ALL)
SELECT p.role_id, t.title, p.from_as_of, p.to_as_of AS as_of, p.from_aijri, p.to_aijri,
       round(p.to_aijri - p.from_aijri, 1) AS change, p.from_zone, p.to_zone, p.from_sublabel, p.to_sublabel,
       list_filter(['evidence', 'catalogue', 'method'], lambda c: list_contains(coalesce(d.dimension_causes, []), c)
                   OR (c = 'catalogue' AND (len(p.catalogue_inputs) > 0))
                   OR (c = 'method' AND p.method_changed)) AS causes,
       p.catalogue_edited, p.method_changed, p.catalogue_inputs AS inputs,
       coalesce(d.dimensions, []) AS dimensions
FROM p LEFT JOIN dims d USING (pair)
LEFT JOIN role_titles t USING (role_id)
ORDER BY p.to_as_of DESC, abs(p.to_aijri - p.from_aijri) DESC, p.role_id
