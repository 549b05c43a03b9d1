"""`rapport forget`: a person erased from every table and every file of the warehouse's folder,
the erasure recorded without the name; and the quarantine retention."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.load import load_paths
from pipelines.privacy import matches_erasure
from pipelines.retention import apply_retention, forget, purge_scratch
from pipelines.warehouse import make_engine, metadata, query, read_connection
from tests.reliability.hostile import INTERACTIONS, PEOPLE, csv

HANDLE = "zoe_quintessa_77"
NAME = "Zoë Quintessa"
NATIVE = "998877665544"
ZOE = f"x:{NATIVE}"
NEEDLES = (HANDLE, NATIVE, "Quintessa")


def _export(root: Path) -> Path:
    """An export naming Zoë everywhere rapport can keep her: people, both sides of DMs, a
    mention, a referral, an audience row, a quarantined record, the export's folder name."""
    folder = root / f"export-{HANDLE}"
    folder.mkdir(parents=True)
    (folder / "people.csv").write_bytes(csv(
        "x:us,x,acme,Acme,true", f"x:{NATIVE},x,{HANDLE},{NAME},false", "x:bob,x,bob,Bob,false",
        header=PEOPLE))
    (folder / "interactions.csv").write_bytes(csv(
        f"x:1,x,2025-01-01T10:00:00Z,x:us,{ZOE},dm,x:dm1,,false",
        f"x:2,x,2025-01-01T11:00:00Z,{ZOE},x:us,dm,x:dm1,x:1,false",
        f"x:3,x,2025-01-02T11:00:00Z,x:bob,x:us,comment,x:9,,false",
        f"x:3/mention/{NATIVE},x,2025-01-02T11:00:00Z,x:bob,{ZOE},mention,x:9,,false",
        f"x:4,x,2025-01-02T12:00:00Z,x:us,x:bob,reply,x:9,x:3,false",
        f"x:5,x,not a time,{ZOE},x:us,dm,x:dm1,,false",  # quarantined with her id in raw
        f"x:6,x,2025-01-03T12:00:00Z,x:bob,,reply,,{HANDLE},false"))  # her handle in free text
    (folder / "referrals.csv").write_bytes(csv(
        f"r1,2025-01-02T10:00:00Z,x,{ZOE},deal,100,EUR", "r2,2025-01-02T10:00:00Z,x,x:bob,lead,,",
        header="referral_id,occurred_at,platform,referrer_id,stage,value,currency"))
    (folder / "audience_daily.csv").write_bytes(csv(
        f"x,{ZOE},2025-01-02,10,,,,,,,", "x,x:us,2025-01-02,500,,,,,,,",
        header="platform,account_id,day,followers,following,impressions,reach,engagements,likes,"
               "page_views,members"))
    return folder


def _table_hits(url: str) -> dict[str, int]:
    """Rows of every table whose text (any column) contains any needle, case-insensitive."""
    hits = {}
    engine = make_engine(url)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).all():
                text = " ".join(str(v) for v in row).lower()
                if any(n.lower() in text for n in NEEDLES):
                    hits[table.name] = hits.get(table.name, 0) + 1
    engine.dispose()
    return hits


def _file_hits(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data or n.encode("utf-16-le") in data for n in NEEDLES):
                found.append(path.name)
    return found


def _counts(url: str) -> dict[str, int]:
    return {t: query(url, f"SELECT count(*) FROM {t}")[0][0]
            for t in ("people", "interactions", "referrals", "audience_daily", "quarantine")}


def test_forget_leaves_no_trace_in_any_table_or_file_of_the_warehouse_folder(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    url = f"duckdb:///{warehouse / 'rapport.duckdb'}"
    assert {s.status for s in load_paths([_export(tmp_path)], url)} == {"loaded"}
    # A killed load's unpublished copy lies beside the live file.
    shutil.copyfile(warehouse / "rapport.duckdb", warehouse / "rapport.duckdb.next")
    before = _table_hits(url)
    assert {"people", "interactions", "referrals", "audience_daily", "quarantine", "loads"} <= set(before)
    assert sorted(_file_hits(warehouse)) == ["rapport.duckdb", "rapport.duckdb.next"]
    counts = _counts(url)

    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "forget", f"x:@{HANDLE}",
                          "--db", url], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert not any(n.lower() in (cli.stdout + cli.stderr).lower() for n in NEEDLES), \
        "the command's output never names the person"

    assert _table_hits(url) == {}
    assert _file_hits(warehouse) == []
    after = _counts(url)
    # Her rows are gone; everyone else's are still there.
    assert after == {"people": counts["people"] - 1, "interactions": counts["interactions"] - 3,
                     "referrals": counts["referrals"], "audience_daily": counts["audience_daily"] - 1,
                     "quarantine": counts["quarantine"] - 1}
    assert query(url, "SELECT referrer_id FROM referrals WHERE referral_id = 'r1'")[0][0] is None
    assert {r[0] for r in query(url, "SELECT interaction_id FROM interactions")} == {"x:3", "x:4", "x:6"}
    [record] = query(url, "SELECT file, message FROM loads WHERE status = 'erased'")
    message = json.loads(record.message)
    assert message["people"] == 1 and message["interactions"] == 3 and message["files_removed"] == 1
    assert query(url, "SELECT in_reply_to FROM interactions WHERE interaction_id = 'x:6'")[0][0] \
        == "[erased]"
    assert matches_erasure(f"x:@{HANDLE}", json.dumps(message["erased"][0]))
    assert not matches_erasure("x:@bob", json.dumps(message["erased"][0]))
    # The stored weekly rollups were recomputed from what is left.
    from metrics.rollup import fingerprint, rollup_state

    with read_connection(url) as conn:
        state = dict(conn.execute(sa.select(rollup_state.c.name, rollup_state.c.value)).all())
        assert state and state["fingerprint"] == fingerprint(conn)


def test_forget_by_person_id_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    assert {s.status for s in load_paths([_export(tmp_path)], pg_url)} == {"loaded"}
    assert _table_hits(pg_url)
    report = forget([ZOE], pg_url)
    assert (report.people, report.interactions, report.referrals_unlinked) == (1, 3, 1)
    assert _table_hits(pg_url) == {}


def test_forget_someone_unknown_changes_nothing_but_records_the_request(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load_paths([_export(tmp_path)], url)
    counts = _counts(url)
    report = forget(["x:@nobody_here"], url)
    assert report.not_found == 1 and _counts(url) == counts
    assert query(url, "SELECT count(*) FROM loads WHERE status = 'erased'")[0][0] == 1


@pytest.mark.parametrize("argument, message", [
    ("zoe", "expected a person_id like twitter:12345"),
    (":zoe", "expected a person_id like twitter:12345"),
])
def test_forget_explains_an_argument_it_cannot_read(argument: str, message: str,
                                                    tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "forget", argument, "--db", url],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and message in cli.stderr and "Traceback" not in cli.stderr


def test_quarantine_retention_deletes_only_older_records(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "interactions.csv").write_bytes(csv("x:1,x,notatime_qwerty,x:a,,post,,,false",
                                                  header=INTERACTIONS))
    load_paths([folder], url, now=datetime(2025, 1, 1))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "interactions.csv").write_bytes(csv("x:2,x,worse,x:a,,post,,,false", header=INTERACTIONS))
    load_paths([fresh], url)
    assert query(url, "SELECT count(*) FROM quarantine")[0][0] == 2
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "forget",
                          "--quarantine-older-than", "30", "--db", url],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert "removed 1 quarantined record(s) older than 30 day(s)" in cli.stdout
    assert [r[0] for r in query(url, "SELECT raw FROM quarantine")] == [
        '{"interaction_id":"x:2","platform":"x","occurred_at":"worse","actor_id":"x:a",'
        '"target_id":null,"kind":"post","thread_id":null,"in_reply_to":null,"automated":"false"}']
    assert b"notatime_qwerty" not in (tmp_path / "w.duckdb").read_bytes()


def test_retention_from_the_team_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = tmp_path / "rapport.toml"
    team.write_text("[retention]\nquarantine_days = 0\n")
    monkeypatch.setenv("RAPPORT_TEAM_FILE", str(team))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "interactions.csv").write_bytes(csv("x:1,x,bad,x:a,,post,,,false", header=INTERACTIONS))
    load_paths([folder], url, now=datetime.now() - timedelta(days=1))
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "forget", "--retention",
                          "--db", url], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert query(url, "SELECT count(*) FROM quarantine")[0][0] == 0


def test_scratch_left_by_a_killed_load_is_purged_once_stale(tmp_path: Path) -> None:
    import os
    import time

    old, new = tmp_path / "rapport-load-old", tmp_path / "rapport-load-new"
    other = tmp_path / "not-ours"
    for folder in (old, new, other):
        folder.mkdir()
        (folder / "people.csv").write_text("x")
    stale = time.time() - 3 * 86400
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    assert purge_scratch(folder=tmp_path) == [old]
    assert not old.exists() and new.exists() and other.exists()
