"""Streamlit pieces shared by the pages: metric tiles, callouts, the data-health banner."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import inline, summary, theme
from metrics.provisional import caveat

CHART_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}


def chart(fig: go.Figure, key: str, alt: str) -> None:
    """A plotly figure drawn as built (no Streamlit theme), without the mode bar."""
    st.plotly_chart(fig, key=key, theme=None, config=CHART_CONFIG, alt=alt)


def sparkline(card: Mapping, trend: summary.Trend, colour: str) -> None:
    """A metric's weekly trend as a static SVG image (no plotly, nothing to load or run)."""
    st.html(inline.sparkline(trend.weeks, trend.values, colour, card["unit"],
                             label=card["label"], metric=card["name"]))


def context_metrics(cards: list[Mapping], trends: Mapping[str, summary.Trend]) -> None:
    """The context metrics, small and grey with grey trends, as one block (never the headline)."""
    empty = summary.Trend([], [])
    st.html(inline.context_metrics([
        {**card, "weeks": trends.get(card["name"], empty).weeks,
         "values": trends.get(card["name"], empty).values} for card in cards]))


def result_tiles(cards: list[Mapping], trends: Mapping[str, summary.Trend],
                 provisional: Mapping[str, str] | None = None) -> None:
    """The outcome and harm metrics, large, each change coloured by its good direction, as one
    block of tiles two abreast; `provisional` maps a metric to its note (its answers can still
    arrive), shown in its tile with the change in grey."""
    empty = summary.Trend([], [])
    notes = provisional or {}
    st.html(inline.result_tiles([
        {**card, "colour": theme.family_colour(card["family"]),
         "delta_colour": summary.delta_colour(card["family"], card["direction"]),
         "provisional": notes.get(card["name"]),
         "weeks": trends.get(card["name"], empty).weeks,
         "values": trends.get(card["name"], empty).values} for card in cards]))


def callouts(signals: pd.DataFrame, week: str,
             provisional: Mapping[str, str] | None = None) -> int:
    """Divergence flags of the week, in plain words; returns how many were shown. A flag whose
    outcome is provisional (`provisional` maps a metric to its note) is shown as information
    with that note, not as a warning: the fall may be answers not yet arrived."""
    if signals is None or signals.empty or "message" not in signals:
        return 0
    notes = provisional or {}
    shown = 0
    for signal in signals.to_dict("records"):
        flagged = signal.get("flagged", True)
        if theme.is_missing(flagged) or not flagged or signal.get("week", week) != week \
                or theme.is_missing(signal["message"]):
            continue
        note = notes.get(signal.get("outcome_metric"))
        if note:
            st.info(theme.escape_markdown(caveat(signal["message"], note)),
                    icon=":material/hourglass_top:")
        else:
            st.warning(theme.escape_markdown(signal["message"]),
                       icon=":material/compare_arrows:")
        shown += 1
    return shown


def health_banner(failed: pd.DataFrame, week: str, link_params: dict[str, str]) -> None:
    """Say so when the week's data failed an error-level check, with the way to the details."""
    if failed is None or failed.empty:
        return
    checks = ", ".join(sorted({theme.escape_markdown(c) for c in failed["check"].dropna()}))
    st.error(f"**Data health:** {len(failed)} error-level check result(s) failed for the data "
             f"behind {week} ({checks}). The figures are shown, but treat them with care until "
             "the data is fixed.", icon=":material/report:")
    st.page_link("views/quality.py", label="See the failed checks on the Data quality page",
                 icon=":material/arrow_forward:", query_params=link_params)


def people_table(frame: pd.DataFrame, columns: Mapping[str, str], key: str,
                 height: int = 320) -> None:
    """People and their messages as an inert table (names are never Markdown or HTML)."""
    shown = frame[[c for c in columns if c in frame]].rename(columns=dict(columns))
    st.dataframe(shown, key=key, hide_index=True, width="stretch",
                 height=height if len(shown) > 8 else "auto")
