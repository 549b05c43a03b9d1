"""Weekly rollups change how fast an answer comes, never the answer.

The rollups are refreshed the way a load refreshes them, then the same questions are asked
with them and without them (RAPPORT_ROLLUPS=off computes live).
"""
from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from metrics import api, batches, rollup
from pipelines import warehouse
from pipelines.load import load_memory
from tests.metrics.builder import Warehouse
from tests.metrics.test_startup_paths import _modules_after


def _community(url: str) -> None:
    w = Warehouse(url)
    w.person("x:O", ours=True)
    for n in range(6):
        w.person(f"x:P{n}")
    for week in range(8):
        day = 2 + week * 7
        for n in range(week % 4 + 1):
            when = f"2026-03-{day:02d} 1{n}:00" if day <= 31 else f"2026-04-{day - 31:02d} 1{n}:00"
            thread = f"t{week}-{n}"
            w.say(when, "x:O", f"x:P{n}", "dm", thread=thread)
            if n % 2 == 0:
                w.say(when.replace(":00", ":30"), f"x:P{n}", "x:O", "dm", thread=thread)
    # A second platform, different enough that its values differ from x's and from the sum.
    w.person("li:O", ours=True, platform="linkedin")
    w.person("li:P", platform="linkedin")
    for week in range(0, 8, 2):
        when = f"2026-03-{3 + week * 3:02d} 09:00"
        w.say(when, "li:O", "li:P", "comment", thread=f"li{week}", platform="linkedin")
        w.say(when.replace("09:", "11:"), "li:P", "li:O", "reply", thread=f"li{week}",
              platform="linkedin")
    w.audience("2026-03-06", "li:O", platform="linkedin", followers=40)
    w.referral("2026-03-25 10:00", value=120.0, platform="linkedin")
    w.audience("2026-03-05", "x:O", followers=100, impressions=1000)
    w.audience("2026-04-10", "x:O", followers=130, impressions=900)
    w.referral("2026-03-20 09:00", value=500.0)
    w.cost("2026-W12", hours=3, hourly_rate=50.0)
    w.save()


def _same(a: list[dict], b: list[dict]) -> bool:
    def norm(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, 9)
    return [{**r, "value": norm(r["value"])} for r in a] == \
        [{**r, "value": norm(r["value"])} for r in b]


def _refresh(url: str) -> list[tuple[str, int, int]]:
    """Refresh the rollups as a load does (under its memory bound); what it told its progress."""
    told: list[tuple[str, int, int]] = []
    engine = warehouse.make_engine(url)
    try:
        assert rollup.refresh_after_load(engine, memory=load_memory(),
                                         progress=lambda *a: told.append(a)) is not None
    finally:
        engine.dispose()
    return told


def _stored(engine: sa.Engine) -> list[dict]:
    """Every stored rollup row, in a fixed order."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(rollup.rollup_weekly).order_by(*rollup.rollup_weekly.c)).mappings()]


@pytest.fixture
def rolled_up(duckdb_url: str, monkeypatch) -> str:
    monkeypatch.setenv(rollup.ENV, "on")
    _community(duckdb_url)
    _refresh(duckdb_url)
    return duckdb_url


def test_served_values_equal_live_ones(rolled_up: str, monkeypatch) -> None:
    served = api.compute_records(rolled_up, "2026-W16", 6)
    assert rollup.lookup(rolled_up, "2026-W16", 6, None, ["reciprocal_relationships"])
    monkeypatch.setenv(rollup.ENV, "off")
    live = api.compute_records(rolled_up, "2026-W16", 6)
    assert any(r["value"] for r in live)
    assert _same(served, live)


@pytest.mark.parametrize("platform", ["x", "linkedin"])
def test_each_platform_is_served_with_its_live_values(rolled_up: str, platform: str,
                                                     monkeypatch) -> None:
    stored = rollup.lookup(rolled_up, "2026-W16", 6, None, ["conversations"], platform)
    everyone = rollup.lookup(rolled_up, "2026-W16", 6, None, ["conversations"])
    assert stored is not None and stored != everyone
    served = api.compute_records(rolled_up, "2026-W16", 6, platform=platform)
    monkeypatch.setenv(rollup.ENV, "off")
    live = api.compute_records(rolled_up, "2026-W16", 6, platform=platform)
    assert any(r["value"] for r in live)
    assert _same(served, live)


def test_a_platform_without_data_and_an_empty_platform_name_are_computed_live(
        rolled_up: str) -> None:
    assert rollup.lookup(rolled_up, "2026-W16", 2, None, ["conversations"], "mastodon") is None
    assert rollup.lookup(rolled_up, "2026-W16", 2, None, ["conversations"], "") is None
    values = {r["metric"]: r["value"]
              for r in api.compute_records(rolled_up, "2026-W16", 1, platform="mastodon")}
    assert values["messages_sent"] == 0


def test_the_refresh_reports_each_platform_it_computes(duckdb_url: str, monkeypatch) -> None:
    monkeypatch.setenv(rollup.ENV, "on")
    _community(duckdb_url)
    assert _refresh(duckdb_url) == [(f"weekly rollups: {name}", done + step, 3)
                                   for done, name in enumerate(["all platforms", "linkedin", "x"])
                                   for step in (0, 1)]


def test_one_platform_is_computed_once_and_served_for_itself_and_all(
        duckdb_url: str, monkeypatch) -> None:
    monkeypatch.setenv(rollup.ENV, "on")
    w = Warehouse(duckdb_url)
    w.person("x:O", ours=True)
    w.person("x:P")
    w.say("2026-04-07 09:00", "x:O", "x:P", "dm", thread="s")
    w.say("2026-04-08 09:00", "x:O", "x:P", "dm", thread="s")
    w.say("2026-04-14 09:00", "x:O", "x:P", "dm", thread="t")
    w.say("2026-04-14 10:00", "x:P", "x:O", "dm", thread="t")
    w.save()
    assert _refresh(duckdb_url) == [("weekly rollups: all platforms", done, 1) for done in (0, 1)]
    names = ["conversations", "messages_sent"]
    stored = rollup.lookup(duckdb_url, "2026-W16", 2, None, names, "x")
    assert stored == rollup.lookup(duckdb_url, "2026-W16", 2, None, names)
    monkeypatch.setenv(rollup.ENV, "off")
    live = api.compute_wide(duckdb_url, "2026-W16", 2, platform="x", metrics=names)
    assert [r["messages_sent"] for r in stored] == list(live["messages_sent"]) == [2, 1]


def test_a_catalog_too_large_for_the_memory_bound_is_two_statements_that_cover_it() -> None:
    names = [m.name for m in rollup.cat.CATALOG]
    gib = 2 ** 30
    assert batches.statements(names, 10_000_000, None) == [names]  # unbounded
    assert batches.statements(names, 3_300_000, 0.93 * gib) == [names]  # fits
    pairs, rest = batches.statements(names, 10_000_000, 0.93 * gib)
    assert sorted(pairs + rest) == sorted(names) and not set(pairs) & set(rest)
    assert {"reciprocal_relationships", "conversations", "reply_rate"} <= set(pairs)
    assert {"messages_sent", "response_rate", "social_roi"} <= set(rest)
    assert len(batches.statements(names, 10_000_000, 2 * gib)) == 2
    assert batches.statements(names, 10_000_000, 3 * gib) == [names]
    # a short span holds less: at 5.4M a GiB one statement is faster over 13 weeks, not 104
    assert len(batches.statements(names, 10_000_000, 2 * 0.93 * gib, weeks=104)) == 2
    assert batches.statements(names, 10_000_000, 2 * 0.93 * gib, weeks=13) == [names]
    assert len(batches.statements(names, 10_000_000, 1.5 * 0.93 * gib, weeks=13)) == 2
    assert batches.statements(["messages_sent", "followers"], 10 ** 9, 1.0) == [
        ["messages_sent", "followers"]]  # nothing that keeps every pair: nothing to split


def test_two_catalogs_run_at_once_only_when_both_fit_in_the_memory_bound() -> None:
    gib = 2 ** 30
    assert batches.side_by_side(1_000_000, 0.93 * gib)  # a 1M load under its 1GB
    assert not batches.side_by_side(3_300_000, 0.93 * gib)  # one fits, two would split
    assert not batches.side_by_side(10_000_000, 0.93 * gib)
    assert batches.side_by_side(10_000_000, 16 * gib)
    assert not batches.side_by_side(1_000, None)  # the limit is not known


def test_catalogs_computed_two_at_once_store_what_one_at_a_time_does(duckdb_url: str,
                                                                     monkeypatch) -> None:
    """A refresh with two cores runs its catalogs on two threads (own connections); with one
    core it runs them in turn on its own connection: the same values stored."""
    import threading

    monkeypatch.setenv(rollup.ENV, "on")
    _community(duckdb_url)
    threads: list[str] = []
    rows = batches.catalog_rows
    monkeypatch.setattr(batches, "catalog_rows", lambda *a: threads.append(
        threading.current_thread().name) or rows(*a))
    engine = warehouse.make_engine(duckdb_url)

    try:
        monkeypatch.setattr(rollup, "cores", lambda: 2)
        rollup.refresh(engine, memory="1GB")
        together, at_once = _stored(engine), threads[:]
        threads.clear()
        monkeypatch.setattr(rollup, "cores", lambda: 1)
        rollup.refresh(engine, memory="1GB")
        in_turn = _stored(engine)
    finally:
        engine.dispose()
    assert len(at_once) == 3 and all(t.startswith("rollups") for t in at_once)
    assert threads == [threading.current_thread().name] * 3
    assert len(together) == 3 * 8 * len(rollup.cat.CATALOG)
    assert _same(together, in_turn)


def test_a_refresh_in_two_statements_stores_what_one_statement_does(duckdb_url: str,
                                                                    monkeypatch) -> None:
    monkeypatch.setenv(rollup.ENV, "on")
    _community(duckdb_url)
    counts: list[int] = []
    split = batches.statements
    monkeypatch.setattr(batches, "statements",
                        lambda *a: counts.append(len(split(*a))) or split(*a))
    engine = warehouse.make_engine(duckdb_url)

    try:
        rollup.refresh(engine)  # unbounded: one statement
        whole = _stored(engine)
        monkeypatch.setattr(batches, "SPLIT_ABOVE_PER_GIB", 0)
        monkeypatch.setattr(batches, "SHORT_SPLIT_ABOVE_PER_GIB", 0)  # this small catalog is too large
        rollup.refresh(engine, memory="1GB")
        halves = _stored(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("SET memory_limit = '1GB'")
            assert batches.memory_limit(conn) == pytest.approx(10 ** 9, rel=0.01)
    finally:
        engine.dispose()
    assert counts == [1, 1, 1, 2, 2, 2]  # all platforms, linkedin, x; in each refresh
    assert len(whole) == 3 * 8 * len(rollup.cat.CATALOG)  # three scopes of eight weeks
    assert any(r["value"] for r in whole if r["metric"] == "reciprocal_relationships")
    assert _same(whole, halves)


def test_rollups_of_an_older_layout_are_replaced(duckdb_url: str, monkeypatch) -> None:
    monkeypatch.setenv(rollup.ENV, "on")
    _community(duckdb_url)
    engine = warehouse.make_engine(duckdb_url)
    try:
        with engine.begin() as conn:  # the layout before platforms were stored
            conn.exec_driver_sql("CREATE TABLE rollup_weekly (week VARCHAR, metric VARCHAR, "
                                 "value DOUBLE, PRIMARY KEY (week, metric))")
            conn.exec_driver_sql("INSERT INTO rollup_weekly "
                                 "VALUES ('2026-W16', 'conversations', 99)")
        assert rollup.refresh_after_load(engine) is not None
    finally:
        engine.dispose()
    assert rollup.lookup(duckdb_url, "2026-W16", 1, None, ["conversations"], "x") is not None


def test_weeks_outside_the_stored_range_are_not_served(rolled_up: str) -> None:
    assert rollup.lookup(rolled_up, "2026-W30", 2, None, ["conversations"]) is None


def test_changed_data_is_not_served_from_stale_rollups(rolled_up: str) -> None:
    assert rollup.lookup(rolled_up, "2026-W16", 4, None, ["conversations"]) is not None
    engine = warehouse.make_engine(rolled_up)
    try:
        with engine.begin() as conn:  # a teammate joins: who is ours changed
            conn.execute(sa.update(warehouse.people).where(
                warehouse.people.c.person_id == "x:P0").values(is_ours=True))
    finally:
        engine.dispose()
    assert rollup.lookup(rolled_up, "2026-W16", 4, None, ["conversations"]) is None
    live = {r["metric"]: r["value"] for r in api.compute_records(rolled_up, "2026-W16", 1)}
    assert live["messages_sent"] is not None


def test_the_cli_serves_rollups_without_pandas(rolled_up: str) -> None:
    loaded, out = _modules_after(["metrics", "--week", "2026-W16", "--weeks", "2",
                                  "--db", rolled_up, "--format", "json"])
    assert loaded["code"] == 0
    assert "pandas" not in loaded["loaded"]
    assert '"reciprocal_relationships"' in out


def test_a_live_read_too_large_for_its_bound_is_two_statements_with_the_same_values(
        duckdb_url: str, monkeypatch) -> None:
    monkeypatch.setenv(rollup.ENV, "off")
    _community(duckdb_url)
    told: list[list[list[str]]] = []
    plan = batches.plan
    monkeypatch.setattr(batches, "plan", lambda *a: told.append(plan(*a)) or told[-1])
    whole = api.compute_wide(duckdb_url, "2026-W17", 8)
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, "64MB")
    bounded = api.compute_wide(duckdb_url, "2026-W17", 8)
    monkeypatch.setattr(batches, "SHORT_SPLIT_ABOVE_PER_GIB", 0)  # as if it did not fit
    split = api.compute_wide(duckdb_url, "2026-W17", 8)
    one = api.compute_wide(duckdb_url, "2026-W17", 1)
    assert [len(p) for p in told] == [1, 1, 2, 2]
    assert {"reciprocal_relationships", "conversations"} <= set(told[2][0])
    assert whole.shape == (8, 1 + len(rollup.cat.CATALOG))
    assert whole["reciprocal_relationships"].sum() > 0 and whole["conversations"].sum() > 0
    for frame in (bounded, split):
        assert frame.equals(whole), frame.compare(whole)
    assert one.iloc[0].equals(whole.iloc[-1])
