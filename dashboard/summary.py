"""Shape metric results for display: this week's value, the change, the trend (pure, no Streamlit).

A page runs these on every visit, so they read the results once as plain values: pandas'
pivots and groupbys over Arrow-backed strings cost a tenth of a second each here.
"""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from dashboard import theme

FUNNEL = (  # (metric, label): from effort to results
    ("messages_sent", "Messages we sent"),
    ("messages_to_us", "Messages people sent us"),
    ("conversations_with_us", "Two-way conversations with us"),
    ("new_reciprocal_relationships", "New reciprocal relationships"),
    ("referrals", "Referrals"),
)


def cards(results: pd.DataFrame, catalog: pd.DataFrame, week: str, previous: str,
          currency: str = "") -> pd.DataFrame:
    """One row per catalog metric: value and change as text, family, unit, help text."""
    values = weekly_values(results)
    rows = []
    for metric in catalog.to_dict("records"):
        current = values.get((metric["name"], week))
        before = values.get((metric["name"], previous))
        rows.append({
            "name": metric["name"], "label": metric["label"], "family": metric["family"],
            "unit": metric["unit"], "direction": metric["direction"],
            "value": current, "previous": before,
            "change": None if current is None or before is None else current - before,
            "value_text": theme.format_value(current, metric["unit"], currency,
                                             metric.get("fmt")),
            "change_text": theme.format_change(current, before, metric["unit"], currency),
            "help": help_text(metric["description"], metric["definition"]),
            "definition_text": plain_help(metric["description"], metric["definition"]),
        })
    return pd.DataFrame(rows)


def weekly_values(results: pd.DataFrame) -> dict[tuple[str, str], float | None]:
    """(metric, week) → value, None where undefined (the first defined one if a pair repeats)."""
    found: dict[tuple[str, str], float | None] = {}
    if not len(results):
        return found
    for metric, week, value in zip(results["metric"].tolist(), results["week"].tolist(),
                                   results["value"].tolist()):
        if found.get((metric, week)) is None:
            found[(metric, week)] = None if theme.is_missing(value) else float(value)
    return found


def help_text(description: str, definition: str) -> str:
    """The tooltip of a metric: what it is, then exactly how it is counted."""
    parts = [theme.escape_markdown(description)] if description else []
    if definition:
        parts.append("Definition: " + theme.escape_markdown(definition))
    return "\n\n".join(parts) or "No definition recorded."


def plain_help(description: str, definition: str) -> str:
    """The same tooltip as plain text, for an HTML title attribute (escaped where it is used)."""
    parts = [description] if description else []
    if definition:
        parts.append("Definition: " + definition)
    return "\n\n".join(parts) or "No definition recorded."


class Trend(NamedTuple):
    """A metric's weeks, oldest first, and its value in each (None where undefined)."""

    weeks: list[str]
    values: list[float | None]


def trends(results: pd.DataFrame) -> dict[str, Trend]:
    """Every metric's trend, in one pass over the results (a page draws a score of them)."""
    found: dict[str, Trend] = {}
    for (metric, week), value in sorted(weekly_values(results).items()):
        trend = found.setdefault(metric, Trend([], []))
        trend.weeks.append(week)
        trend.values.append(value)
    return found


def delta_colour(family: str, direction: str) -> str:
    """Streamlit's delta colour: context is never coloured; results by their good direction."""
    if family in theme.CONTEXT_FAMILIES:
        return "off"
    return "inverse" if str(direction).lower() in ("down", "lower", "-1") else "normal"


def funnel_stages(cards_frame: pd.DataFrame, extra: dict[str, float] | None = None
                  ) -> list[tuple[str, float | None]]:
    """The funnel's stages, with this week's values (from the catalog, or `extra`)."""
    values = dict(zip(cards_frame["name"], cards_frame["value"])) if len(cards_frame) else {}
    values.update(extra or {})
    return [(label, values.get(name)) for name, label in FUNNEL if name in values]
