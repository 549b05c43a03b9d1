"""The generic loader on every engine: round trip, idempotence, quarantine, refusal, inference."""
from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import warehouse
from pipelines.load import load_paths

PEOPLE = """person_id,platform,handle,display_name,is_ours
slack:U1,slack,acme,Acme Team,true
slack:U2,slack,bea,"Bea, the ""first"" member",false
slack:U3,slack,cy,"=HYPERLINK(""http://x"")",false
"""
INTERACTIONS = """interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated
slack:C1/1,slack,2026-11-09T00:00:00Z,slack:U2,,post,slack:C1/1,,false
slack:C1/2,slack,2026-11-09T01:00:00.250+01:00,slack:U1,,reply,slack:C1/1,,false
slack:C1/3,slack,2026-11-09T02:00:00Z,slack:U2,,reply,slack:C1/1,,false
slack:C1/4,slack,2026-11-09T03:00:00Z,slack:U3,slack:U1,mention,slack:C1/1,,true
"""
AUDIENCE = """platform,account_id,day,followers,following,impressions,reach,engagements,likes,page_views,members
slack,slack:U1,2026-11-09,100,5,1000,,,,,40
slack,slack:U1,2026-11-10,101,5,900,,,,,41
"""
REFERRALS = """referral_id,occurred_at,platform,referrer_id,stage,value,currency
crm:1,2026-11-10T09:30:00Z,slack,slack:U2,won,1200.5,EUR
"""
COSTS = """week,platform,hours,hourly_rate,spend
2026-W46,slack,10,50,99.9
"""


def write_folder(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def full_folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "export", people=PEOPLE, interactions=INTERACTIONS,
                        audience_daily=AUDIENCE, referrals=REFERRALS, costs=COSTS)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every canonical table's rows (without load_id), sorted."""
    engine = warehouse.make_engine(url)
    out = {}
    with engine.connect() as conn:
        for name in warehouse.CANONICAL_TABLES:
            cols = [warehouse.table(name).c[c] for c in warehouse.canonical_columns(name)]
            out[name] = sorted(tuple(r) for r in conn.execute(sa.select(*cols)))
    engine.dispose()
    return out


def query(url: str, sql: str) -> list[tuple]:
    engine = warehouse.make_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def test_round_trip_of_every_table(db_url: str, tmp_path: Path) -> None:
    summaries = load_paths([full_folder(tmp_path)], db_url)
    assert [s.status for s in summaries] == ["loaded"] * 5
    assert {Path(s.file).name: s.loaded for s in summaries} == {
        "people.csv": 3, "interactions.csv": 4, "audience_daily.csv": 2,
        "referrals.csv": 1, "costs.csv": 1}
    snap = snapshot(db_url)
    assert snap["people"] == [
        ("slack:U1", "slack", "acme", "Acme Team", True),
        ("slack:U2", "slack", "bea", 'Bea, the "first" member', False),
        ("slack:U3", "slack", "cy", '=HYPERLINK("http://x")', False),  # stored as given
    ]
    times = {r[0]: r[2] for r in snap["interactions"]}
    # Offsets are converted to UTC and sub-second precision is kept.
    assert times["slack:C1/2"] == datetime(2026, 11, 9, 0, 0, 0, 250000)
    assert snap["audience_daily"][1][:6] == ("slack", "slack:U1", date(2026, 11, 10), 101, 5, 900)
    assert snap["audience_daily"][1][-1] == 41
    assert snap["referrals"] == [("crm:1", datetime(2026, 11, 10, 9, 30), "slack", "slack:U2",
                                  "won", 1200.5, "EUR")]
    assert snap["costs"] == [("2026-W46", "slack", 10.0, 50.0, 99.9)]
    assert query(db_url, "SELECT count(*) FROM loads WHERE status = 'loaded'") == [(5,)]


def test_loading_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    folder = full_folder(tmp_path)
    load_paths([folder], db_url)
    before = snapshot(db_url)
    again = load_paths([folder], db_url)
    assert snapshot(db_url) == before
    assert sum(s.loaded for s in again) == 0
    assert sum(s.duplicate for s in again) == 11


def test_restated_audience_day_replaces_the_old_one(db_url: str, tmp_path: Path) -> None:
    load_paths([write_folder(tmp_path / "a", audience_daily=AUDIENCE)], db_url)
    restated = AUDIENCE.splitlines()[0] + "\nslack,slack:U1,2026-11-10,150,5,,,,,,\n"
    load_paths([write_folder(tmp_path / "b", audience_daily=restated)], db_url)
    rows = query(db_url, "SELECT day, followers, impressions FROM audience_daily ORDER BY day")
    assert [(str(r[0]), r[1], r[2]) for r in rows] == [("2026-11-09", 100, 1000), ("2026-11-10", 150, None)]


def test_reply_targets_are_inferred_from_the_thread(db_url: str, tmp_path: Path) -> None:
    # A (U2) asks, we (U1) answer, A thanks us: C1/2 answers U2, C1/3 answers U1 (the latest
    # earlier message by someone else), so the thread is two-way.
    load_paths([write_folder(tmp_path / "e", people=PEOPLE, interactions=INTERACTIONS)], db_url)
    targets = dict(query(db_url, "SELECT interaction_id, target_id FROM interactions"))
    assert targets == {"slack:C1/1": None, "slack:C1/2": "slack:U2", "slack:C1/3": "slack:U1",
                       "slack:C1/4": "slack:U1"}


@pytest.mark.parametrize("rows, expected", [
    # in_reply_to names the answered message: its author is the target, even over later ones.
    (["g:1,g,2026-01-05T10:00:00Z,g:a,,post,g:1,,false",
      "g:2,g,2026-01-05T11:00:00Z,g:b,,comment,g:1,,false",
      "g:3,g,2026-01-05T12:00:00Z,g:c,,comment,g:1,g:1,false"],
     {"g:1": None, "g:2": "g:a", "g:3": "g:a"}),
    # No earlier message by someone else: the root's author.
    (["g:1,g,2026-01-05T10:00:00Z,g:a,,post,g:1,,false",
      "g:2,g,2026-01-05T11:00:00Z,g:a,,comment,g:1,,false"],
     {"g:1": None, "g:2": "g:a"}),
    # A group conversation without a root message: its first message has no target.
    (["g:m1,g,2026-01-05T10:00:00Z,g:a,,dm,g:conv,,false",
      "g:m2,g,2026-01-05T10:05:00Z,g:b,,dm,g:conv,,false",
      "g:m3,g,2026-01-05T10:06:00Z,g:c,,dm,g:conv,,false"],
     {"g:m1": None, "g:m2": "g:a", "g:m3": "g:b"}),
    # A comment on a post that is not loaded, with nobody else before it: unknown target.
    (["g:2,g,2026-01-05T11:00:00Z,g:a,,comment,g:root,,false",
      "g:3,g,2026-01-05T12:00:00Z,g:a,,comment,g:root,,false",
      "g:4,g,2026-01-05T13:00:00Z,g:b,,comment,g:root,,false"],
     {"g:2": None, "g:3": None, "g:4": "g:a"}),
    # An explicit target is never overwritten.
    (["g:1,g,2026-01-05T10:00:00Z,g:a,,post,g:1,,false",
      "g:2,g,2026-01-05T11:00:00Z,g:b,g:z,reply,g:1,,false"],
     {"g:1": None, "g:2": "g:z"}),
])
def test_inference_rules(duckdb_url: str, tmp_path: Path, rows: list[str], expected: dict) -> None:
    header = INTERACTIONS.splitlines()[0]
    load_paths([write_folder(tmp_path / "i", interactions="\n".join([header, *rows]) + "\n")], duckdb_url)
    assert dict(query(duckdb_url, "SELECT interaction_id, target_id FROM interactions")) == expected


def test_a_mention_of_the_inferred_target_is_dropped(db_url: str, tmp_path: Path) -> None:
    # g:2 answers g:a in the thread and also names g:a and g:c: only g:c stays a mention.
    header = INTERACTIONS.splitlines()[0]
    rows = ["g:1,g,2026-01-05T10:00:00Z,g:a,,post,g:1,,false",
            "g:2,g,2026-01-05T11:00:00Z,g:b,,reply,g:1,,false",
            "g:2/mention/a,g,2026-01-05T11:00:00Z,g:b,g:a,mention,g:1,,false",
            "g:2/mention/c,g,2026-01-05T11:00:00Z,g:b,g:c,mention,g:1,,false"]
    load_paths([write_folder(tmp_path / "m", interactions="\n".join([header, *rows]) + "\n")], db_url)
    assert dict(query(db_url, "SELECT interaction_id, target_id FROM interactions")) == {
        "g:1": None, "g:2": "g:a", "g:2/mention/c": "g:c"}


def test_inference_uses_threads_loaded_earlier(duckdb_url: str, tmp_path: Path) -> None:
    header = INTERACTIONS.splitlines()[0]
    load_paths([write_folder(tmp_path / "1", interactions=header + "\ng:1,g,2026-01-05T10:00:00Z,g:a,,post,g:1,,false\n")], duckdb_url)
    load_paths([write_folder(tmp_path / "2", interactions=header + "\ng:2,g,2026-01-06T10:00:00Z,g:b,,reply,g:1,,false\n")], duckdb_url)
    assert dict(query(duckdb_url, "SELECT interaction_id, target_id FROM interactions"))["g:2"] == "g:a"


BAD_INTERACTIONS = """interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated
x:1,x,2026-11-10T10:00:00Z,x:a,x:b,dm,x:c,,false
x:2,x,2026-11-10T10:00:00,x:a,x:b,dm,x:c,,false
x:3,x,2026-11-10T10:00:00Z,x:a,x:b,wave,x:c,,false
x:4,x,2026-11-10T10:00:00Z,x:a
x:5,x,2099-01-01T00:00:00Z,x:a,x:b,dm,x:c,,false
x:6,x,1999-12-31T23:59:59Z,x:a,x:b,dm,x:c,,false
x:7,x,2026-11-10T10:00:00Z,x:a,x:b,dm,x:c,,maybe
x:8,x,2026-11-10T10:00:00Z,x:a,x:nobody,reply,,,false
"""


def test_malformed_rows_are_quarantined_with_line_and_reason(db_url: str, tmp_path: Path) -> None:
    summaries = load_paths([write_folder(tmp_path / "bad", interactions=BAD_INTERACTIONS)], db_url,
                           now=datetime(2026, 11, 20))
    (summary,) = summaries
    assert (summary.status, summary.rows_read, summary.loaded, summary.quarantined) == ("loaded", 8, 2, 6)
    reasons = {line: reason for line, reason in query(db_url, "SELECT line, reason FROM quarantine")}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "is not an ISO 8601 time with an offset" in reasons[3]
    assert "kind_is_canonical" in reasons[4]
    assert "csv_well_formed" in reasons[5] and "Found: 4" in reasons[5]
    assert "occurred_at_not_in_future" in reasons[6]
    assert "occurred_at_after_platform_launch" in reasons[7]
    assert "'maybe' is not true or false" in reasons[8]
    # A reply without a thread and a target missing from people are warnings: the row loads.
    assert query(db_url, "SELECT interaction_id FROM interactions ORDER BY 1") == [("x:1",), ("x:8",)]
    failed = {c.check for c in summary.failed_checks}
    assert "interactions.reply_has_thread" in failed
    stored = query(db_url, "SELECT \"check\", status FROM quality_results WHERE status = 'failed'")
    assert ("interactions.kind_is_canonical", "failed") in stored


def test_wrong_header_is_refused_by_name_and_loads_nothing(db_url: str, tmp_path: Path) -> None:
    load_paths([write_folder(tmp_path / "ok", people=PEOPLE)], db_url)
    before = snapshot(db_url)
    wrong = INTERACTIONS.replace("occurred_at", "when")
    (summary,) = load_paths([write_folder(tmp_path / "wrong", interactions=wrong)], db_url)
    assert summary.status == "refused"
    assert "interactions.csv" in summary.message and "occurred_at" in summary.message
    assert snapshot(db_url) == before
    assert query(db_url, "SELECT status FROM loads WHERE file LIKE '%interactions.csv'") == [("refused",)]


def test_zip_of_canonical_csvs_loads(duckdb_url: str, tmp_path: Path) -> None:
    folder = full_folder(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"export/{f.name}")
    summaries = load_paths([archive], duckdb_url)
    assert [s.status for s in summaries] == ["loaded"] * 5
    assert all(s.file.startswith(str(archive) + "!") for s in summaries)


def test_unknown_file_is_refused_naming_it(duckdb_url: str, tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    (summary,) = load_paths([odd], duckdb_url)
    assert summary.status == "refused" and "notes.txt" in summary.message
    assert "canonical CSV" in summary.message
