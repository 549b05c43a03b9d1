"""The forms only DuckDB runs give the portable forms' numbers.

On DuckDB, while the weeks fit in 128 bits, the measures that would otherwise list (week, key)
rows hold each key's weeks as a bit set instead: reciprocal and newly reciprocal relationships
(one grouping by pair and direction for both), two-way threads and the distinct counts
(elsewhere, and for longer ranges: merged week intervals, and DISTINCT lists of weeks and keys).
Reply and response rates find the first answer after each message with an ASOF join
(elsewhere, a running MIN over a window). Both forms are compiled here on the same synthetic
warehouse and must agree week by week, in UTC and in a zone whose weeks change their UTC
offset.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from metrics.catalog import CATALOG
from metrics.compiler import compile_metrics
from metrics.dialects import has_asof, has_week_sets
from metrics.scope import Scope
from metrics.synthetic import generate
from pipelines import warehouse
from tests.metrics.builder import Warehouse, at

RECIPROCAL = ["reciprocal_relationships", "member_reciprocal_pairs"]
WEEK_SETS = ["active_members", "advocates", "conversations", "conversations_with_us",
             "reciprocal_relationships", "new_reciprocal_relationships", "member_reciprocal_pairs"]
ANSWERS = ["reply_rate", "response_rate", "median_response_hours"]


@pytest.fixture(scope="module")
def synthetic_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('week-sets') / 'w.duckdb'}"
    generate(url, interactions=40_000, people=400, seed=11)
    return url


def _values(url: str, scope: Scope, names: list[str] = RECIPROCAL) -> list[tuple]:
    with warehouse.read_connection(url) as conn:
        return [tuple(row) for row in conn.execute(compile_metrics(names, scope))]


@pytest.mark.parametrize("end_week, weeks, tz", [
    ("2026-W44", 104, "UTC"),               # the benchmark's range
    ("2026-W44", 127, "UTC"),               # the longest: 128 weeks with the lead week
    ("2025-W40", 30, "America/New_York"),   # weeks that cross two offset changes
    ("2025-W02", 1, "UTC"),                 # one week
])
def test_week_sets_agree_with_the_portable_form(synthetic_url: str, end_week: str, weeks: int,
                                                tz: str) -> None:
    sets = Scope.of(end_week, weeks, tz=tz, engine="duckdb")
    portable = Scope.of(end_week, weeks, tz=tz)
    sql = str(compile_metrics(WEEK_SETS, sets).compile(dialect=_duckdb_dialect()))
    # The week-set forms are the ones compiled for DuckDB: no list of (week, key) rows.
    assert "bit_or" in sql and "count(DISTINCT" not in sql and "threads_active" not in sql
    assert sql.count("GROUP BY ours_theirs_pair_events.a") == 1  # one grouping, two measures
    got, expected = _values(synthetic_url, sets, WEEK_SETS), _values(synthetic_url, portable,
                                                                      WEEK_SETS)
    assert got == expected
    if weeks > 1:  # every measure has something to count
        assert all(any(column) for column in list(zip(*expected))[1:])


@pytest.mark.parametrize("names", [["conversations"], ["conversations_with_us"],
                                   ["new_reciprocal_relationships"], ["advocates"],
                                   ["active_members", "messages_sent"]])
def test_each_week_set_measure_alone_agrees(synthetic_url: str, names: list[str]) -> None:
    scopes = (Scope.of("2026-W44", 104, engine="duckdb"), Scope.of("2026-W44", 104))
    got, expected = (_values(synthetic_url, scope, names) for scope in scopes)
    assert got == expected


def test_a_thread_counts_in_the_weeks_of_every_message(tmp_path) -> None:
    """Two-way in week 1; in week 2 its only message is to oneself, in week 3 it is silent,
    in week 4 a third person writes into it. A second thread is never two-way."""
    url = f"duckdb:///{tmp_path / 'threads.duckdb'}"
    w = Warehouse(url)
    us, p, q = w.person("x:us", ours=True), w.person("x:p"), w.person("x:q")
    w.say("2026-01-06 10:00", p, us, kind="reply", thread="x:t1")
    w.say("2026-01-07 10:00", us, p, kind="reply", thread="x:t1")
    w.say("2026-01-13 10:00", p, p, kind="reply", thread="x:t1")
    w.say("2026-01-27 10:00", q, p, kind="reply", thread="x:t1")
    w.say("2026-01-06 11:00", q, us, kind="reply", thread="x:t2")
    w.say("2026-01-13 11:00", q, us, kind="reply", thread="x:t2")
    w.save()
    for engine in ("duckdb", None):
        got = _values(url, Scope.of("2026-W05", 4, engine=engine),
                      ["conversations", "conversations_with_us"])
        assert got == [("2026-W02", 1, 1), ("2026-W03", 1, 1), ("2026-W04", 0, 0),
                       ("2026-W05", 1, 1)], engine


@pytest.mark.parametrize("end_week, weeks, tz", [
    ("2026-W44", 104, "UTC"),
    ("2025-W40", 30, "America/New_York"),
])
def test_asof_answers_agree_with_the_portable_form(synthetic_url: str, end_week: str,
                                                   weeks: int, tz: str) -> None:
    asof = Scope.of(end_week, weeks, tz=tz, engine="duckdb")
    portable = Scope.of(end_week, weeks, tz=tz)
    assert "ASOF LEFT JOIN" in str(compile_metrics(ANSWERS, asof).compile(
        dialect=_duckdb_dialect()))
    got, expected = _values(synthetic_url, asof, ANSWERS), _values(synthetic_url, portable,
                                                                   ANSWERS)
    assert [row[0] for row in got] == [row[0] for row in expected]
    assert got == expected  # the same values to the last bit, medians included
    assert any(row[1] for row in expected)  # messages were answered: the rates are not all 0


@pytest.mark.parametrize("waits, median", [([1, 2, 4, 8], 3.0), ([1, 2, 4], 2.0), ([5], 5.0),
                                            ([0.1, 0.2, 0.7, 1.3], (0.2 + 0.7) / 2)])
def test_the_median_wait_is_the_mean_of_the_middle_values(tmp_path, waits: list[float],
                                                          median: float) -> None:
    url = f"duckdb:///{tmp_path / 'waits.duckdb'}"
    w = Warehouse(url)
    us = w.person("x:us", ours=True)
    for n, hours in enumerate(waits):
        them = w.person(f"x:p{n}")
        w.say(f"2026-01-06 0{n}:00", them, us)
        w.say(f"2026-01-06 0{n}:00", us, them)  # at the same time: not an answer
        w.say(at(f"2026-01-06 0{n}:00") + timedelta(hours=hours), us, them)
    w.save()
    sql = str(compile_metrics(["median_response_hours"], Scope.of(
        "2026-W02", 1, engine="duckdb")).compile(dialect=_duckdb_dialect()))
    assert "quantile_disc" in sql and "response_waits_ranked" not in sql
    for engine in ("duckdb", None):
        got = _values(url, Scope.of("2026-W02", 1, engine=engine), ["median_response_hours"])
        assert got == [("2026-W02", median)], engine


# DuckDB's hash() gives these two ids the same value, and so every key that pairs them with
# the same other id: a form that numbered, joined or sorted people by such a hash would take
# one for the other.
COLLIDING = ("slack:t3505-0-11", "slack:t8505-0-14")


def test_answers_are_exact_when_the_hashes_of_ids_collide(tmp_path) -> None:
    url = f"duckdb:///{tmp_path / 'collide.duckdb'}"
    first, second = (duckdb.connect().execute(f"SELECT hash('{i}')").fetchone()[0]
                     for i in COLLIDING)
    assert first == second
    w = Warehouse(url)
    us, a, b = w.person("slack:us", ours=True, platform="slack"), *(
        w.person(i, platform="slack") for i in COLLIDING)
    # Both write to us; we answer b within the 2-day window, a only after it.
    w.say("2026-01-06 10:00", a, us, platform="slack")
    w.say("2026-01-06 11:00", b, us, platform="slack")
    w.say("2026-01-06 12:00", us, b, platform="slack")
    w.say("2026-01-09 09:00", us, a, platform="slack")
    # Those two messages of ours open; within 7 days only b answers.
    w.say("2026-01-12 08:00", b, us, platform="slack")
    w.save()
    for engine in ("duckdb", None):
        got = _values(url, Scope.of("2026-W02", 1, engine=engine), ANSWERS)
        # Joined on the hash alone, a's message would take our answer to b (2 h later) and
        # our message to a would take b's answer: 1.0, 1.0 and 1.5 hours.
        assert got == [("2026-W02", 0.5, 0.5, 1.0)], engine


@pytest.fixture(scope="module")
def strangers_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The synthetic warehouse with a tenth of its people removed: their ids, still acting and
    addressed in interactions, are not in people (valid: they are simply not ours)."""
    url = f"duckdb:///{tmp_path_factory.mktemp('strangers') / 'w.duckdb'}"
    generate(url, interactions=40_000, people=400, seed=5)
    with duckdb.connect(warehouse.duckdb_path(url)) as con:
        con.execute("DELETE FROM people WHERE NOT is_ours AND hash(person_id) % 10 = 0")
        strangers = con.execute(
            "SELECT count(DISTINCT actor_id) FROM interactions WHERE actor_id NOT IN "
            "(SELECT person_id FROM people)").fetchone()[0]
    assert strangers > 10
    return url


@pytest.mark.parametrize("filters", [{}, {"platform": "slack"}, {"account": "x:us1"}])
def test_person_keys_give_the_numbers_of_the_ids(strangers_url: str, filters: dict) -> None:
    names = [m.name for m in CATALOG]
    keyed = Scope.of("2026-W44", 104, engine="duckdb", **filters)
    text = Scope.of("2026-W44", 104, **filters)
    sql = str(compile_metrics(names, keyed).compile(dialect=_duckdb_dialect()))
    assert "person_keys" in sql  # the numbered form is the one compiled for DuckDB
    assert "person_keys" not in str(compile_metrics(names, text).compile(
        dialect=_duckdb_dialect()))
    got, expected = _values(strangers_url, keyed, names), _values(strangers_url, text, names)
    assert [row[0] for row in got] == [row[0] for row in expected]
    for mine, theirs in zip(got, expected):
        assert [None if v is None else pytest.approx(v, rel=1e-12) for v in theirs[1:]] \
            == list(mine[1:]), mine[0]
    by_name = dict(zip(names, zip(*(row[1:] for row in expected))))
    for name in ("conversations", "reciprocal_relationships", "member_reciprocal_pairs",
                 "reply_rate", "response_rate"):
        assert any(by_name[name]), name  # each relationship measure has something to count


def test_only_duckdb_is_given_the_asof_form() -> None:
    assert has_asof("duckdb") and not has_asof("postgresql") and not has_asof(None)


def test_ranges_beyond_128_weeks_use_the_portable_form() -> None:
    assert has_week_sets("duckdb", 128)
    assert not has_week_sets("duckdb", 129)
    assert not has_week_sets("postgresql", 10)
    long = Scope.of("2026-W44", 200, engine="duckdb")
    sql = str(compile_metrics(WEEK_SETS, long).compile(dialect=_duckdb_dialect()))
    assert "bit_or" not in sql and "_islands" in sql
    assert "count(DISTINCT" in sql and "threads_active" in sql


def _duckdb_dialect():
    import duckdb_engine

    return duckdb_engine.Dialect()
