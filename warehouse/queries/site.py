"""The site's reads: latest results and evidence, the score movements and their causes, lineage and night health."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from core.catalogue import DIMENSIONS
from warehouse.queries.common import records

# --------------------------------------------------------------------------- the site

#: what a role's card shows of its latest stored result (`aijri_results`), as stored
SITE_RESULT_COLUMNS = ("task_resistance", "evidence_total", "barrier_total", "growth", "pct_time_3plus",
                       "em", "bm", "gm", "raw", "aijri_unrounded", "aijri", "zone", "sublabel", "clamped",
                       "evidence_refreshed", "override_aijri", "override_note", "methodology_version",
                       "rubric_version")


def site_latest_scores(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every role's `latest_scores` row (its newest result and the change since the one before), by role."""
    return records(con.execute("SELECT * FROM latest_scores ORDER BY role_id"))


def site_score_nights(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(role_id, as_of, aijri, zone, sublabel) of every role's every night, by role and night.

    Plain tuples: years of nightly history are millions of rows and the charts need these only.
    """
    return con.execute(
        "SELECT role_id, as_of, aijri, zone, sublabel FROM score_history ORDER BY role_id, as_of").fetchall()


def site_latest_results(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The stored result of every role's latest night (its newest version): the inputs, the
    modifiers, the score, zone and sub-label and the versions, as the nightly wrote them."""
    return records(con.execute(
        "WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id)"
        f" SELECT a.role_id, a.as_of, {', '.join(f'a.{c}' for c in SITE_RESULT_COLUMNS)}"
        " FROM aijri_results a JOIN d ON a.role_id = d.role_id AND a.as_of = d.as_of"
        " QUALIFY row_number() OVER (PARTITION BY a.role_id ORDER BY a.version DESC) = 1 ORDER BY a.role_id"))


def site_evidence_in_force(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per role, the newest evidence row of each dimension on or before the role's latest result
    (not every stored version), by role, dimension and date."""
    return records(con.execute(
        "SELECT e.role_id, e.dimension, e.as_of, e.version, e.score, e.origin, e.status, e.confidence, e.age_days,"
        " e.rationale, e.inputs, e.rubric_version"
        " FROM evidence_history e JOIN latest_scores l USING (role_id) WHERE e.as_of <= l.as_of"
        " QUALIFY row_number() OVER (PARTITION BY e.role_id, e.dimension ORDER BY e.as_of DESC) = 1"
        " ORDER BY e.role_id, e.dimension, e.as_of"))


def site_role_documents(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The JSON document of every role as most recently loaded (`catalogue_versions`), by role."""
    return [doc for (doc,) in con.execute(
        "SELECT c.document FROM catalogue_versions c JOIN role_titles t"
        " ON c.role_id = t.role_id AND c.content_hash = t.catalogue_hash ORDER BY c.role_id").fetchall()]


# --------------------------------------------------------------------------- score movements

_MOVEMENTS_SQL = (Path(__file__).parent / "movements.sql").read_text(encoding="utf-8")
_NIGHT_PAIRS = ("SELECT * FROM (SELECT role_id, lag(as_of) OVER (PARTITION BY role_id ORDER BY as_of) AS from_as_of,"
                " as_of AS to_as_of FROM (SELECT DISTINCT role_id, as_of FROM aijri_results))"
                " WHERE ($since IS NULL OR to_as_of >= $since) AND ($until IS NULL OR to_as_of <= $until)")
_MOVED = ("p.from_aijri IS NOT NULL AND (p.from_aijri <> p.to_aijri OR p.from_zone IS DISTINCT FROM p.to_zone"
          " OR p.from_sublabel IS DISTINCT FROM p.to_sublabel)")


def score_movements(con: duckdb.DuckDBPyConnection, since: date | None = None,
                    until: date | None = None) -> list[dict]:
    """Every role and night whose AIJRI, zone or sub-label moved since the role's night before (its
    first night: since its published card), dated `since`..`until`, newest first: by how much, the
    dimensions and signals that moved, and the causes (evidence, catalogue, method; `movements.sql`)."""
    return records(con.execute(_MOVEMENTS_SQL.format(pairs=_NIGHT_PAIRS, where=_MOVED),
                               {"dims": list(DIMENSIONS), "since": since, "until": until}))


def movement_causes(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, date | None, date]]) -> list[dict]:
    """What moved between each (role_id, from_as_of, to_as_of) pair of results, and why (the
    attribution of `score_movements`, for crossings that span several nights)."""
    if not pairs:
        return []
    frame = pd.DataFrame(list(pairs), columns=["role_id", "from_as_of", "to_as_of"])
    frame = frame.assign(from_as_of=pd.to_datetime(frame["from_as_of"]), to_as_of=pd.to_datetime(frame["to_as_of"]))
    con.register("_movement_pairs", frame)
    try:
        return records(con.execute(_MOVEMENTS_SQL.format(
            pairs="SELECT role_id, CAST(from_as_of AS DATE) AS from_as_of, CAST(to_as_of AS DATE) AS to_as_of"
                  " FROM _movement_pairs", where="true"), {"dims": list(DIMENSIONS)}))
    finally:
        con.unregister("_movement_pairs")


# --------------------------------------------------------------------------- the site: lineage and night health

_LINEAGE_KEYS = ('[{"fetch_id": "VARCHAR", "series_key": "VARCHAR", "subject": "VARCHAR", "metric": "VARCHAR",'
                 ' "period_end": "DATE", "source": "VARCHAR"}]')


def site_lineage(con: duckdb.DuckDBPyConnection, sample: int = 6) -> list[dict]:
    """Per role, metric of its latest night and fetch behind it: the source, URL, fetch time and
    sha256 of the raw bytes, how many observations came from it and the newest `sample` of them."""
    # Each distinct lineage set is unnested and matched to its observations once, then handed to
    # every role x metric holding it (roles sharing a lookup key share their sets): half the time
    # of unnesting per role at 1,000 roles. Ties in fetch time are ordered by source and fetch.
    return records(con.execute(f"""
        WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id),
        n AS (SELECT m.role_id, m.metric, m.lineage_id FROM metrics m JOIN d USING (role_id, as_of)
              QUALIFY row_number() OVER (PARTITION BY m.role_id, m.metric ORDER BY m.version DESC) = 1),
        s AS (SELECT l.lineage_id, unnest(from_json(l.lineage, '{_LINEAGE_KEYS}')) AS o FROM lineage_sets l
              WHERE l.lineage_id IN (SELECT lineage_id FROM n)),
        g AS (SELECT s.lineage_id, s.o.source AS source, s.o.fetch_id AS fetch_id, count(*) AS observations,
                     list({{'series_key': s.o.series_key, 'observed_metric': s.o.metric, 'period_end': s.o.period_end,
                            'value': obs.value, 'unit': obs.unit}} ORDER BY s.o.period_end DESC, s.o.series_key)[1:$n]
                       AS sample
              FROM s LEFT JOIN observations obs ON obs.fetch_id = s.o.fetch_id AND obs.series_key = s.o.series_key
                   AND obs.subject = s.o.subject AND obs.metric = s.o.metric AND obs.period_end = s.o.period_end
              GROUP BY ALL)
        SELECT n.role_id, n.metric AS derived_metric, g.source, g.fetch_id, f.url, f.fetched_at, f.sha256,
               g.observations, g.sample
        FROM n JOIN g USING (lineage_id) LEFT JOIN fetches f ON f.fetch_id = g.fetch_id
        ORDER BY n.role_id, derived_metric, f.fetched_at, g.source, g.fetch_id""", {"n": sample}))


def site_night_health(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest night that fetched (its run, status and as-of), each source's requests and
    failures that night, and the metrics of every role's latest night whose request failed."""
    runs = records(con.execute(
        "SELECT run_id, kind, status, as_of, started_at, finished_at,"
        " coalesce(CAST(json_extract(summary, '$.catalogue_errors') AS VARCHAR[]), []) AS catalogue_errors FROM runs"
        " WHERE run_id IN (SELECT run_id FROM source_health) ORDER BY started_at DESC LIMIT 1"))
    if not runs:
        return None
    sources = records(con.execute(
        "SELECT source, requests, ok, unchanged, failed, outcomes FROM source_health WHERE run_id = ?"
        " ORDER BY source", [runs[0]["run_id"]]))
    failed_inputs = records(con.execute(
        "WITH d AS (SELECT role_id, max(as_of) AS as_of FROM aijri_results GROUP BY role_id)"
        " SELECT m.role_id, m.metric, m.note FROM metrics m JOIN d USING (role_id, as_of)"
        " QUALIFY row_number() OVER (PARTITION BY m.role_id, m.metric ORDER BY m.version DESC) = 1"
        "   AND m.status = 'request_failed' ORDER BY m.role_id, m.metric"))
    return {**runs[0], "sources": sources, "failed_inputs": failed_inputs}


def night_health_stamp(con: duckdb.DuckDBPyConnection) -> list:
    """What the site's night banner rests on, without dates: the newest fetching night's status,
    its failing sources and its skipped role files. A recovery changes it; a steady state does not."""
    row = con.execute(
        "WITH r AS (SELECT run_id, status, summary FROM runs WHERE run_id IN (SELECT run_id FROM source_health)"
        "           ORDER BY started_at DESC LIMIT 1)"
        " SELECT r.status, list(h.source ORDER BY h.source) FILTER (WHERE h.failed > 0),"
        "        coalesce(CAST(json_extract(any_value(r.summary), '$.catalogue_errors') AS VARCHAR[]), [])"
        " FROM r LEFT JOIN source_health h USING (run_id) GROUP BY r.status").fetchone()
    return [] if row is None else [row[0], row[1] or [], row[2]]
