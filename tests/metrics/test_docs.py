"""docs/metrics.md is generated from the catalog and must not drift from it."""
from __future__ import annotations

from metrics import catalog as cat
from metrics.docs import DOC, render


def test_metrics_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/metrics.md is out of date: run python -m metrics.docs"


def test_every_metric_and_its_definition_appear_in_the_doc():
    text = DOC.read_text(encoding="utf-8")
    for m in cat.CATALOG:
        assert f"### {m.name.replace('_', '-')}" in text
        assert m.definition in text


def test_a_changed_catalog_changes_the_doc():
    from dataclasses import replace

    changed = tuple(replace(m, definition="something else") if m.name == "cost" else m
                    for m in cat.CATALOG)
    assert render(changed) != render()
