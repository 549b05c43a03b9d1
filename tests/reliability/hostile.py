"""A specification table runner for hostile input: write the files, load them, compare outcomes.

Every case loads into a copy of a warehouse that already holds a good export (the baseline),
so each one also shows that nothing already loaded is lost.
"""
from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipelines.load import FileSummary, load_paths
from pipelines.warehouse import query
from tests.reliability.state import canonical_state

INTERACTIONS = ("interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,"
                "in_reply_to,automated")
PEOPLE = "person_id,platform,handle,display_name,is_ours"
AUDIENCE = ("platform,account_id,day,followers,following,impressions,reach,engagements,likes,"
            "page_views,members")
ROW1 = "x:1,x,2025-01-01T10:00:00Z,x:a,x:b,dm,x:t1,,false"
ROW2 = "x:2,x,2025-01-01T11:00:00Z,x:b,x:a,dm,x:t1,,false"


def csv(*lines: str, header: str = INTERACTIONS, eol: str = "\n") -> bytes:
    """CSV bytes: the header then the lines, each ended by `eol`."""
    return "".join(line + eol for line in (header, *lines)).encode()


@dataclass
class Spec:
    """One hostile input and what it must get."""

    name: str
    files: dict[str, bytes]  # file name -> content, written in one export folder
    outcome: str  # loaded | refused
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows this load wrote
    quarantined: list[tuple[int | None, str]] = field(default_factory=list)  # (line, reason part)
    message: str = ""  # refused: the message contains this (file name, line, reason)
    values: dict[tuple[str, str, str], Any] = field(default_factory=dict)  # (table, key, col)
    notes: str = ""  # a note of the summary contains this
    duplicates: int = 0

    def __str__(self) -> str:
        return self.name


KEYS = {"interactions": "interaction_id", "people": "person_id", "referrals": "referral_id"}


def baseline_export(folder: Path) -> Path:
    """A good export that every case's warehouse holds before the hostile load."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_bytes(csv("base:us,base,us,Us,true", "base:them,base,them,Them,false",
                                            header=PEOPLE))
    (folder / "interactions.csv").write_bytes(csv(
        "base:1,base,2025-01-01T09:00:00Z,base:us,base:them,dm,base:t,,false",
        "base:2,base,2025-01-01T09:30:00Z,base:them,base:us,dm,base:t,,false"))
    return folder


def load_case(spec: Spec, tmp_path: Path, baseline_db: Path, paths: list[Path] | None = None,
              url: str | None = None) -> tuple[str, list[FileSummary]]:
    """Write the case's files, load them over a copy of the baseline; returns (url, summaries)."""
    if url is None:
        db = tmp_path / "warehouse.duckdb"
        shutil.copyfile(baseline_db, db)
        url = f"duckdb:///{db}"
    if paths is None:
        folder = tmp_path / "export"
        folder.mkdir()
        for name, content in spec.files.items():
            (folder / name).write_bytes(content)
        paths = [folder]
    return url, load_paths(paths, url)


def check(spec: Spec, url: str, summaries: list[FileSummary], baseline: dict[str, Counter]) -> None:
    """Assert the outcome the spec names, and that the baseline is intact."""
    state = canonical_state(url)
    for table, rows in baseline.items():
        assert not (rows - state[table]), f"{spec.name}: rows already loaded in {table} were lost"
    statuses = {s.status for s in summaries}
    if spec.outcome == "refused":
        assert statuses == {"refused"}, [(s.file, s.status, s.message) for s in summaries]
        assert all(spec.message in s.message for s in summaries), [s.message for s in summaries]
        assert state == baseline, f"{spec.name}: a refused file must load nothing"
        recorded = query(url, "SELECT message FROM loads WHERE status = 'refused'")
        assert any(spec.message in r[0] for r in recorded)
        return
    assert statuses == {"loaded"}, [(s.file, s.status, s.message) for s in summaries]
    ids = tuple(s.load_id for s in summaries)
    for table in ("people", "interactions", "audience_daily", "referrals", "costs"):
        got = sum(query(url, f"SELECT count(*) FROM {table} WHERE load_id = :l", {"l": i})[0][0]
                  for i in ids)
        assert got == spec.rows.get(table, 0), f"{spec.name}: {table} rows loaded"
    lines = []
    for i in ids:
        lines += [tuple(r) for r in query(url, "SELECT line, reason, file FROM quarantine "
                                               "WHERE load_id = :l ORDER BY line", {"l": i})]
    assert len(lines) == len(spec.quarantined), f"{spec.name}: quarantined {lines}"
    assert sum(s.quarantined for s in summaries) == len(spec.quarantined)
    for (line, reason, file), (want_line, want_reason) in zip(lines, spec.quarantined):
        assert line == want_line and want_reason in reason, (line, reason)
        assert file, "a quarantined record names its file"
    for (table, key, column), want in spec.values.items():
        got = query(url, f'SELECT "{column}" FROM {table} WHERE {KEYS[table]} = :k', {"k": key})
        assert got and got[0][0] == want, f"{spec.name}: {table} {key} {column} = {got}"
    if spec.notes:
        assert any(spec.notes in n for s in summaries for n in s.notes), [s.notes for s in summaries]
    assert sum(s.duplicate for s in summaries) == spec.duplicates


def params(specs: list[Spec]) -> list:
    return [pytest.param(s, id=s.name) for s in specs]
