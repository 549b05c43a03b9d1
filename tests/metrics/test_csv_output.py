"""`rapport metrics --format csv` goes through pipelines.csvsafe: formulas are neutralised,
numbers are written as they are.

The metrics CSV carries no imported text today (week, metric, family, label and unit come from
the catalog, value is a number; the signals' message is built from catalog labels), so the
formula cases are checked on `to_csv` itself and the numbers on a real warehouse.
"""
from __future__ import annotations

import csv
import io

import pytest

from metrics import api
from metrics.cli import run_metrics, to_csv
from tests.metrics.builder import Warehouse


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("cell, written", [
    ("=HYPERLINK(\"http://x\",\"x\")", "'=HYPERLINK(\"http://x\",\"x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-A1", "'-A1"),
    ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
    ("  =1+1", "'  =1+1"),  # spreadsheets skip the leading spaces
    ("Reply rate", "Reply rate"),
    ("-2", "-2"),  # a plain number written as text stays a number
    (-0.41, "-0.41"),
    (None, ""),
])
def test_a_text_cell_that_a_spreadsheet_would_run_gets_a_quote_numbers_do_not(cell, written):
    text = to_csv([{"week": "2026-W22", "label": cell}], ["week", "label"])
    header, row = _cells(text)
    assert header == ["week", "label"]
    assert row == ["2026-W22", written]


def test_the_header_goes_through_the_same_writer():
    header, _ = _cells(to_csv([{"=x": 1}], ["=x"]))
    assert header == ["'=x"]


@pytest.fixture
def shrinking(duckdb_url: str) -> str:
    """A warehouse whose followers fall in 2026-W10: a negative number in the CSV."""
    w = Warehouse(duckdb_url)
    w.person("x:O", ours=True)
    w.person("x:P")
    w.audience("2026-03-01", "x:O", followers=104)  # Sunday of W09
    w.audience("2026-03-08", "x:O", followers=100)  # Sunday of W10
    w.say("2026-03-03 10:00", "x:O", "x:P", "dm")
    return w.save()


def test_the_command_writes_negative_numbers_unquoted(shrinking, capsys):
    assert run_metrics("2026-W10", 1, None, None, "csv", False, shrinking) == 0
    rows = _cells(capsys.readouterr().out)
    assert rows[0] == api.COLUMNS
    by_metric = {r[1]: r for r in rows[1:]}
    assert by_metric["follower_growth"][-1] == "-4.0"
    assert by_metric["followers"][-1] == "100.0"
    assert by_metric["reply_rate"][-1] == "0.0"  # one message, no answer
    assert by_metric["social_roi"][-1] == ""  # undefined: an empty cell
    assert not any(cell.startswith("'") for row in rows for cell in row)
