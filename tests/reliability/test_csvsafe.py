"""Formulas are stored as they are and neutralised on every CSV rapport writes for people."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines import csvsafe
from pipelines.load import load_paths
from pipelines.warehouse import query
from tests.reliability.hostile import PEOPLE, csv as csv_bytes

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("+1-1", "'+1-1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("  =1+1", "'  =1+1"),  # spreadsheets skip leading spaces
    ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("-5", "-5"),  # plain numbers stay numbers
    ("+1.5e3", "+1.5e3"),
    ("-.5", "-.5"),
    ("alice", "alice"),
    ("a=b", "a=b"),
    ("", ""),
    (None, None),
    (-5, -5),
    (2.5, 2.5),
], ids=repr)
def test_neutralise(cell, written) -> None:
    assert csvsafe.neutralise(cell) == written


def test_writer_and_dict_writer_neutralise_every_cell_and_keep_csv_quoting() -> None:
    out = io.StringIO()
    w = csvsafe.writer(out, lineterminator="\n")
    w.writerow(["=1+1", "a,b", 'say "hi"', -1])
    d = csvsafe.DictWriter(out, fieldnames=["=name", "n"], lineterminator="\n")
    d.writeheader()
    d.writerow({"=name": "@x", "n": 3})
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=1+1", "a,b", 'say "hi"', "-1"], ["'=name", "n"], ["'@x", "3"]]


def test_a_frame_keeps_its_numbers_and_loses_its_formulas() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "bob", None], "value": [-1.0, 2.0, 3.0],
                          "count": [1, -2, 3]})
    text = csvsafe.to_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert back["name"].tolist()[:2] == ["'=1+1", "bob"]
    assert back["value"].tolist() == [-1.0, 2.0, 3.0] and back["count"].tolist() == [1, -2, 3]
    assert frame["name"][0] == "=1+1", "the caller's frame is not changed"


def test_formulas_are_stored_as_is_and_neutralised_when_written_out(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    cells = ['=HYPERLINK(""http://evil"",""click"")', "+1-1", "@SUM(A1)", "-2+3", "=1+1"]
    (folder / "people.csv").write_bytes(csv_bytes(
        *(f'x:{i},x,"{c}","{c}",false' for i, c in enumerate(cells)), header=PEOPLE))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert [s.status for s in load_paths([folder], url)] == ["loaded"]
    stored = [r[0] for r in query(url, "SELECT display_name FROM people ORDER BY person_id")]
    assert stored == [c.replace('""', '"') for c in cells]  # exactly as given
    frame = pd.DataFrame(query(url, "SELECT person_id, handle, display_name FROM people"),
                         columns=["person_id", "handle", "display_name"])
    rows = list(csv.reader(io.StringIO(csvsafe.to_csv(frame))))
    assert all(not csvsafe.is_dangerous(cell) for row in rows for cell in row)
    assert all(cell.startswith("'") for row in rows[1:] for cell in row[1:])


# CSV writers that must not neutralise: what they write is data going in, not a file for people.
EXEMPT = {
    "pipelines/merge.py": "bulk transfer of staged rows to PostgreSQL (COPY), stored as-is",
    "pipelines/demo/__init__.py": "writes the demo's input files for the generic loader",
    "pipelines/csvsafe.py": "the neutraliser itself",
}
# Writers for people that do not use csvsafe yet (none now). The test fails when one listed here
# is fixed (take it off the list) or a new one appears (use csvsafe).
PENDING: set[str] = set()
_WRITES_CSV = re.compile(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(|write_csv\(|\"text/csv\"|"
                         r"'text/csv'|mime=\"text/csv\"")


def test_every_csv_writer_for_people_uses_csvsafe() -> None:
    offenders = set()
    for folder in ("pipelines", "metrics", "dashboard"):
        for path in (REPO / folder).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            text = path.read_text(encoding="utf-8")
            if rel in EXEMPT or not _WRITES_CSV.search(text):
                continue
            if "csvsafe" not in text:
                offenders.add(rel)
    assert offenders - PENDING == set(), "write CSV for people through pipelines.csvsafe"
    assert PENDING - offenders == set(), "fixed: take it off PENDING"
