"""Colours, value formatting and safe text for the dashboard (pure, no Streamlit)."""
from __future__ import annotations

import math
import re
from typing import Any

# Okabe–Ito: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
MUTED = "#8A8F98"  # vanity and adoption: context, never the result
MUTED_TEXT = "#5F6670"
OUTCOME = OKABE_ITO["blue"]
HARM = OKABE_ITO["vermillion"]
EFFICIENCY = OKABE_ITO["bluish_green"]
GRID = "#E6E8EB"

FAMILY_COLOURS = {
    "vanity": MUTED,
    "adoption": MUTED,
    "outcome": OUTCOME,
    "harm": HARM,
    "efficiency": EFFICIENCY,
}
CONTEXT_FAMILIES = ("vanity", "adoption")
RESULT_FAMILIES = ("outcome", "harm")

# Series colours for platforms; vermillion stays reserved for harm.
SERIES = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "reddish_purple",
                                 "sky_blue", "black", "yellow")]


def family_colour(family: str) -> str:
    """The colour a metric family is drawn in."""
    return FAMILY_COLOURS.get(family, OUTCOME)


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing values."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except (TypeError, ValueError):
        return False


def unit_kind(unit: str | None) -> str:
    unit = (unit or "").lower()
    if unit in ("percent", "%", "share", "rate", "ratio_pct", "pct", "proportion"):
        return "percent"
    if unit in ("hours", "hour", "h"):
        return "hours"
    if unit in ("currency", "money", "value", "cost"):
        return "currency"
    if unit in ("ratio", "roi", "multiple"):
        return "ratio"
    if unit.startswith("per 100") or unit in ("per_100", "per100"):
        return "per_100"
    return "count"


def format_value(value: Any, unit: str | None, currency: str = "", fmt: str | None = None) -> str:
    """A value as people read it: 1,234 · 42% · 3.5 h · 1,200 EUR · — (the catalog's format
    when it has one, except for money, which gets its currency)."""
    if is_missing(value):
        return "—"
    value = float(value)
    kind = unit_kind(unit)
    if fmt and kind != "currency":
        try:
            return fmt.format(value)
        except (ValueError, TypeError):
            pass
    if kind == "percent":
        return f"{value * 100:.0f}%"
    if kind == "hours":
        return f"{value:.1f} h"
    if kind == "currency":
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
        return f"{text} {currency}".strip()
    if kind == "ratio":
        return f"{value * 100:+.0f}%"
    if kind == "per_100":
        return f"{value:.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_change(current: Any, previous: Any, unit: str | None, currency: str = "") -> str | None:
    """The change from the previous week, signed; None when either side is undefined."""
    if is_missing(current) or is_missing(previous):
        return None
    diff = float(current) - float(previous)
    if diff == 0:
        return "no change"
    kind = unit_kind(unit)
    if kind in ("percent", "ratio"):
        return f"{diff * 100:+.0f} pts"
    if kind == "hours":
        return f"{diff:+.1f} h"
    if kind == "currency":
        return f"{diff:+,.0f} {currency}".strip()
    if kind == "per_100":
        return f"{diff:+.1f}"
    return f"{diff:+,.0f}" if diff.is_integer() else f"{diff:+,.1f}"


def people(count: int) -> str:
    """1 person, 2 people."""
    return "1 person" if count == 1 else f"{count:,} people"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:$~=&\"'])")
_AUTOLINK = re.compile(r"(://|www\.|@)", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def escape_markdown(text: Any) -> str:
    """Text that Streamlit's Markdown shows literally: no links, images, HTML or directives.

    Backslashes neutralise the Markdown syntax; a zero-width space breaks the bare URLs and
    e-mail addresses that GitHub-flavoured Markdown would otherwise turn into links.
    """
    text = "" if text is None else str(text)
    text = text.replace("\r", " ").replace("\n", " ")
    text = _AUTOLINK.sub(lambda m: m[0][0] + ZERO_WIDTH_SPACE + m[0][1:], text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
