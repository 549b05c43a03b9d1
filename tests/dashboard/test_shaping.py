"""Pure pieces of the dashboard: formatting, safe text, cost validation, uploads, figures."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from dashboard import bookkeeping, figures, summary, theme, uploads


@pytest.mark.parametrize("value, unit, fmt, currency, expected", [
    (1234, "people", "{:,.0f}", "", "1,234"),
    (0.4213, "share", "{:.0%}", "", "42%"),
    (3.25, "hours", "{:,.1f} h", "", "3.2 h"),
    (12345.678, "currency", "{:,.2f}", "EUR", "12,346 EUR"),
    (42.5, "currency", "{:,.2f}", "EUR", "42.50 EUR"),
    (-0.25, "ratio", "{:.0%}", "", "-25%"),
    (None, "count", "{:,.0f}", "", "—"),
    (float("nan"), "share", "{:.0%}", "", "—"),
    (7, "per 100 messages", None, "", "7.0"),
])
def test_format_value(value, unit, fmt, currency, expected) -> None:
    assert theme.format_value(value, unit, currency, fmt) == expected


@pytest.mark.parametrize("current, previous, unit, expected", [
    (12, 10, "count", "+2"),
    (10, 12, "people", "-2"),
    (0.5, 0.25, "share", "+25 pts"),
    (4.0, 6.5, "hours", "-2.5 h"),
    (5, None, "count", None),
    (None, 5, "count", None),
    (3, 3, "count", "no change"),
])
def test_format_change(current, previous, unit, expected) -> None:
    assert theme.format_change(current, previous, unit) == expected


@pytest.mark.parametrize("hostile", [
    "![pixel](https://evil.example/p.png)",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    ":red[loud] :material/home: $x^2$",
    "**bold** _it_ `code` # heading",
])
def test_escape_markdown_leaves_no_markup(hostile: str) -> None:
    escaped = theme.escape_markdown(hostile)
    for ch in "![]()<>:*_`#$":
        # every special character is preceded by a backslash
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)


@pytest.mark.parametrize("family, direction, colour", [
    ("vanity", "up", "off"), ("adoption", "up", "off"), ("outcome", "up", "normal"),
    ("outcome", "down", "inverse"), ("harm", "down", "inverse"),
])
def test_delta_colour(family: str, direction: str, colour: str) -> None:
    assert summary.delta_colour(family, direction) == colour


def test_cards_take_this_week_and_the_previous_one() -> None:
    catalog = pd.DataFrame([{"name": "reply_rate", "label": "Reply rate", "family": "outcome",
                             "unit": "share", "fmt": "{:.0%}", "direction": "up",
                             "description": "d", "definition": "x_y * z"}])
    results = pd.DataFrame({"week": ["2026-W09", "2026-W10"], "metric": "reply_rate",
                            "value": [0.2, 0.5]})
    card = summary.cards(results, catalog, "2026-W10", "2026-W09").iloc[0]
    assert (card["value_text"], card["change_text"]) == ("50%", "+30 pts")
    assert "x\\_y \\* z" in card["help"]


@pytest.mark.parametrize("rows, written, blanks, error", [
    ([{"week": "2026-W10", "platform": "x", "hours": 2, "hourly_rate": 50, "spend": None}],
     1, 0, None),
    ([{"week": "2026-W10", "platform": "x", "hours": None, "hourly_rate": None, "spend": None}],
     0, 1, None),
    ([{"week": "2026-10", "platform": "x", "hours": 1}], 0, 0, "should look like 2026-W46"),
    ([{"week": "2025-W53", "platform": "x", "hours": 1}], 0, 0, "should look like"),
    ([{"week": "2026-W10", "platform": "", "hours": 1}], 0, 0, "platform is empty"),
    ([{"week": "2026-W10", "platform": "x", "hours": -1}], 0, 0, "should be a number ≥ 0"),
    ([{"week": "2026-W10", "platform": "x", "hours": "lots"}], 0, 0, "should be a number"),
    ([{"week": "2026-W10", "platform": "x", "hours": 1},
      {"week": "2026-W10", "platform": "x", "hours": 2}], 1, 0, "appears twice"),
    ([{"week": None, "platform": None, "hours": None}], 0, 0, None),
])
def test_validate_costs(rows, written, blanks, error) -> None:
    frame, blank_keys, errors = bookkeeping.validate_costs(pd.DataFrame(rows))
    assert (len(frame), len(blank_keys)) == (written, blanks)
    if error is None:
        assert errors == []
    else:
        assert any(error in e for e in errors), errors


def test_trends_give_each_metric_its_weeks_oldest_first() -> None:
    results = pd.DataFrame({"metric": ["a", "b", "a", "a", "b", "b"],
                            "week": ["2026-W03", "2026-W01", "2026-W01", "2026-W02", "2026-W02",
                                     "2026-W02"],
                            "value": [3.0, 10.0, 1.0, None, float("nan"), 20.0],
                            "family": ["outcome"] * 6})
    trends = summary.trends(results)
    assert trends == {"a": summary.Trend(["2026-W01", "2026-W02", "2026-W03"], [1.0, None, 3.0]),
                      "b": summary.Trend(["2026-W01", "2026-W02"], [10.0, 20.0])}
    assert summary.trends(results.iloc[0:0]) == {}


def test_changed_rows_are_the_new_and_the_edited_ones() -> None:
    base = pd.DataFrame([{"week": "2026-W10", "platform": "x", "hours": 2.0, "hourly_rate": 50.0,
                          "spend": float("nan")},
                         {"week": "2026-W10", "platform": "y", "hours": 1.0, "hourly_rate": 50.0,
                          "spend": 0.0}])
    edited = base.assign(hours=[2.0, 3.0])
    rows, _, errors = bookkeeping.validate_costs(pd.concat([edited, pd.DataFrame(
        [{"week": "2026-W11", "platform": "x", "hours": 1.0}])]))
    assert errors == []
    changed = bookkeeping.changed_rows(rows, base)
    assert list(zip(changed["week"], changed["platform"])) == [("2026-W10", "y"), ("2026-W11", "x")]


@pytest.mark.parametrize("text, columns, rows", [
    ('["x:1", "x:2"]', ["record"], 2),
    ('[{"id": "x:1", "line": 3}]', ["id", "line"], 1),
    ('{"id": "x:1"}', ["id"], 1),
    ("not json", ["record"], 1),
    (None, ["record"], 0),
])
def test_offending_frame(text, columns, rows) -> None:
    frame = bookkeeping.offending_frame(text)
    assert list(frame.columns) == columns and len(frame) == rows


@pytest.mark.parametrize("name, parts", [
    ("export.zip", ("export.zip",)),
    ("slack/general/2016-01-14.json", ("slack", "general", "2016-01-14.json")),
    ("../../etc/passwd", ("etc", "passwd")),
    ("/abs/path.json", ("abs", "path.json")),
    ("dir\\win.json", ("dir", "win.json")),
])
def test_safe_parts(name: str, parts: tuple[str, ...]) -> None:
    assert uploads.safe_parts(name) == parts


def test_safe_parts_refuses_names_without_a_file() -> None:
    with pytest.raises(ValueError, match="no usable file name"):
        uploads.safe_parts("../..")


@dataclass
class FakeUpload:  # the shape of Streamlit's UploadedFile that uploads.save reads
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def test_too_large_names_the_file_and_the_limit() -> None:
    reasons = uploads.too_large([FakeUpload("big.zip", b"x" * 3000), FakeUpload("ok.csv", b"x")],
                                per_file=2**11, total=2**20)
    assert len(reasons) == 1 and reasons[0].startswith("big.zip is")


def test_save_keeps_a_folder_whole_and_files_apart(tmp_path: Path) -> None:
    paths = uploads.save([FakeUpload("slack/users.json", b"[]"),
                          FakeUpload("slack/general/2016-01-14.json", b"[]"),
                          FakeUpload("people.zip", b"PK"), FakeUpload("../evil.csv", b"a")],
                         tmp_path)
    root = tmp_path.resolve()
    assert sorted(paths) == sorted([root / "folders" / "slack", root / "files" / "people.zip",
                                    root / "files" / "evil.csv"])
    assert (root / "folders" / "slack" / "general" / "2016-01-14.json").read_bytes() == b"[]"
    assert not (tmp_path.parent / "evil.csv").exists()


def test_save_loads_loose_files_of_one_export_together(tmp_path: Path, realdata: Path) -> None:
    slack = realdata / "slack" / "hfaran_slack_export_viewer_testarchive"
    files = [FakeUpload(p.name, p.read_bytes()) for p in slack.iterdir() if p.is_file()]
    [together] = uploads.save(files, tmp_path)
    assert together.parent == tmp_path.resolve() / "together"
    assert sorted(p.name for p in together.iterdir()) == sorted(f.name for f in files)


def test_loose_parts_of_one_export_are_named_after_their_files(tmp_path: Path, realdata: Path) -> None:
    parts = sorted((realdata / "discord").glob("zulip_dce_general_part*.json"))
    workdir = tmp_path / "rapport-upload-abc"  # as the Sources page names its folder
    [together] = uploads.save([FakeUpload(p.name, p.read_bytes()) for p in parts], workdir)
    assert together.name == "zulip_dce_general_part"
    assert uploads.strip_workdir(pd.Series([str(together)])).iloc[0] == "zulip_dce_general_part"


def test_display_name_hides_the_temporary_folder(tmp_path: Path) -> None:
    message = f"{tmp_path}/files/a.json: not an export rapport recognises"
    assert uploads.display_name(message, tmp_path) == "a.json: not an export rapport recognises"


def test_trend_draws_one_line_per_series() -> None:
    data = pd.DataFrame({"week": ["2026-W01", "2026-W02"] * 2, "platform": ["a", "a", "b", "b"],
                         "value": [0.1, 0.2, -0.5, 0.5]})
    fig = figures.trend(data, series="platform", title="ROI", unit="ratio")
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[1].y) == [-0.5, 0.5]
