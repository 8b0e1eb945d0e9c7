"""Every read of the warehouse, as named queries (`store.write` is the one writer).

The night's steps, the CLI and the site read only through these functions, so a schema change
has one place to land and a reader never builds SQL of its own. Each returns plain Python or a
pandas frame, never a cursor. One module per reader: `night`, `alerts`, `analyst` (the CLI and
analyst SQL), `site`, `operators` (status, doctor); `common` holds what they share.
"""

from warehouse.queries.common import (  # noqa: F401
    RECENT_EVIDENCE_DAYS, CONTENT_TABLES, records,
)
from warehouse.queries.night import (  # noqa: F401
    table_stamp, content_stamps, evidence_stamp_before, run_start, http_validators, catalogue_versions_held, stored_series, refresh_state, observation_history, changed_observations, current_evidence, run_status, last_finished_as_of_until, jump_held_values, archived_fetches, compare_with_stored,
)
from warehouse.queries.alerts import (  # noqa: F401
    last_finished_as_of, score_history_since, source_health_since, alert_ids_held, ALERT_COLUMNS, alerts_to_deliver, zone_changes_on, quarantined_in_run, alerts_of_run,
)
from warehouse.queries.analyst import (  # noqa: F401
    role_results, all_observations, analyst_cursor, analyst_parameters, analyst_query, relations_with_counts, result_on_or_before, evidence_in_force, metrics_of, lineage_of, view_comments, view_columns, ANALYST_STATEMENT_TYPES, check_analyst_sql,
)
from warehouse.queries.site import (  # noqa: F401
    SITE_RESULT_COLUMNS, site_latest_scores, site_score_nights, site_latest_results, site_evidence_in_force, site_role_documents, score_movements, movement_causes, site_lineage, site_night_health, night_health_stamp,
)
from warehouse.queries.operators import (  # noqa: F401
    NIGHT_KINDS, last_night, failing_sources, stale_evidence, pending_alerts, migrations_applied,
)
