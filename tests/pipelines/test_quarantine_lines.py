"""Quarantined records keep the physical line they start on, however the file's lines end."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import warehouse
from pipelines.load import load_paths
from pipelines.stage import _unify_line_ends

HEADER = "interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated"
GOOD = "x:{n},x,2025-01-01T10:00:00Z,x:a,x:b,dm,x:t,,false"
BAD = "x:{n},x,not a time,x:a,x:b,dm,x:t,,false"
SPANNING = 'x:{n},x,2025-01-01T10:00:00Z,x:a,x:b,dm,"x:t{eol}1",,false'


def lines(*rows: str, eol: str = "\n", last: bool = True) -> bytes:
    """A CSV whose records are `rows` (with `{n}` numbered from 1), ending lines with `eol`."""
    text = eol.join([HEADER] + [r.format(n=i, eol=eol) for i, r in enumerate(rows, 1)])
    return (text + (eol if last else "")).encode()


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("rows,last,bad_line", [
    ((GOOD, BAD, GOOD), True, 3),
    ((GOOD, BAD), False, 3),  # no line end after the last record
    ((SPANNING, GOOD, BAD), True, 5),  # the value before it spans two lines
    ((SPANNING, SPANNING, BAD, GOOD), False, 6),
], ids=["one line per record", "no final line end", "a value spans lines", "two span, no final end"])
def test_a_bad_record_is_quarantined_with_its_physical_line(
        duckdb_url: str, tmp_path: Path, eol: str, rows: tuple[str, ...], last: bool,
        bad_line: int) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "interactions.csv").write_bytes(lines(*rows, eol=eol, last=last))
    (summary,) = load_paths([folder], duckdb_url)
    assert (summary.rows_read, summary.loaded, summary.quarantined) == (len(rows), len(rows) - 1, 1)
    engine = warehouse.make_engine(duckdb_url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT line, reason FROM quarantine")).all()
    engine.dispose()
    assert [(line, "not an ISO 8601 time" in reason) for line, reason in found] == [(bad_line, True)]


@pytest.mark.parametrize("content,unified,physical", [
    (b"", False, 0),
    (b"a,b", False, 1),
    (b"a,b\n1,2\n", False, 2),
    (b"a,b\n1,2", False, 2),
    (b"a,b\r\n1,2\r\n\r\n", False, 3),
    (b"a,b\r1,2\r", False, 2),
    (b"a,b\n1,2\r\n3,4\r", True, None),  # mixed: a copy with LF only, lines not counted
], ids=["empty", "no line end", "LF", "LF, no final end", "CRLF, a blank line", "CR", "mixed"])
def test_line_ends_are_read_and_physical_lines_counted(
        tmp_path: Path, content: bytes, unified: bool, physical: int | None) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    copy, counted = _unify_line_ends(path, chunk_bytes=3)  # chunks smaller than a line
    assert (copy is not None, counted) == (unified, physical)
    if copy is not None:
        assert copy.read_bytes() == content.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        copy.unlink()
