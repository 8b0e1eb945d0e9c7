"""Zone-crossing alerts, detected from history (pure functions, no I/O); the alert model, the
policy and the ids every alert shares (source-health alerts: `scoring.source_alerts`).

Detection replays a role's score history night by night, like a sensor with a cursor:

* The first result of a role sets its state; nothing alerts (there is no previous state).
* A night in a different state (zone, or sub-label within the same zone) starts a *candidate*
  crossing. It alerts once it has held for `persistence_nights` consecutive nights, or at once
  when the score is at least `margin_points` past the boundary it crossed (zone changes only).
  A night back in the confirmed state drops the candidate, so a score hovering at 47.9/48.1
  never pages.
* An alert's identity hashes (kind, subject, from_state, to_state, the night the crossing
  began), so replaying the same history gives the same `alert_id`; the delivery layer keys on it.

`since` is the cursor: only alerts that *fire* after that night are returned. The replay itself
always starts from the beginning of the history, so the state at the cursor is exact.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from core.vocabulary import DIMENSION_LABELS
from scoring.aijri import ZONES, load_method

ZONE_RANK = {zone: rank for rank, zone in enumerate(ZONES)}  # Red 0, Yellow 1, Green 2
KINDS = ("zone", "sublabel", "source_health")
#: what moved a score (the causes `warehouse.queries.movement_causes` attributes), in words
CAUSE_LABELS = {"evidence": "evidence", "catalogue": "catalogue edit", "method": "method change"}


@dataclass(frozen=True)
class AlertPolicy:
    persistence_nights: int = 2
    margin_points: float = 1.0
    source_failure_nights: int = 3
    # zone boundaries: scoring/method.toml [zones] unless given
    green_min: float = field(default_factory=lambda: float(load_method().green_min))
    yellow_min: float = field(default_factory=lambda: float(load_method().yellow_min))

    def __post_init__(self) -> None:
        if self.persistence_nights < 1:
            raise ValueError("persistence_nights must be at least 1")
        if self.source_failure_nights < 1:
            raise ValueError("source_failure_nights must be at least 1")
        if self.margin_points < 0:
            raise ValueError("margin_points must not be negative")

    @classmethod
    def from_settings(cls, alerts: Mapping[str, Any] | None = None, method: Any = None) -> "AlertPolicy":
        """From the `[alerts]` table of settings.toml; zone boundaries from scoring/method.toml."""
        if method is None:
            method = load_method()
        alerts = alerts or {}
        return cls(
            persistence_nights=int(alerts.get("persistence_nights", cls.persistence_nights)),
            margin_points=float(alerts.get("margin_points", cls.margin_points)),
            source_failure_nights=int(alerts.get("source_failure_nights", cls.source_failure_nights)),
            green_min=float(method.green_min),
            yellow_min=float(method.yellow_min),
        )

    def boundary_between(self, from_zone: str, to_zone: str) -> float:
        """The boundary the score crossed to enter `to_zone` (the one adjacent to it)."""
        if ZONE_RANK[to_zone] > ZONE_RANK[from_zone]:  # up: the new zone's lower edge
            return self.green_min if to_zone == "Green" else self.yellow_min
        return self.green_min if to_zone == "Yellow" else self.yellow_min  # down: its upper edge

    def past_margin(self, from_zone: str, to_zone: str, aijri: float) -> bool:
        boundary = self.boundary_between(from_zone, to_zone)
        beyond = aijri - boundary if ZONE_RANK[to_zone] > ZONE_RANK[from_zone] else boundary - aijri
        return beyond + 1e-9 >= self.margin_points


@dataclass(frozen=True)
class Alert:
    alert_id: str
    kind: str                      # zone | sublabel | source_health
    subject: str                   # role id or source name
    as_of: date                    # the night the alert fired
    began: date                    # the night the crossing (or outage) began
    from_state: str | None
    to_state: str | None
    from_aijri: float | None = None
    to_aijri: float | None = None
    from_as_of: date | None = None  # the last night in the old state
    title: str | None = None        # role title (or source name)
    nights: int = 1                 # nights the new state had held when the alert fired
    reason: str = ""                # persistence | margin | failing | recovered
    message: str = ""
    details: dict = field(default_factory=dict, compare=False)

    @property
    def change(self) -> float | None:
        if self.from_aijri is None or self.to_aijri is None:
            return None
        return round(self.to_aijri - self.from_aijri, 1)

    def row(self) -> dict:
        """The columns of the `alerts` table this alert fills (status fields are the caller's)."""
        return {"alert_id": self.alert_id, "kind": self.kind, "subject": self.subject, "as_of": self.as_of,
                "from_state": self.from_state, "to_state": self.to_state, "from_aijri": self.from_aijri,
                "to_aijri": self.to_aijri, "message": self.message}

    def to_dict(self) -> dict:
        return asdict(self)


def alert_id(kind: str, subject: str, from_state: str | None, to_state: str | None, began: date) -> str:
    """Stable identity of one crossing: a rerun of the same night yields the same id."""
    canonical = json.dumps([kind, subject, from_state, to_state, as_date(began).isoformat()],
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def state_label(zone: str, sublabel: str | None) -> str:
    return f"{zone} ({sublabel})" if _present(sublabel) else zone


# --------------------------------------------------------------------------- zone crossings

def detect_crossings(history: pd.DataFrame, policy: AlertPolicy | None = None, *,
                     since: date | None = None) -> list[Alert]:
    """Zone and sub-label crossings from score history, with flap suppression.

    `history` has one row per role and as-of night: role_id, as_of, aijri, zone, sublabel
    (and optionally title), as in the `score_history` view. Returns the alerts that fire on a
    night after `since` (all of them when `since` is None), oldest first. Messages are empty:
    `describe_crossing` writes them.
    """
    policy = policy or AlertPolicy()
    if history is None or history.empty:
        return []
    cursor = None if since is None else as_date(since)
    out: list[Alert] = []
    # A role that held one zone and sub-label all along cannot have crossed; nearly every role is
    # such a role on a given night, so only the others are replayed night by night.
    sublabel = history["sublabel"] if "sublabel" in history else pd.Series("", index=history.index)
    state = history["zone"].astype("string") + "\x1f" + sublabel.astype("string").fillna("")
    moved = state.groupby(history["role_id"]).transform("nunique") > 1
    history = history[moved.to_numpy()]
    if history.empty:
        return []
    frame = history.assign(_night=[as_date(v) for v in history["as_of"]]).sort_values(["role_id", "_night"],
                                                                                        kind="stable")
    # Plain column lists cut at each role's boundary: a frame (and its records) per role cost
    # more than the replay itself.
    none = [None] * len(frame)
    columns = (frame["_night"].tolist(), frame["aijri"].astype("float64").tolist(),
               [str(v) for v in frame["zone"].tolist()],
               [_clean(v) for v in (frame["sublabel"].tolist() if "sublabel" in frame else none)],
               [_clean(v) for v in (frame["title"].tolist() if "title" in frame else none)])
    nights_all = list(zip(*columns))
    roles = [str(v) for v in frame["role_id"].tolist()]
    starts = [i for i in range(len(roles)) if i == 0 or roles[i] != roles[i - 1]] + [len(roles)]
    for begin, end in zip(starts, starts[1:]):
        for alert in _replay_role(roles[begin], nights_all[begin:end], policy):
            if cursor is None or alert.as_of > cursor:
                out.append(alert)
    return sorted(out, key=lambda a: (a.as_of, a.subject, a.kind))


def _replay_role(role_id: str, nights: list[tuple], policy: AlertPolicy) -> Iterable[Alert]:
    confirmed: tuple[str, str | None] | None = None   # (zone, sublabel) last accepted
    last_in_confirmed: tuple[date, float] | None = None
    candidate: tuple | None = None                     # what the streak counts: a zone, or a sub-label
    began: date | None = None
    streak = 0
    for night, aijri, zone, sublabel, title in nights:
        state = (zone, sublabel)
        if confirmed is None:
            confirmed, last_in_confirmed = state, (night, aijri)
            continue
        if state == confirmed:
            candidate, began, streak = None, None, 0
            last_in_confirmed = (night, aijri)
            continue
        zone_change = zone != confirmed[0]
        # Nights in a new zone count towards persistence whatever their sub-label.
        key = ("zone", zone) if zone_change else ("sublabel", zone, sublabel)
        if key != candidate:
            candidate, began, streak = key, night, 0
        streak += 1
        by_margin = zone_change and policy.past_margin(confirmed[0], zone, aijri)
        if streak >= policy.persistence_nights or by_margin:
            kind = "zone" if zone_change else "sublabel"
            from_state, to_state = state_label(*confirmed), state_label(*state)
            assert began is not None and last_in_confirmed is not None
            yield Alert(
                alert_id=alert_id(kind, role_id, from_state, to_state, began),
                kind=kind, subject=role_id, as_of=night, began=began,
                from_state=from_state, to_state=to_state,
                from_aijri=last_in_confirmed[1], to_aijri=aijri, from_as_of=last_in_confirmed[0],
                title=title or role_id, nights=streak,
                reason="persistence" if streak >= policy.persistence_nights else "margin",
            )
            confirmed, last_in_confirmed = state, (night, aijri)
            candidate, began, streak = None, None, 0


# --------------------------------------------------------------------------- evidence and messages

def evidence_in_force(evidence: pd.DataFrame, role_id: str, on: date) -> dict[str, int]:
    """The newest evidence score per dimension on or before `on` (evidence_history rows)."""
    if evidence is None or evidence.empty:
        return {}
    day = as_date(on)
    held: dict[str, tuple[date, int]] = {}
    rows = evidence[evidence["role_id"] == role_id]
    for r in rows.to_dict("records"):
        d = as_date(r["as_of"])
        if d > day:
            continue
        prev = held.get(r["dimension"])
        if prev is None or d >= prev[0]:
            held[r["dimension"]] = (d, int(r["score"]))
    return {k: v for k, (_, v) in held.items()}


def evidence_moves(evidence: pd.DataFrame, role_id: str, before: date | None, after: date) -> list[dict]:
    """Dimensions whose score in force differs between two nights, in dimension order."""
    if before is None:
        return []
    old = evidence_in_force(evidence, role_id, before)
    new = evidence_in_force(evidence, role_id, after)
    order = list(DIMENSION_LABELS) + sorted((set(old) | set(new)) - set(DIMENSION_LABELS))
    moves = []
    for dim in order:
        if dim in old or dim in new:
            if old.get(dim) != new.get(dim):
                moves.append({"dimension": dim, "from": old.get(dim), "to": new.get(dim)})
    return moves


def _signed(v: int | None) -> str:
    return "n/a" if v is None else f"{v:+d}"


#: the result inputs only a catalogue edit moves, as an alert names them
_INPUT_WORDS = {"task_resistance": "Task Resistance", "barrier_total": "barrier total", "growth": "AI growth",
                "evidence_total": "published evidence total"}


def describe_cause(cause: Mapping[str, Any]) -> str:
    """"Cause: catalogue edit (Company Actions +2 -> -2)." from a stored movement attribution."""
    labels = [CAUSE_LABELS.get(c, c) for c in cause.get("causes") or []]
    moved = [f"{DIMENSION_LABELS.get(d['dimension'], d['dimension'])} {_signed(d['from'])} -> {_signed(d['to'])}"
             f" ({CAUSE_LABELS.get(d['cause'], d['cause'])}" + (f": {', '.join(d['signals'])}" if d.get("signals")
                                                                else "") + ")"
             for d in cause.get("dimensions") or [] if d.get("counted", True)]
    moved += [f"{_INPUT_WORDS.get(i['input'], i['input'])} {i['from']:g} -> {i['to']:g}" for i in cause.get("inputs") or []]
    if cause.get("method_changed"):
        moved.append("methodology version changed")
    if not labels:
        return "Cause: not attributed (no stored input moved)."
    return f"Cause: {' and '.join(labels)}" + (f" ({'; '.join(moved)})." if moved else ".")


def describe_crossing(alert: Alert, moves: list[dict], link: str | None, cause: Mapping[str, Any] | None = None) -> str:
    """The human message: role, old and new zone, score change, what moved it and why, page link.

    With `cause` (a stored movement attribution, `warehouse.queries.movement_causes`) the message
    names the cause (evidence, a catalogue edit, a method change) instead of listing evidence moves.
    """
    verb = "crossed" if alert.kind == "zone" else "changed sub-label"
    change = alert.change
    parts = [
        f"{alert.title or alert.subject} ({alert.subject}) {verb}: {alert.from_state} -> {alert.to_state}.",
        f"AIJRI {alert.from_aijri:.1f} ({iso(alert.from_as_of)}) -> {alert.to_aijri:.1f} ({iso(alert.as_of)}),"
        f" change {change:+.1f} points." if change is not None else "",
        f"Began {iso(alert.began)}; held {alert.nights} night(s)"
        + (" (past the margin)." if alert.reason == "margin" else "."),
    ]
    if cause is not None:
        parts.append(describe_cause(cause))
    elif moves:
        parts.append("Evidence moved: " + ", ".join(
            f"{DIMENSION_LABELS.get(m['dimension'], m['dimension'])} {_signed(m['from'])} -> {_signed(m['to'])}"
            for m in moves) + ".")
    else:
        parts.append("No evidence dimension moved.")
    if link:
        parts.append(f"Role page: {link}")
    return " ".join(p for p in parts if p)


Causes = Callable[[list[tuple[str, date, date]]], list[dict]]


def zone_alerts(history: pd.DataFrame, evidence: pd.DataFrame | Callable[[str, date], pd.DataFrame] | None,
                policy: AlertPolicy | None = None, *, since: date | None = None,
                link_for: Callable[[str], str | None] | None = None, causes: Causes | None = None) -> list[Alert]:
    """`detect_crossings` with each alert's evidence moves and message filled in.

    `evidence` is an evidence_history frame, or a function (role_id, night) -> that role's
    rows up to the night, for callers that should not hold every role's evidence at once.
    `causes`, when given, attributes every crossing at once: it takes the (role, last night in
    the old state, night the alert fired) pairs and returns their movement rows (role_id,
    from_as_of, as_of, causes, dimensions, inputs), as `warehouse.queries.movement_causes` does;
    each alert then carries that cause (`details["cause"]`) and names it in its message.
    """
    found = detect_crossings(history, policy, since=since)
    attributed: dict[tuple, dict] = {}
    if causes is not None and found:
        for row in causes([(a.subject, a.from_as_of, a.as_of) for a in found]):
            key = (row["role_id"], as_date(row["from_as_of"]) if row.get("from_as_of") is not None else None,
                   as_date(row["as_of"]))
            attributed[key] = {k: row.get(k) for k in ("causes", "dimensions", "inputs", "catalogue_edited",
                                                        "method_changed")}
    out = []
    for a in found:
        cause = attributed.get((a.subject, a.from_as_of, a.as_of)) if causes is not None else None
        if cause is not None:
            moves = [{"dimension": d["dimension"], "from": d["from"], "to": d["to"], "cause": d["cause"]}
                     for d in cause["dimensions"] or [] if d.get("counted", True)]
        else:
            rows = evidence(a.subject, a.as_of) if callable(evidence) else evidence
            moves = evidence_moves(rows, a.subject, a.from_as_of, a.as_of) if rows is not None else []
        link = link_for(a.subject) if link_for else None
        details = {"evidence_moves": moves, "link": link, **({"cause": cause} if cause is not None else {})}
        out.append(replace(a, message=describe_crossing(a, moves, link, cause), details=details))
    return out


# --------------------------------------------------------------------------- helpers

def as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def iso(value: date | None) -> str:
    return "?" if value is None else value.isoformat()


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return value is not pd.NA and str(value) != ""


def _clean(value: Any) -> str | None:
    return str(value) if _present(value) else None
