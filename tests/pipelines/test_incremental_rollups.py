"""A load into a rolled-up warehouse recomputes only the weeks its rows can change.

Each scenario loads a base warehouse through `load_paths`, then one more set of files, and
holds the rollups that load left against a full refresh of a copy of the same warehouse: every
stored value and the state must be equal. The progress lines say which path was taken: a
partial refresh names the week it starts from.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from metrics import rollup
from metrics.catalog import CATALOG
from metrics.scope import HORIZON
from pipelines import warehouse
from pipelines.bench import data
from pipelines.load import load_paths

pytestmark = [pytest.mark.slow]

HEADER = {
    "interactions": ["interaction_id", "platform", "occurred_at", "actor_id", "target_id", "kind",
                     "thread_id", "in_reply_to", "automated"],
    "people": ["person_id", "platform", "handle", "display_name", "is_ours"],
    "audience_daily": ["platform", "account_id", "day", "followers", "following", "impressions",
                       "reach", "engagements", "likes", "page_views", "members"],
    "costs": ["week", "platform", "hours", "hourly_rate", "spend"],
    "referrals": ["referral_id", "occurred_at", "platform", "referrer_id", "stage", "value",
                  "currency"],
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of the benchmark's small data, loaded and rolled up."""
    folder = tmp_path_factory.mktemp("incremental")
    dataset = data.generate(folder / "csv", 6_000, seed=3)
    path = folder / "base.duckdb"
    summaries = load_paths([dataset.folder], f"duckdb:///{path}")
    assert all(s.status == "loaded" for s in summaries)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rollup_weekly").fetchone()[0] > 0
    return path


def _write(folder: Path, table: str, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{table}.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER[table])
        writer.writerows(rows)


def _load_more(base: Path, tmp_path: Path, files: dict[str, list[list[str]]]) -> tuple[Path, list[str]]:
    """Copy the base warehouse, load `files` into it; (its path, the rollup progress lines)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "w.duckdb"
    shutil.copy(base, path)
    folder = tmp_path / "more"
    for table, rows in files.items():
        _write(folder, table, rows)
    told: list[str] = []
    summaries = load_paths([folder], f"duckdb:///{path}",
                           progress=lambda what, done, total: told.append(what))
    assert all(s.status == "loaded" for s in summaries), [s.message for s in summaries]
    return path, sorted({w for w in told if w.startswith("weekly rollups")})


ROLLUPS = "SELECT platform, week, metric, value FROM rollup_weekly ORDER BY ALL"
STATE = "SELECT name, value FROM rollup_state WHERE name <> 'refreshed_at' ORDER BY ALL"


def _as_refreshed_in_full(path: Path, tmp_path: Path) -> None:
    """The rollups left by the load equal a full refresh of the same data, value for value."""
    copy = tmp_path / "full.duckdb"
    shutil.copy(path, copy)
    engine = warehouse.make_engine(f"duckdb:///{copy}")
    try:
        rollup.refresh(engine)
    finally:
        engine.dispose()
    with duckdb.connect(str(path), read_only=True) as a, \
            duckdb.connect(str(copy), read_only=True) as b:
        assert a.execute(STATE).fetchall() == b.execute(STATE).fetchall()
        got, full = a.execute(ROLLUPS).fetchall(), b.execute(ROLLUPS).fetchall()
    assert len(got) == len(full) > 0
    assert got == full


def _rows(base: Path, sql: str) -> list[list[str]]:
    with duckdb.connect(str(base), read_only=True) as con:
        return [["" if v is None else str(v) for v in row] for row in con.execute(sql).fetchall()]


def test_a_new_week_recomputes_from_the_week_before(base: Path, tmp_path: Path) -> None:
    """Among the new rows, our first answer to messages of the last week stored: that week's
    response rate changes, though none of its own rows did."""
    unanswered = _rows(base, """
        SELECT i.actor_id, i.target_id FROM interactions i JOIN people p ON p.person_id = i.target_id
        WHERE p.is_ours AND i.platform = 'x' AND i.kind IN ('dm', 'reply', 'comment', 'mention')
          AND i.occurred_at >= '2026-05-30 01:00' AND NOT EXISTS (
              SELECT 1 FROM interactions o WHERE o.actor_id = i.target_id
                AND o.target_id = i.actor_id AND o.occurred_at > i.occurred_at)
        ORDER BY i.occurred_at LIMIT 3""")
    assert unanswered, "the base data has messages to us in its last days that wait for us"
    answers = [[f"x:answer-{n}", "x", "2026-06-01T00:30:00Z", ours, theirs, "dm", "", "", "false"]
               for n, (theirs, ours) in enumerate(unanswered)]
    rows = [[f"x:new-{n}", "x", f"2026-06-0{2 + n % 5}T1{n % 10}:00:00Z",
             "x:us0" if n % 2 else f"x:p{n % 7}", f"x:p{n % 7}" if n % 2 else "x:us0",
             "dm", f"x:new-t{n % 7}", "", "false"] for n in range(40)]
    path, told = _load_more(base, tmp_path, {"interactions": answers + rows})
    # The new rows start on 2026-06-01, in 2026-W23: HORIZON before it is in 2026-W22.
    assert told and all(w.startswith("weekly rollups from 2026-W22:") for w in told)
    _as_refreshed_in_full(path, tmp_path)
    with duckdb.connect(str(base), read_only=True) as before, \
            duckdb.connect(str(path), read_only=True) as after:
        rate = ("SELECT value FROM rollup_weekly WHERE platform = 'x' AND week = '2026-W22' "
                "AND metric = 'response_rate'")
        assert after.execute(rate).fetchone() != before.execute(rate).fetchone()


def test_rows_replaced_far_back_recompute_from_their_old_time(base: Path, tmp_path: Path) -> None:
    """Two old interactions move to the last week: the weeks of their old times change too."""
    old = _rows(base, "SELECT interaction_id, platform, occurred_at, actor_id, target_id, kind, "
                      "thread_id, in_reply_to, automated FROM interactions WHERE kind = 'dm' "
                      "AND occurred_at BETWEEN '2025-01-06' AND '2025-01-12' ORDER BY 1 LIMIT 2")
    assert len(old) == 2
    moved = [[r[0], r[1], "2026-05-28T09:00:00Z", *r[3:8], r[8].lower()] for r in old]
    path, told = _load_more(base, tmp_path, {"interactions": moved})
    assert told and all(w.startswith("weekly rollups from 2024-W53:") or
                        w.startswith("weekly rollups from 2025-W01:") for w in told), told
    _as_refreshed_in_full(path, tmp_path)


def test_daily_counts_costs_and_referrals_recompute_from_their_day(base: Path,
                                                                   tmp_path: Path) -> None:
    path, told = _load_more(base, tmp_path, {
        "audience_daily": [["x", "x:us0", "2025-09-17", "5000", "", "", "", "", "", "", ""]],
        "costs": [["2025-W30", "x", "99", "70", "10"]],
        "referrals": [["ref:late", "2025-11-04T10:00:00Z", "x", "x:p1", "deal", "900", "EUR"]],
    })
    # The earliest is the cost week 2025-W30: the day before its Monday (2025-07-20), less
    # HORIZON, is 2025-07-13, a Sunday of 2025-W28.
    assert told and all(w.startswith("weekly rollups from 2025-W28:") for w in told), told
    _as_refreshed_in_full(path, tmp_path)


def test_a_reply_loaded_before_its_thread_recomputes_from_the_reply(base: Path,
                                                                    tmp_path: Path) -> None:
    """A reply loaded alone has no target; the thread's root, loaded later and dated later
    too, gives it one: the weeks from the reply's time on are recomputed, not only the root's."""
    first, told = _load_more(base, tmp_path / "one", {"interactions": [
        ["x:late-reply", "x", "2025-10-08T12:00:00Z", "x:us1", "", "reply", "x:late-root", "",
         "false"]]})
    assert told and all(w.startswith("weekly rollups from 2025-W40:") for w in told), told
    path, told = _load_more(first, tmp_path / "two", {"interactions": [
        ["x:late-root", "x", "2025-12-01T08:00:00Z", "x:p3", "", "post", "x:late-root", "",
         "false"]]})
    assert told and all(w.startswith("weekly rollups from 2025-W40:") for w in told), told
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT target_id FROM interactions WHERE interaction_id = "
                           "'x:late-reply'").fetchone() == ("x:p3",)
    _as_refreshed_in_full(path, tmp_path / "two")


@pytest.mark.parametrize("files", [
    # Someone becomes ours: every relationship changes sides.
    {"people": [["x:p5", "x", "p5", "Person 5", "true"]]},
    # Data before the first week stored.
    {"interactions": [["x:ancient", "x", "2023-06-01T10:00:00Z", "x:us0", "x:p1", "dm", "x:a",
                       "", "false"]]},
    # A platform with no rollups yet.
    {"interactions": [["mastodon:1", "mastodon", "2026-05-20T10:00:00Z", "mastodon:a",
                       "mastodon:b", "dm", "mastodon:t", "", "false"]]},
], ids=["ours-changes", "earlier-data", "new-platform"])
def test_changes_that_reach_every_week_recompute_every_week(base: Path, tmp_path: Path,
                                                            files: dict) -> None:
    path, told = _load_more(base, tmp_path, files)
    assert told and not any(" from " in w for w in told), told
    _as_refreshed_in_full(path, tmp_path)


def test_rollups_stale_before_the_load_are_recomputed_whole(base: Path, tmp_path: Path) -> None:
    """Rows written by another tool since the last refresh: the load cannot know their weeks."""
    stale = tmp_path / "stale.duckdb"
    shutil.copy(base, stale)
    with duckdb.connect(str(stale)) as con:
        con.execute("UPDATE interactions SET kind = 'dm' WHERE interaction_id IN "
                    "(SELECT interaction_id FROM interactions WHERE kind = 'comment' "
                    "AND occurred_at < '2024-09-01' LIMIT 3)")
        con.execute("DELETE FROM interactions WHERE interaction_id IN (SELECT interaction_id "
                    "FROM interactions WHERE kind = 'reaction' LIMIT 1)")
    path, told = _load_more(stale, tmp_path, {"interactions": [
        ["x:n1", "x", "2026-06-03T10:00:00Z", "x:us0", "x:p1", "dm", "x:n", "", "false"]]})
    assert told and not any(" from " in w for w in told), told
    _as_refreshed_in_full(path, tmp_path)


def test_no_metric_reads_past_the_horizon() -> None:
    """A partial refresh starts HORIZON before the earliest change: every answer window of the
    catalog must fit in it."""
    windows = [m.answer_window for m in CATALOG if m.answer_window is not None]
    windows += [int(m.param("window")) for m in CATALOG if m.type == "harm_after_automation"]
    assert windows and max(windows) <= HORIZON.total_seconds()


def _message(interaction_id: str, when: str, actor: str, kind: str, thread: str,
             answers: str = "", target: str = "") -> list[str]:
    return [interaction_id, "x", when, actor, target, kind, thread, answers, "false"]


PEOPLE = [["x:alice", "x", "alice", "Alice", "true"], ["x:bob", "x", "bob", "Bob", "false"]]
EARLY = _message("x:early", "2025-10-06T09:00:00Z", "x:alice", "post", "x:early")


def _loads(tmp_path: Path, steps: list[dict[str, list[list[str]]]]) -> tuple[Path, list[str]]:
    """Load each step's files in turn into one new warehouse; the last step's rollup lines."""
    path, told = tmp_path / "w.duckdb", []
    for n, files in enumerate(steps):
        folder = tmp_path / f"step{n}"
        for table, rows in files.items():
            _write(folder, table, rows)
        told = []
        summaries = load_paths([folder], f"duckdb:///{path}",
                               progress=lambda what, done, total: told.append(what))
        assert all(s.status == "loaded" for s in summaries), [s.message for s in summaries]
    return path, sorted({w for w in told if w.startswith("weekly rollups")})


def test_a_reply_whose_answered_message_came_in_between_counts_from_its_own_time(
        tmp_path: Path) -> None:
    """Inferring an earlier load again fills every waiting row it now can: here a January
    reply whose answered message a second load wrote, found when a third load touches another
    of that load's threads in March. The weeks from January on are recomputed."""
    path, told = _loads(tmp_path, [
        {"people": PEOPLE, "interactions": [
            EARLY,
            _message("x:r", "2026-01-07T10:00:00Z", "x:alice", "reply", "x:tr", answers="x:p1"),
            _message("x:r2", "2026-03-25T10:00:00Z", "x:carol", "reply", "x:t2"),
            _message("x:f2", "2026-03-30T09:00:00Z", "x:alice", "post", "x:f2")]},
        {"interactions": [_message("x:p1", "2026-01-06T10:00:00Z", "x:bob", "post", "x:tp")]},
        {"interactions": [_message("x:t2", "2026-03-20T10:00:00Z", "x:dave", "post", "x:t2")]},
    ])
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT target_id FROM interactions WHERE interaction_id = 'x:r'"
                           ).fetchone() == ("x:bob",)
    assert told and all(w.startswith("weekly rollups from 2026-W01:") for w in told), told
    _as_refreshed_in_full(path, tmp_path)


def test_a_mention_dropped_when_an_earlier_load_is_inferred_again_counts(tmp_path: Path) -> None:
    """A January mention of an earlier load becomes redundant once its message (replaced by a
    later load) names the same target; inferring that load again drops it, in January."""
    path, told = _loads(tmp_path, [
        {"people": PEOPLE, "interactions": [
            EARLY,
            _message("x:m1/mention/bob", "2026-01-07T10:00:00Z", "x:alice", "mention", "x:tm",
                     target="x:bob"),
            _message("x:r2", "2026-03-25T10:00:00Z", "x:carol", "reply", "x:t2"),
            _message("x:f2", "2026-03-30T09:00:00Z", "x:alice", "post", "x:f2")]},
        {"interactions": [_message("x:m1", "2026-01-07T10:00:00Z", "x:alice", "reply", "x:tm",
                                   target="x:bob")]},
        {"interactions": [_message("x:t2", "2026-03-20T10:00:00Z", "x:dave", "post", "x:t2")]},
    ])
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM interactions WHERE interaction_id = "
                           "'x:m1/mention/bob'").fetchone() == (0,)
    assert told and all(w.startswith("weekly rollups from 2026-W01:") for w in told), told
    _as_refreshed_in_full(path, tmp_path)
