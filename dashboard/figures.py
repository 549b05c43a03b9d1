"""Pure functions from DataFrames to plotly figures (no Streamlit, no database)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme

FONT = dict(family="Source Sans Pro, Source Sans 3, Arial, sans-serif", size=15, color="#1F2328")


def _base(fig: go.Figure, *, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height,
        margin=dict(l=8, r=16, t=44 if title else 8, b=8),
        title=dict(text=title, font=dict(size=17), x=0, xanchor="left", xref="paper") if title else None,
        font=FONT,
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel=dict(font_size=14),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0,
                    font=dict(size=13)),
    )
    fig.update_xaxes(type="category", showgrid=False, linecolor=theme.GRID, automargin=True,
                     tickangle=0)
    _week_ticks(fig)
    fig.update_yaxes(gridcolor=theme.GRID, zeroline=True, zerolinecolor=theme.GRID,
                     rangemode="tozero", automargin=True)
    return fig


def _week_ticks(fig: go.Figure, most: int = 7) -> None:
    """Label at most `most` weeks on a week axis, as W46 (the full label stays in the hover)."""
    weeks = sorted({x for trace in fig.data if getattr(trace, "x", None) is not None
                    for x in trace.x if isinstance(x, str) and "-W" in x})
    if not weeks:
        return
    step = max(1, -(-len(weeks) // most))
    shown = weeks[::-1][::step][::-1]  # always label the latest week
    years = sorted({w[:4] for w in weeks})
    fig.update_xaxes(tickmode="array", tickvals=shown, ticktext=[w[5:] for w in shown],
                     title=dict(text=" – ".join(dict.fromkeys([years[0], years[-1]])),
                                font=dict(size=13, color=theme.MUTED_TEXT), standoff=4))


def _whole_counts(fig: go.Figure, unit: str | None) -> None:
    """Counts get whole-number ticks, even when every value is small."""
    if theme.unit_kind(unit) != "count":
        return
    values = [v for trace in fig.data for v in (trace.y or []) if v is not None and v == v]
    if not values or max(values) <= 5:
        fig.update_yaxes(dtick=1, range=[0, max([*values, 0]) + 1])


def _hover_format(unit: str | None) -> str:
    kind = theme.unit_kind(unit)
    return {"percent": ".0%", "ratio": ".0%", "hours": ".1f", "currency": ",.0f"}.get(kind, ",.1~f")


def trend(data: pd.DataFrame, *, series: str, title: str | None = None, unit: str | None = None,
          colours: dict[str, str] | None = None, height: int = 320) -> go.Figure:
    """Lines of `value` by `week`, one per value of the `series` column."""
    fig = go.Figure()
    names = list(dict.fromkeys(data[series])) if len(data) else []
    for index, name in enumerate(names):
        part = data[data[series] == name].sort_values("week")
        colour = (colours or {}).get(name, theme.SERIES[index % len(theme.SERIES)])
        fig.add_trace(go.Scatter(
            x=list(part["week"]), y=list(pd.to_numeric(part["value"], errors="coerce")),
            name=str(name), mode="lines+markers", line=dict(color=colour, width=3),
            marker=dict(size=6), connectgaps=False,
            hovertemplate="%{x}: %{y:" + _hover_format(unit) + "}<extra>" + str(name) + "</extra>",
        ))
    if unit and theme.unit_kind(unit) in ("percent", "ratio"):
        fig.update_yaxes(tickformat=".0%")
    _base(fig, height=height, title=title)
    fig.update_layout(showlegend=len(names) > 1)
    _whole_counts(fig, unit)
    if theme.unit_kind(unit) == "ratio":
        fig.update_yaxes(rangemode="normal")
    return fig


def cost_and_value(data: pd.DataFrame, *, title: str | None = None, currency: str = "") -> go.Figure:
    """Bars of cost (muted) beside referral value (colour) by week."""
    data = data.sort_values("week")
    fig = go.Figure([
        go.Bar(x=list(data["week"]), y=list(data["cost"]), name="Cost",
               marker_color=theme.MUTED),
        go.Bar(x=list(data["week"]), y=list(data["referral_value"]),
               name="Referral value", marker_color=theme.EFFICIENCY),
    ])
    fig.update_layout(barmode="group")
    fig = _base(fig, height=320, title=title)
    if currency:
        fig.update_yaxes(title=dict(text=currency, font=dict(size=13, color=theme.MUTED_TEXT)))
    return fig


QUALITY_COLOURS = {"passed": theme.OKABE_ITO["sky_blue"], "warned": theme.OKABE_ITO["orange"],
                   "failed": theme.HARM, "could not run": theme.MUTED}


def quality_by_week(data: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Stacked bars of checks passed, warned, failed and could not run, per week."""
    data = data.sort_values("week")
    fig = go.Figure([
        go.Bar(x=list(data["week"]), y=list(data[column]), name=column,
               marker_color=QUALITY_COLOURS[column])
        for column in QUALITY_COLOURS if column in data
    ])
    fig.update_layout(barmode="stack", legend_traceorder="normal",
                      bargap=0.7 if len(data) <= 3 else 0.25)
    return _base(fig, height=300, title=title)
