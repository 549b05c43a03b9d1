"""Shape metric results for display: this week's value, the change, the trend (pure pandas)."""
from __future__ import annotations

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
    values = results.pivot_table(index="metric", columns="week", values="value",
                                 aggfunc="first", dropna=False) if len(results) else pd.DataFrame()
    rows = []
    for metric in catalog.itertuples():
        current = _at(values, metric.name, week)
        before = _at(values, metric.name, previous)
        rows.append({
            "name": metric.name, "label": metric.label, "family": metric.family,
            "unit": metric.unit, "direction": metric.direction,
            "value": current, "previous": before,
            "change": None if current is None or before is None else current - before,
            "value_text": theme.format_value(current, metric.unit, currency,
                                             getattr(metric, "fmt", None)),
            "change_text": theme.format_change(current, before, metric.unit, currency),
            "help": help_text(metric.description, metric.definition),
        })
    return pd.DataFrame(rows)


def _at(values: pd.DataFrame, metric: str, week: str) -> float | None:
    if metric not in values.index or week not in values.columns:
        return None
    value = values.at[metric, week]
    return None if theme.is_missing(value) else float(value)


def help_text(description: str, definition: str) -> str:
    """The tooltip of a metric: what it is, then exactly how it is counted."""
    parts = [theme.escape_markdown(description)] if description else []
    if definition:
        parts.append("Definition: " + theme.escape_markdown(definition))
    return "\n\n".join(parts) or "No definition recorded."


def histories(results: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The weekly values of every metric, oldest first, in one pass (a page draws a score)."""
    ordered = results[["metric", "week", "value"]].sort_values(["metric", "week"])
    return {str(name): part[["week", "value"]].reset_index(drop=True)
            for name, part in ordered.groupby("metric", sort=False)}


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
