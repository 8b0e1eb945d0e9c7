"""Every metric declares the words an analyst reads for it, once, and the readers use them."""

from __future__ import annotations

from scoring.metrics import registry


def test_every_metric_declares_its_own_label():
    labels = {m: registry.label(m) for m in registry.METRIC_NAMES}
    assert all(text and text != m for m, text in labels.items()), [m for m, t in labels.items() if t == m]
    assert len(set(labels.values())) == len(labels)  # no two signals read the same


def test_an_unknown_metric_reads_as_its_id():
    assert registry.label("no_such_metric") == "no_such_metric"
