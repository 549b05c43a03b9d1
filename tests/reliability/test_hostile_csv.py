"""Hostile and malformed CSV input (DESIGN section 7), through the generic source.

Each row: input → expected outcome (loaded, with what is quarantined and why; or refused, with
a message naming the file and line). Every case loads over a warehouse that already holds data,
and checks that none of it is lost.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.reliability.hostile import (
    AUDIENCE, INTERACTIONS, PEOPLE, ROW1, ROW2, Spec, check, csv, load_case, params,
)

BOM = b"\xef\xbb\xbf"
NOT_ISO = "is not an ISO 8601 time with an offset"
HUGE = 9 * 1024 * 1024  # past DuckDB's line cap of 8 MiB used by the loader

SPECS = [
    # Encodings and line ends
    Spec("byte-order mark", {"interactions.csv": BOM + csv(ROW1, ROW2)}, "loaded",
         rows={"interactions": 2}),
    Spec("CRLF line ends", {"interactions.csv": csv(ROW1, ROW2, eol="\r\n")}, "loaded",
         rows={"interactions": 2}, values={("interactions", "x:2", "thread_id"): "x:t1"}),
    Spec("lone CR line ends", {"interactions.csv": csv(ROW1, ROW2, eol="\r")}, "loaded",
         rows={"interactions": 2}, values={("interactions", "x:2", "automated"): False}),
    Spec("mixed CRLF, CR and LF line ends in one file",
         {"interactions.csv": (INTERACTIONS + "\r\n" + ROW1 + "\n" + ROW2 + "\r\n"
                               + ROW2.replace("x:2,", "x:3,").replace("11:00:00Z", "bad") + "\r"
                               + "x:4,x\n").encode()}, "loaded",
         rows={"interactions": 2}, quarantined=[(4, NOT_ISO), (5, "MISSING COLUMNS")]),
    Spec("a Latin-1 line in a UTF-8 file",
         {"interactions.csv": csv(ROW1) + "x:3,x,2025-01-01T12:00:00Z,x:a,x:b,dm,café,,false\n"
          .encode("latin-1") + (ROW2 + "\n").encode()}, "loaded",
         rows={"interactions": 2}, quarantined=[(3, "INVALID ENCODING")]),
    Spec("a whole file in Latin-1",
         {"people.csv": csv("x:a,x,josé,José,false", "x:b,x,bob,Bob,false", header=PEOPLE)
          .decode().encode("latin-1")}, "loaded",
         rows={"people": 1}, quarantined=[(2, "not utf-8")]),
    Spec("UTF-16", {"interactions.csv": csv(ROW1).decode().encode("utf-16")}, "refused",
         message="interactions.csv: line 1: the header is not UTF-8 text"),
    # Duplicates
    Spec("duplicate rows in one file, the last wins",
         {"interactions.csv": csv(ROW1, ROW1, ROW1.replace("x:b,dm", "x:c,dm"))}, "loaded",
         rows={"interactions": 1}, duplicates=2,
         values={("interactions", "x:1", "target_id"): "x:c"}),
    Spec("a row already in the warehouse is not loaded twice",
         {"interactions.csv": csv("base:1,base,2025-01-01T09:00:00Z,base:us,base:them,dm,base:t,,false",
                                  ROW1)}, "loaded", rows={"interactions": 1}, duplicates=1),
    # Times
    Spec("epoch and ISO times mixed",
         {"interactions.csv": csv(ROW1, ROW2.replace("2025-01-01T11:00:00Z", "1735729200"))},
         "loaded", rows={"interactions": 1}, quarantined=[(3, NOT_ISO)]),
    Spec("a naive time (no offset)",
         {"interactions.csv": csv(ROW1.replace("10:00:00Z", "10:00:00"), ROW2)}, "loaded",
         rows={"interactions": 1}, quarantined=[(2, "'2025-01-01T10:00:00' " + NOT_ISO)]),
    Spec("a wall time in a daylight-saving gap, with its offset, is a real instant",
         {"interactions.csv": csv(ROW1.replace("2025-01-01T10:00:00Z", "2025-03-30T02:30:00+01:00"))},
         "loaded", rows={"interactions": 1},
         values={("interactions", "x:1", "occurred_at"): datetime(2025, 3, 30, 1, 30)}),
    Spec("the same wall time twice in a daylight-saving overlap is two instants",
         {"interactions.csv": csv(
             ROW1.replace("2025-01-01T10:00:00Z", "2025-10-26T02:30:00+02:00"),
             ROW2.replace("2025-01-01T11:00:00Z", "2025-10-26T02:30:00+01:00"))}, "loaded",
         rows={"interactions": 2},
         values={("interactions", "x:1", "occurred_at"): datetime(2025, 10, 26, 0, 30),
                 ("interactions", "x:2", "occurred_at"): datetime(2025, 10, 26, 1, 30)}),
    Spec("a zone name instead of an offset",
         {"interactions.csv": csv(ROW1.replace("2025-01-01T10:00:00Z", "2025-03-30T02:30:00[Europe/Paris]"))},
         "loaded", quarantined=[(2, NOT_ISO)]),
    Spec("sub-second precision and compact offsets are kept",
         {"interactions.csv": csv(ROW1.replace("10:00:00Z", "10:00:00.123456+0530"))}, "loaded",
         rows={"interactions": 1},
         values={("interactions", "x:1", "occurred_at"): datetime(2025, 1, 1, 4, 30, 0, 123456)}),
    Spec("future, before 2000 and before the platform existed",
         {"interactions.csv": csv(
             ROW1.replace("2025-01-01", "2099-01-01"),
             ROW2.replace("2025-01-01", "1999-12-31"),
             "twitter:3,twitter,2005-06-01T10:00:00Z,twitter:a,,post,,,false",
             "twitter:4,twitter,2007-06-01T10:00:00Z,twitter:a,,post,,,false")}, "loaded",
         rows={"interactions": 1},
         quarantined=[(2, "occurred_at_not_in_future"), (3, "occurred_at_after_platform_launch"),
                      (4, "occurred_at_after_platform_launch")]),
    # Counts
    Spec("counts like 1.2K, N/A, 1,200, negative, too large or empty",
         {"audience_daily.csv": csv(
             "x,x:us,2025-01-01,1.2K,,,,,,,", "x,x:us,2025-01-02,N/A,,,,,,,",
             'x,x:us,2025-01-03,"1,200",,,,,,,', "x,x:us,2025-01-04,-5,,,,,,,",
             "x,x:us,2025-01-05,99999999999999999999999,,,,,,,", "x,x:us,2025-01-06,,,,,,,,",
             "x,x:us,2025-01-07,120.0,,,,,,,", header=AUDIENCE)}, "loaded",
         rows={"audience_daily": 2},
         quarantined=[(2, "followers '1.2K' is not a whole number"),
                      (3, "followers 'N/A' is not a whole number"),
                      (4, "followers '1,200' is not a whole number"),
                      (5, "followers_not_negative"), (6, "is too large for a count")]),
    # Text
    Spec("spreadsheet formulas in cells are stored as they are",
         {"people.csv": csv('x:a,x,=cmd|\' /C calc\'!A0,"=HYPERLINK(""http://evil"",""x"")",false',
                            "x:b,x,+1-1,@SUM(A1),false", header=PEOPLE)}, "loaded",
         rows={"people": 2},
         values={("people", "x:a", "display_name"): '=HYPERLINK("http://evil","x")',
                 ("people", "x:a", "handle"): "=cmd|' /C calc'!A0",
                 ("people", "x:b", "display_name"): "@SUM(A1)"}),
    Spec("NUL bytes are removed",
         {"people.csv": csv("x:a,x,al\x00ice,Al\x00ice,false", header=PEOPLE)}, "loaded",
         rows={"people": 1}, values={("people", "x:a", "handle"): "alice",
                                     ("people", "x:a", "display_name"): "Alice"}),
    Spec("ragged rows", {"interactions.csv": csv(ROW1 + ",extra", "x:3,x", ROW2)}, "loaded",
         rows={"interactions": 1},
         quarantined=[(2, "TOO MANY COLUMNS"), (3, "MISSING COLUMNS")]),
    Spec("quoted newlines: loaded, and later lines keep their real numbers",
         {"interactions.csv": csv(ROW1.replace("x:t1", '"x:t\n1"'),
                                  ROW2.replace("x:a,dm", "x:a,dm\r\nbroken"),
                                  ROW2.replace("x:2,", "x:5,").replace("2025-01-01T11", "bad"))},
         "loaded", rows={"interactions": 1},
         values={("interactions", "x:1", "thread_id"): "x:t\n1"},
         quarantined=[(4, "MISSING COLUMNS"), (5, "MISSING COLUMNS"), (6, NOT_ISO)]),
    Spec("a single gigantic field", {"interactions.csv": csv(
        ROW1.replace("x:t1", "x:" + "a" * HUGE), ROW2)}, "loaded",
         rows={"interactions": 1}, quarantined=[(2, "Maximum line size")]),
    Spec("a single gigantic line without a line break",
         {"interactions.csv": b"interaction_id," + b"a" * HUGE}, "refused",
         message="interactions.csv: line 1: no line break in the first 65,536 bytes"),
    # Shape
    Spec("an empty file", {"interactions.csv": b""}, "refused",
         message="interactions.csv: empty file; expected a header line"),
    Spec("a header and no rows", {"interactions.csv": csv()}, "loaded"),
    Spec("a renamed column is refused, naming it",
         {"interactions.csv": csv(ROW1, header=INTERACTIONS.replace("occurred_at", "timestamp"))},
         "refused", message="interactions.csv: line 1: missing required column(s) occurred_at"),
    Spec("an extra column is reported as schema drift",
         {"interactions.csv": csv(ROW1 + ",happy", header=INTERACTIONS + ",sentiment")}, "loaded",
         rows={"interactions": 1}, notes="unknown column(s) sentiment were not loaded (schema drift)"),
    Spec("a column named twice", {"interactions.csv": csv(ROW1 + ",x", header=INTERACTIONS + ",kind")},
         "refused", message="interactions.csv: line 1: column(s) kind appear twice"),
    Spec("another platform's export under a canonical name (LinkedIn messages.csv)",
         {"interactions.csv": csv('"2025-01-01 10:00:00 UTC",Ann,Bob,"Hi"',
                                  header="DATE,FROM,TO,CONTENT")}, "refused",
         message="interactions.csv: line 1: missing required column(s) interaction_id"),
    Spec("an unknown kind and malformed ids",
         {"interactions.csv": csv(ROW1.replace(",dm,", ",poke,"), ROW2.replace("x:b,x:a", "bob,x:a"))},
         "loaded", quarantined=[(2, "kind_is_canonical"), (3, "actor_id_well_formed")]),
]


@pytest.mark.parametrize("spec", params(SPECS))
def test_hostile_csv(spec: Spec, tmp_path: Path, baseline_db: Path, baseline) -> None:
    url, summaries = load_case(spec, tmp_path, baseline_db)
    check(spec, url, summaries, baseline)


def test_nul_bytes_are_removed_the_same_way_on_every_engine(db_url: str, tmp_path: Path) -> None:
    from pipelines.load import load_paths
    from pipelines.warehouse import make_engine, people, quarantine
    import sqlalchemy as sa

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "people.csv").write_bytes(csv("x:a,x,al\x00ice,Al\x00ice,false", header=PEOPLE))
    (folder / "interactions.csv").write_bytes(csv(
        ROW1.replace("x:t1", "x:t\x001"), ROW2.replace("2025-01-01T11", "bad\x00time")))
    summaries = load_paths([folder], db_url)
    assert [s.status for s in summaries] == ["loaded", "loaded"]
    engine = make_engine(db_url)
    with engine.connect() as conn:
        person = conn.execute(sa.select(people.c.handle, people.c.display_name)).one()
        thread = conn.execute(sa.text("SELECT thread_id FROM interactions")).scalar_one()
        reason, raw = conn.execute(sa.select(quarantine.c.reason, quarantine.c.raw)).one()
    engine.dispose()
    assert tuple(person) == ("alice", "Alice") and thread == "x:t1"
    assert "\x00" not in reason + raw
    assert "'badtime:00:00Z'" in reason  # the reason quotes the value without the NUL
    assert '"occurred_at":"bad\\u0000time:00:00Z"' in raw  # the raw record says where it was


def test_duplicates_across_files_of_one_load_the_later_file_wins(tmp_path: Path, baseline_db: Path,
                                                                  baseline) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "interactions.csv").write_bytes(csv(ROW1, ROW2))
    (second / "interactions.csv").write_bytes(csv(ROW2.replace(",false", ",true"), ROW1))
    spec = Spec("duplicates across files", {}, "loaded", rows={"interactions": 2}, duplicates=1,
                values={("interactions", "x:2", "automated"): True,
                        ("interactions", "x:1", "automated"): False})
    url, summaries = load_case(spec, tmp_path, baseline_db, paths=[first, second])
    check(spec, url, summaries, baseline)
