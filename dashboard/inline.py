"""Pure functions from values to static HTML and SVG: the weekly check's sparklines and funnel.

No plotly and no JavaScript. As plotly figures, the weekly check's score of sparklines and its
funnel kept the browser busy for seconds (loading plotly.js, then drawing each figure); as an
SVG image per sparkline and a few styled boxes for the funnel they cost next to nothing. The
HTML is what `st.html` keeps after sanitising (no inline <svg>, so a sparkline is an <img>).
"""
from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from html import escape

from dashboard import theme

SPARK_HEIGHT = 48
SPARK_PAD = 6  # pixels above and below the line, room for the selected week's marker
SPARK_INSET = 4.0  # percent of the width left and right, room for the first and last markers

Point = tuple[float, float]


def spark_points(values: Sequence[float | None], height: int = SPARK_HEIGHT,
                 pad: int = SPARK_PAD) -> list[Point | None]:
    """Each week's position: x in percent of the width, y in pixels from the top; None where
    the value is undefined. The range always includes zero (as the plotly sparklines' did), so
    a change is seen against the whole rather than magnified, and equal values draw a flat line."""
    defined = [float(v) for v in values if not theme.is_missing(v)]
    low, high = min([0.0, *defined]), max([0.0, *defined])
    if high == low:  # every week zero: a flat line on the baseline
        high = low + 1.0
    span = high - low
    step = (100.0 - 2 * SPARK_INSET) / (len(values) - 1) if len(values) > 1 else 0.0
    return [None if theme.is_missing(v) else
            (SPARK_INSET + index * step if len(values) > 1 else 50.0,
             pad + (high - float(v)) / span * (height - 2 * pad))
            for index, v in enumerate(values)]


def runs(points: Sequence[Point | None]) -> list[list[Point]]:
    """The unbroken stretches of defined points (an undefined week breaks the line)."""
    stretches: list[list[Point]] = [[]]
    for point in points:
        if point is None:
            if stretches[-1]:
                stretches.append([])
        else:
            stretches[-1].append(point)
    return [s for s in stretches if s]


def sparkline_svg(values: Sequence[float | None], colour: str,
                  height: int = SPARK_HEIGHT) -> str:
    """An SVG document as wide as its box: a line through the values, a dot per defined week
    and a larger dot on the last (selected) week; gaps where a value is undefined."""
    points = spark_points(values, height)
    lines = "".join(
        f'<line x1="{a[0]:.2f}%" y1="{a[1]:.2f}" x2="{b[0]:.2f}%" y2="{b[1]:.2f}"/>'
        for stretch in runs(points) for a, b in zip(stretch, stretch[1:]))
    dots = "".join(
        f'<circle cx="{p[0]:.2f}%" cy="{p[1]:.2f}" r="{4 if i == len(points) - 1 else 2}"/>'
        for i, p in enumerate(points) if p is not None)
    colour = escape(colour)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}">'
            f'<g stroke="{colour}" stroke-width="2.5" stroke-linecap="round">{lines}</g>'
            f'<g fill="{colour}">{dots}</g></svg>')


def sparkline(weeks: Sequence[str], values: Sequence[float | None], colour: str,
              unit: str | None = None, *, label: str = "", metric: str = "",
              height: int = SPARK_HEIGHT) -> str:
    """A metric's weeks (oldest first) and values as an <img> of its sparkline; hovering it
    lists the weeks and their values."""
    picture = base64.b64encode(sparkline_svg(values, colour, height).encode()).decode()
    name = f"{label}, last {len(weeks)} weeks" if label else f"last {len(weeks)} weeks"
    listing = "\n".join([name, *(f"{w}: {theme.format_value(v, unit)}"
                                 for w, v in zip(weeks, values))])
    return (f'<img class="spark" data-metric="{escape(metric)}" alt="{escape(name)}" '
            f'title="{escape(listing)}" src="data:image/svg+xml;base64,{picture}" '
            f'style="display:block;width:100%;height:{height}px">')


CONTEXT_ROW = ("display:flex;align-items:center;gap:16px;margin-bottom:16px;"
               "color:" + theme.MUTED_TEXT + ";line-height:1.6")
HELP_MARK = ("display:inline-flex;align-items:center;justify-content:center;width:16px;"
             "height:16px;margin-left:8px;border:1.5px solid #8A8F98;border-radius:50%;"
             "font-size:11px;font-weight:600;line-height:1;color:#5F6670;cursor:help;"
             "vertical-align:1px")  # Streamlit's help icon, drawn without its icon font


def _text(value: object) -> bool:
    """True for a non-empty string (a table's missing text can arrive as None or NaN)."""
    return isinstance(value, str) and bool(value)


def context_metrics(rows: Sequence[dict]) -> str:
    """The context metrics as one block: per metric its label, value and change in grey, a
    question mark whose tooltip is the definition, and its sparkline beside them.

    Each row needs label, value_text, change_text, definition_text, and the sparkline's
    weeks, values, unit and name (as `sparkline` takes them)."""
    items = []
    for row in rows:
        change = f" · {escape(row['change_text'])}" if _text(row.get("change_text")) else ""
        spark = sparkline(row["weeks"], row["values"], theme.MUTED, row["unit"],
                          label=row["label"], metric=row["name"])
        items.append(
            f'<div class="context-metric" data-metric="{escape(row["name"])}" '
            f'style="{CONTEXT_ROW}">'
            f'<div style="flex:3;min-width:0">{escape(row["label"])}<br>'
            f'<strong class="context-value">{escape(row["value_text"])}</strong>{change}'
            f'<span role="img" aria-label="Definition" title="{escape(row["definition_text"])}" '
            f'style="{HELP_MARK}">?</span></div>'
            f'<div style="flex:2;min-width:0">{spark}</div></div>')
    return f'<div class="context-metrics">{"".join(items)}</div>'


# The result tiles, drawn as Streamlit draws a bordered container with an st.metric in it.
TILE = ("border:1px solid rgba(31,35,40,0.2);border-radius:8px;padding:15px;display:flex;"
        "flex-direction:column;gap:16px;min-width:0")
# Two abreast, one column when the block is narrower than two tiles of TILE_MIN_WIDTH (on a
# phone, as st.columns stacks): a column is at least half the block (so never three), or
# TILE_MIN_WIDTH when that is more (so one below 2 × 260 + 16 px), and never wider than the
# block. No media query: the block's own width decides, with the sidebar open or closed.
TILE_GAP = 16
TILE_MIN_WIDTH = 260
TILE_GRID = (f"display:grid;gap:{TILE_GAP}px;grid-template-columns:repeat(auto-fit,"
             f"minmax(min(100%,max({TILE_MIN_WIDTH}px,calc(50% - {TILE_GAP // 2}px))),1fr))")
DELTA_STYLES = {  # (text, background) of the change pill, as st.metric colours it
    "good": ("#00523C", "rgba(0,158,115,0.1)"),
    "bad": ("#8A3C00", "rgba(213,94,0,0.1)"),
    "off": ("#484D56", "rgba(107,114,128,0.1)"),
}
ARROWS = {"up": "M4 12l1.41 1.41L11 7.83V20h2V7.83l5.58 5.59L20 12l-8-8-8 8z",
          "down": "M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z"}


def _arrow(direction: str, colour: str) -> str:
    """Streamlit's delta arrow as a small image in the pill's colour."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">'
           f'<path fill="{colour}" d="{ARROWS[direction]}"/></svg>')
    data = base64.b64encode(svg.encode()).decode()
    return (f'<img alt="" src="data:image/svg+xml;base64,{data}" '
            f'style="width:16px;height:16px;margin-right:2px">')


def delta_tone(change: float | None, colour: str) -> str:
    """good, bad or off: the pill of a change under Streamlit's delta colour (normal, inverse,
    off); no change is never coloured."""
    if change is None or theme.is_missing(change) or change == 0 or colour == "off":
        return "off"
    return "good" if (change > 0) == (colour == "normal") else "bad"


_TRAILING_DATE = re.compile(r"(\w{3}) (\d{1,2}) (\w{3})$")


def _date_together(text: str) -> str:
    """A note ending in a date like "Sun 7 Jun", that date kept on one line (a narrow tile
    would otherwise break it after the day)."""
    return _TRAILING_DATE.sub(r"\1&nbsp;\2&nbsp;\3", text)


def result_tiles(rows: Sequence[dict]) -> str:
    """The result metrics as bordered tiles two abreast (one column on a narrow screen): label
    with its definition on hover, the value, the change against the previous week in its
    good-or-bad colour, the sparkline.

    Each row needs name, label, value_text, change_text, change, definition_text, colour (the
    sparkline's), delta_colour (normal, inverse or off), and weeks, values and unit. A row
    whose `provisional` holds a note (answers can still arrive) shows it, and its change in
    grey: a rate that is still filling up is not a drop."""
    tiles = []
    for row in rows:
        change = ""
        note = row.get("provisional") if _text(row.get("provisional")) else ""
        if _text(row.get("change_text")):
            moved = None if theme.is_missing(row.get("change")) else float(row["change"])
            tone = delta_tone(moved, "off" if note else row["delta_colour"])
            text, background = DELTA_STYLES[tone]
            arrow = "" if tone == "off" and not moved else _arrow(
                "up" if moved and moved > 0 else "down", text)
            change = (f'<div style="display:flex;align-items:center;gap:8px;font-size:14px">'
                      f'<span class="result-change" data-tone="{tone}" style="display:inline-flex;'
                      f'align-items:center;padding:2px 6px 2px 4px;border-radius:9999px;'
                      f'color:{text};background:{background}">{arrow}'
                      f'{escape(row["change_text"])}</span>'
                      f'<span style="color:{theme.MUTED_TEXT}">vs previous week</span></div>')
        if note:
            change += (f'<div class="result-provisional" style="margin-top:6px;font-size:13px;'
                       f'line-height:1.4;color:{theme.MUTED_TEXT}">{_date_together(escape(note))}</div>')
        spark = sparkline(row["weeks"], row["values"], row["colour"], row["unit"],
                          label=row["label"], metric=row["name"])
        marked = ' data-provisional="true"' if note else ""
        tiles.append(
            f'<div class="result-tile" data-metric="{escape(row["name"])}"{marked} '
            f'style="{TILE}">'
            f'<div><div style="font-size:14px;line-height:1.6">{escape(row["label"])}'
            f'<span role="img" aria-label="Definition" tabindex="0" '
            f'title="{escape(row["definition_text"])}" style="{HELP_MARK}">?</span></div>'
            f'<div class="result-value" style="font-size:2.1rem;line-height:1.4;'
            f'padding-bottom:4px">{escape(row["value_text"])}</div>{change}</div>'
            f'{spark}</div>')
    return f'<div class="result-tiles" style="{TILE_GRID}">{"".join(tiles)}</div>'


FUNNEL_LABEL_WIDTH = 230  # pixels for the stage names, right-aligned beside the bars
FUNNEL_BAR_HEIGHT = 48
FUNNEL_GAP = 10  # the connector between two bars
FUNNEL_CONNECTOR = "#C9CDD3"  # between the grid and the muted bar: seen, never loud
INSIDE_SHARE = 0.12  # a bar narrower than this (of the widest) has its text beside it
_TEXT = "position:absolute;display:flex;flex-direction:column;justify-content:center;"
INSIDE = _TEXT + "inset:0;align-items:center;color:white"
BESIDE = _TEXT + "left:100%;top:0;bottom:0;padding-left:6px;color:#1F2328"


def funnel_shares(values: Sequence[float | None]) -> list[tuple[float, float | None]]:
    """Each stage's width as a share of the largest stage, and its share of the first stage
    (None when the first stage is zero); undefined stages count as zero, as plotly drew them."""
    numbers = [0.0 if theme.is_missing(v) else float(v) for v in values]
    widest = max([0.0, *numbers]) or 1.0
    first = numbers[0] if numbers else 0.0
    return [(n / widest, n / first if first else None) for n in numbers]


def funnel(stages: Sequence[tuple[str, float | None]]) -> str:
    """From effort to results as centred bars: the first stage (activity) muted, the results in
    colour, each with its count and its share of the first stage, joined by grey connectors."""
    shares = funnel_shares([value for _, value in stages])
    rows = []
    for index, ((label, value), (width, of_first)) in enumerate(zip(stages, shares)):
        if index:
            rows.append(_connector(shares[index - 1][0], width))
        count = "0" if theme.is_missing(value) else f"{float(value):,.0f}"
        share = "—" if of_first is None else f"{of_first:.0%}"
        colour = theme.MUTED if index == 0 else theme.OUTCOME
        place = INSIDE if width >= INSIDE_SHARE else BESIDE
        rows.append(
            f'<div class="funnel-stage" style="display:flex;align-items:center;'
            f'height:{FUNNEL_BAR_HEIGHT}px">'
            f'<div style="flex:0 0 {FUNNEL_LABEL_WIDTH}px;text-align:right;padding-right:16px;'
            f'font-size:15px;color:#1F2328">{escape(label)}</div>'
            f'<div style="flex:1;display:flex;justify-content:center;height:100%">'
            f'<div title="{escape(label)}: {count} ({share} of the first stage)" '
            f'style="position:relative;width:{width * 100:.2f}%;min-width:2px;height:100%;'
            f'background:{colour};font-size:15px;line-height:1.25">'
            f'<span style="{place}"><span>{count}</span><span>{share}</span></span>'
            f'</div></div></div>')
    name = "Funnel: " + ", ".join(f"{label} {0 if theme.is_missing(v) else float(v):,.0f}"
                                  for label, v in stages)
    return (f'<div class="funnel" role="img" aria-label="{escape(name)}" '
            f'style="margin:8px 16px 8px 0">{"".join(rows)}</div>')


def _connector(above: float, below: float) -> str:
    """The grey band from a bar of width `above` down to the next one, of width `below`."""
    top, bottom = (50 - above * 50, 50 + above * 50), (50 - below * 50, 50 + below * 50)
    return (f'<div style="display:flex;height:{FUNNEL_GAP}px">'
            f'<div style="flex:0 0 {FUNNEL_LABEL_WIDTH}px"></div>'
            f'<div style="flex:1;background:{FUNNEL_CONNECTOR};clip-path:polygon({top[0]:.2f}% 0,'
            f'{top[1]:.2f}% 0,{bottom[1]:.2f}% 100%,{bottom[0]:.2f}% 100%)"></div></div>')
