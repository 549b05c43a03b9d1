"""Properties on random small warehouses: the engines agree, and the outcomes stay coherent."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics.builder import Warehouse, values

PEOPLE = ["x:O", "x:O2", "x:P", "x:Q", "x:R", "x:S"]
OURS = {"x:O", "x:O2"}
KINDS = ["post", "reply", "comment", "mention", "dm", "reaction", "share", "follow",
         "unfollow", "list_add"]
START = datetime(2026, 2, 2)  # Monday of 2026-W06
END_WEEK, WEEKS = "2026-W10", 4
# Times on and around week boundaries, plus whole hours in between, so ties and edges occur.
MOMENTS = [START + timedelta(days=7 * k) + d for k in range(6)
           for d in (timedelta(0), timedelta(microseconds=-1), timedelta(hours=3),
                     timedelta(days=2, hours=5), timedelta(days=6, hours=23))]

interaction = st.fixed_dictionaries({
    "when": st.sampled_from(MOMENTS),
    "actor": st.sampled_from(PEOPLE + ["x:U"]),
    "target": st.sampled_from(PEOPLE + ["x:U", None, ""]),
    "kind": st.sampled_from(KINDS),
    "thread": st.sampled_from(["t1", "t2", "t3", None]),
    "automated": st.booleans(),
    "reply_to": st.sampled_from([None, "x:1"]),
})
datasets = st.lists(interaction, max_size=30)
RULES = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def fill(url: str, rows: list[dict]) -> dict:
    w = Warehouse(url)
    w.clear()
    for p in PEOPLE:
        w.person(p, ours=p in OURS)
    for r in rows:
        w.say(r["when"], r["actor"], r["target"], r["kind"], thread=r["thread"],
              reply_to=r["reply_to"], automated=r["automated"])
    w.audience("2026-03-03", "x:O", followers=10, impressions=3)
    w.cost(END_WEEK, hours=2, hourly_rate=10)
    w.referral("2026-03-03 10:00", value=25.0)
    w.save()
    return values(url, END_WEEK, WEEKS)


def same(a: dict, b: dict) -> bool:
    for metric, weeks in a.items():
        for week, x in weeks.items():
            y = b[metric][week]
            if (x is None) != (y is None) or (x is not None and x != pytest.approx(y)):
                return False
    return True


@RULES
@given(rows=datasets)
def test_duckdb_sqlite_and_postgresql_agree(rows, duckdb_url, sqlite_url, pg_url):
    duck = fill(duckdb_url, rows)
    assert same(duck, fill(sqlite_url, rows)), "SQLite differs from DuckDB"
    assert same(duck, fill(pg_url, rows)), "PostgreSQL differs from DuckDB"


@RULES
@given(rows=datasets)
def test_outcomes_are_coherent(rows, duckdb_url):
    got = fill(duckdb_url, rows)
    conv = [r for r in rows if r["kind"] in ("reply", "comment", "mention", "dm")
            and r["target"] and r["actor"] != r["target"]]
    outbound_pairs = {(r["actor"], r["target"]) for r in conv
                      if r["actor"] in OURS and r["target"] not in OURS}
    inbound_pairs = {(r["target"], r["actor"]) for r in conv
                     if r["actor"] not in OURS and r["target"] in OURS}
    for week in got["reciprocal_relationships"]:
        recip = got["reciprocal_relationships"][week]
        assert recip <= min(len(outbound_pairs), len(inbound_pairs))
        assert got["conversations_with_us"][week] <= got["conversations"][week]
        for rate in ("reply_rate", "response_rate"):
            value = got[rate][week]
            assert value is None or 0.0 <= value <= 1.0
        hours = got["median_response_hours"][week]
        assert hours is None or 0.0 < hours <= 48.0
