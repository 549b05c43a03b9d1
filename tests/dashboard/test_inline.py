"""The weekly check's static sparklines and funnel, as pure functions of their values."""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from dashboard import inline, theme

SVG = "{http://www.w3.org/2000/svg}"
TOP, BOTTOM = inline.SPARK_PAD, inline.SPARK_HEIGHT - inline.SPARK_PAD


def close(value):
    """Equal to the two decimals the SVG is written with."""
    return pytest.approx(value, abs=0.006)


def drawn(svg: str) -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float, float]]]:
    """The lines (x1, y1, x2, y2) and dots (x, y, r) of a sparkline SVG, x in percent."""
    root = ET.fromstring(svg)
    number = lambda text: float(text.rstrip("%"))  # noqa: E731
    lines = [tuple(number(e.get(k)) for k in ("x1", "y1", "x2", "y2"))
             for e in root.iter(f"{SVG}line")]
    dots = [tuple(number(e.get(k)) for k in ("cx", "cy", "r")) for e in root.iter(f"{SVG}circle")]
    return lines, dots


def img_attributes(html: str) -> dict[str, str]:
    """The attributes of the one <img> in `html`, unescaped as a browser reads them."""
    found: list[dict[str, str]] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                found.append(dict(attrs))

    Reader().feed(html)
    assert len(found) == 1, html
    return found[0]


def picture(html: str) -> str:
    """The SVG document inside a sparkline <img>."""
    source = img_attributes(html)["src"]
    prefix = "data:image/svg+xml;base64,"
    assert source.startswith(prefix)
    return base64.b64decode(source[len(prefix):]).decode()


@pytest.mark.parametrize("values, ys", [
    ([0, 5, 10], [BOTTOM, (TOP + BOTTOM) / 2, TOP]),           # zero at the bottom, the top value on top
    ([10, 5, 0], [TOP, (TOP + BOTTOM) / 2, BOTTOM]),
    ([4, 4, 4], [TOP, TOP, TOP]),                              # equal values: a flat line (zero is below)
    ([0, 0, 0], [BOTTOM, BOTTOM, BOTTOM]),                     # all zero: flat on the baseline
    ([-10, 0, 10], [BOTTOM, (TOP + BOTTOM) / 2, TOP]),         # a negative week goes below zero
    ([2, None, 6], [TOP + (BOTTOM - TOP) * 4 / 6, None, TOP]),  # an undefined week has no point
    ([None, None], [None, None]),
])
def test_spark_points_follow_the_values(values, ys) -> None:
    points = inline.spark_points(values)
    assert [None if p is None else pytest.approx(p[1]) for p in points] == ys


def test_spark_points_spread_the_weeks_evenly_across_the_width() -> None:
    xs = [p[0] for p in inline.spark_points([1, 2, 3, 4, 5])]
    assert xs[0] == inline.SPARK_INSET and xs[-1] == 100 - inline.SPARK_INSET
    steps = {round(b - a, 9) for a, b in zip(xs, xs[1:])}
    assert len(steps) == 1
    assert inline.spark_points([7]) == [(50.0, TOP)]  # one week: a dot in the middle


@pytest.mark.parametrize("values, stretches", [
    ([1, 2, 3], [3]),
    ([1, None, 3, 4], [1, 2]),
    ([None, 1, 2, None], [2]),
    ([1, None, None, 2, None, 3], [1, 1, 1]),
    ([None, None], []),
])
def test_an_undefined_week_breaks_the_line(values, stretches) -> None:
    assert [len(r) for r in inline.runs(inline.spark_points(values))] == stretches


def test_the_svg_draws_a_segment_between_defined_neighbours_and_a_dot_per_week() -> None:
    values = [3, 5, None, 4, 4]
    lines, dots = drawn(inline.sparkline_svg(values, theme.OUTCOME))
    points = inline.spark_points(values)
    assert lines == [close((*points[0], *points[1])),
                     close((*points[3], *points[4]))]  # nothing across the gap
    assert [(x, y) for x, y, _ in dots] == [close(p) for p in points if p is not None]
    assert [r for *_, r in dots] == [2, 2, 2, 4]  # the selected (last) week stands out
    assert lines[-1][1] == lines[-1][3]  # equal neighbours: a flat segment


def test_the_svg_is_drawn_in_the_family_colour() -> None:
    root = ET.fromstring(inline.sparkline_svg([1, 2], theme.HARM))
    groups = list(root.iter(f"{SVG}g"))
    assert groups[0].get("stroke") == theme.HARM and groups[1].get("fill") == theme.HARM


def test_the_sparkline_image_holds_the_weeks_and_lists_them_on_hover() -> None:
    html = inline.sparkline(["2026-W01", "2026-W02", "2026-W03"], [0.25, None, 0.5],
                            theme.OUTCOME, "share", label="Reply rate", metric="reply_rate")
    attributes = img_attributes(html)
    assert attributes["data-metric"] == "reply_rate"
    assert attributes["alt"] == "Reply rate, last 3 weeks"
    assert attributes["title"].split("\n") == [
        "Reply rate, last 3 weeks", "2026-W01: 25%", "2026-W02: —", "2026-W03: 50%"]
    assert picture(html) == inline.sparkline_svg([0.25, None, 0.5], theme.OUTCOME)


def test_the_sparkline_image_keeps_hostile_labels_as_text() -> None:
    html = inline.sparkline(['2026-W01"><script>x()</script>'], [1], "#000",
                            label='"><img src=x onerror=alert(1)>', metric='a"b')
    assert "<script>" not in html and "<img src=x" not in html
    assert img_attributes(html)["alt"].startswith('"><img src=x onerror=alert(1)>')


@pytest.mark.parametrize("values, widths, of_first", [
    ([200, 100, 50], [1.0, 0.5, 0.25], [1.0, 0.5, 0.25]),
    ([100, 120, 30], [100 / 120, 1.0, 0.25], [1.0, 1.2, 0.3]),  # a later stage can be larger
    ([0, 5], [0.0, 1.0], [None, None]),                          # no first stage: no share of it
    ([10, None], [1.0, 0.0], [1.0, 0.0]),                        # undefined counts as zero
    ([0, 0], [0.0, 0.0], [None, None]),
])
def test_funnel_shares(values, widths, of_first) -> None:
    shares = inline.funnel_shares(values)
    assert [w for w, _ in shares] == pytest.approx(widths)
    assert [f for _, f in shares] == [None if f is None else pytest.approx(f) for f in of_first]


def _stages(html: str) -> list[dict[str, str]]:
    """Per stage: its label, the bar's colour and width, and the text on or beside it."""
    found = []
    for row in html.split('class="funnel-stage"')[1:]:
        texts = re.findall(r">([^<>]+)<", row)
        found.append({"label": texts[0], "count": texts[1], "share": texts[2],
                      "colour": re.search(r"background:(#[0-9A-Fa-f]{6})", row)[1],
                      "width": re.search(r"width:([\d.]+)%", row)[1],
                      "inside": inline.INSIDE in row})
    return found


def test_funnel_mutes_effort_and_colours_results() -> None:
    html = inline.funnel([("Messages we sent", 180), ("Two-way conversations", 106),
                          ("Referrals", 3), ("New relationships", None)])
    stages = _stages(html)
    assert [s["label"] for s in stages] == ["Messages we sent", "Two-way conversations",
                                            "Referrals", "New relationships"]
    assert [s["colour"] for s in stages] == [theme.MUTED] + [theme.OUTCOME] * 3
    assert [(s["count"], s["share"]) for s in stages] == [
        ("180", "100%"), ("106", "59%"), ("3", "2%"), ("0", "0%")]
    assert [float(s["width"]) for s in stages] == [close(100), close(100 * 106 / 180),
                                                   close(100 * 3 / 180), close(0)]
    assert [s["inside"] for s in stages] == [True, True, False, False]  # narrow: text beside
    assert html.count("clip-path:polygon(") == 3  # a connector between each pair of stages


def test_funnel_keeps_hostile_labels_as_text() -> None:
    html = inline.funnel([("<script>alert(1)</script>", 5)])
    assert "<script>" not in html and "&lt;script&gt;" in html


CONTEXT_ROW = {"name": "followers", "label": "Followers", "value_text": "22,338",
               "change_text": "+168", "definition_text": "Accounts following ours.\n\nDefinition: "
               "the last audience figure of the week.", "unit": "count",
               "weeks": ["2026-W21", "2026-W22"], "values": [22170.0, 22338.0]}


@pytest.mark.parametrize("row, shown", [
    (CONTEXT_ROW, "Followers 22,338 · +168"),
    ({**CONTEXT_ROW, "change_text": None}, "Followers 22,338"),
    ({**CONTEXT_ROW, "change_text": float("nan")}, "Followers 22,338"),  # as a table gives it
    ({**CONTEXT_ROW, "label": '<img src=x onerror="alert(1)">', "value_text": "<b>1</b>"},
     '<img src=x onerror="alert(1)"> <b>1</b> · +168'),
])
def test_a_context_metric_shows_its_label_value_and_change_as_text(row, shown) -> None:
    block = inline.context_metrics([row])
    text = []

    class Reader(HTMLParser):
        def handle_data(self, data):
            text.append(data)

        def handle_starttag(self, tag, attrs):
            assert tag in ("div", "br", "strong", "span", "img"), tag  # the label is not markup
            if tag == "br":
                text.append(" ")

    Reader().feed(block)
    assert " ".join("".join(text).replace("?", "").split()) == " ".join(shown.split())


def test_each_context_metric_has_its_definition_and_a_grey_sparkline() -> None:
    rows = [CONTEXT_ROW, {**CONTEXT_ROW, "name": "impressions", "label": "Impressions"}]
    block = inline.context_metrics(rows)
    marks = re.findall(r'title="([^"]*)"[^>]*>\?</span>', block)
    assert [m.replace("&#x27;", "'") for m in marks] == [CONTEXT_ROW["definition_text"]] * 2
    images = re.findall(r'<img class="spark"[^>]*>', block)
    assert [img_attributes(i)["data-metric"] for i in images] == ["followers", "impressions"]
    assert all(f'stroke="{theme.MUTED}"' in picture(i) for i in images)
    assert picture(images[0]) == inline.sparkline_svg(CONTEXT_ROW["values"], theme.MUTED)


RESULT_ROW = {"name": "reply_rate", "label": "Reply rate", "value_text": "25%",
              "change_text": "-41 pts", "change": -0.41, "definition_text": "Replies / messages.",
              "colour": theme.OUTCOME, "delta_colour": "normal", "unit": "share",
              "weeks": ["2026-W21", "2026-W22"], "values": [0.66, 0.25]}


@pytest.mark.parametrize("change, colour, tone", [
    (3.0, "normal", "good"),     # more of an outcome
    (-3.0, "normal", "bad"),
    (3.0, "inverse", "bad"),     # more harm
    (-3.0, "inverse", "good"),
    (0.0, "normal", "off"),      # no change is never coloured
    (3.0, "off", "off"),
    (None, "normal", "off"),
])
def test_a_change_is_coloured_by_its_good_direction(change, colour, tone) -> None:
    assert inline.delta_tone(change, colour) == tone


@pytest.mark.parametrize("row, shown", [
    (RESULT_ROW, "Reply rate 25% -41 pts vs previous week"),
    ({**RESULT_ROW, "change_text": None, "change": None}, "Reply rate 25%"),
    ({**RESULT_ROW, "change_text": float("nan"), "change": float("nan")}, "Reply rate 25%"),
    ({**RESULT_ROW, "label": "<b>x</b>", "value_text": "<i>1</i>"},
     "<b>x</b> <i>1</i> -41 pts vs previous week"),
])
def test_a_result_tile_shows_its_label_value_and_change_as_text(row, shown) -> None:
    text = []

    class Reader(HTMLParser):
        def handle_data(self, data):
            text.append(" " + data)

        def handle_starttag(self, tag, attrs):
            assert tag in ("div", "span", "img"), tag  # the label and value are not markup

    Reader().feed(inline.result_tiles([row]))
    assert " ".join("".join(text).replace("?", "").split()) == shown


def test_result_tiles_have_one_sparkline_and_one_coloured_change_each() -> None:
    harm = {**RESULT_ROW, "name": "unfollows", "label": "Unfollows", "change": 12.0,
            "change_text": "+12", "colour": theme.HARM, "delta_colour": "inverse"}
    block = inline.result_tiles([RESULT_ROW, harm])
    images = re.findall(r'<img class="spark"[^>]*>', block)
    assert [img_attributes(i)["data-metric"] for i in images] == ["reply_rate", "unfollows"]
    assert f'stroke="{theme.OUTCOME}"' in picture(images[0])
    assert f'stroke="{theme.HARM}"' in picture(images[1])
    assert re.findall(r'class="result-change" data-tone="(\w+)"', block) == ["bad", "bad"]
    assert re.findall(r'title="([^"]*)"[^>]*>\?</span>', block) == ["Replies / messages."] * 2


PROVISIONAL = {**RESULT_ROW, "provisional": "provisional: replies can still arrive until Sun 7 Jun"}
SHOWN = "provisional: replies can still arrive until Sun&nbsp;7&nbsp;Jun"  # the date on one line


@pytest.mark.parametrize("row, marked, tone, note", [
    (RESULT_ROW, False, "bad", []),                       # a settled week's drop is a drop
    ({**RESULT_ROW, "provisional": None}, False, "bad", []),
    (PROVISIONAL, True, "off", [SHOWN]),  # still filling up: grey, noted
    ({**PROVISIONAL, "change_text": None, "change": None}, True, None, [SHOWN]),
    ({**PROVISIONAL, "provisional": "until Tue 27 Oct"}, True, "off", ["until Tue&nbsp;27&nbsp;Oct"]),
    ({**PROVISIONAL, "provisional": "<b>soon</b>"}, True, "off", ["&lt;b&gt;soon&lt;/b&gt;"]),
])
def test_a_provisional_tile_says_so_and_greys_its_change(row, marked, tone, note) -> None:
    block = inline.result_tiles([row])
    assert ('data-provisional="true"' in block) is marked
    tones = re.findall(r'class="result-change" data-tone="(\w+)"', block)
    assert tones == ([tone] if tone else [])
    assert re.findall(r'<div class="result-provisional" [^>]*>([^<]*)</div>', block) == note

