"""The SQL metrics agree with the oracle's literal reading of DESIGN section 4, on random data
whose times land on every window's edge, in UTC, under a platform filter and across a DST change."""
from __future__ import annotations

import datetime as dt
import math
import os
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from metrics.api import compute
from pipelines import warehouse
from tests.metrics.oracle import METRICS, Row, oracle_metrics

UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
PLATFORMS = ("x", "slack")
# One pool of ids for every platform, so a platform filter that narrowed "who is ours" shows.
IDS = ("u:o1", "u:o2", "u:a", "u:b", "u:c", "u:d")
THREADS = ("t1", "t2", "t3")
# The weeks compared: 2026-W43 holds the end of summer time in Europe (Sunday 25 October).
END_WEEK, WEEKS = "2026-W44", ("2026-W42", "2026-W43", "2026-W44")
TABLES = ("people", "interactions", "audience_daily", "referrals", "costs")


def _monday(week_number: int) -> dt.date:
    return dt.date.fromisocalendar(2026, week_number, 1)


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def _anchors() -> list[dt.datetime]:
    """Instants where windows open or close: week edges in both zones and end(W) - 90 days."""
    out = []
    for number in range(41, 47):
        for zone in (UTC, BERLIN):
            edge = _midnight(_monday(number), zone)
            out += [edge, edge - dt.timedelta(days=90),
                    _midnight(_monday(number) - dt.timedelta(days=90), zone)]
    return sorted(set(out))


ANCHORS = _anchors()
EARLIEST = _midnight(_monday(41), UTC) - dt.timedelta(days=100)
LATEST = _midnight(_monday(46), UTC)
NUDGES = (dt.timedelta(0),) * 4 + (dt.timedelta(seconds=1), -dt.timedelta(seconds=1),
                                    dt.timedelta(microseconds=1))
# Offsets from an earlier event: exactly on, just inside and just outside each window.
STEPS = tuple(dt.timedelta(**kw) for kw in (
    {"hours": 48}, {"hours": 48, "seconds": 1}, {"days": 7}, {"days": 7, "seconds": 1},
    {"days": -7}, {"days": -7, "seconds": -1}, {"seconds": 1}, {"seconds": -1}, {}, {"hours": 3},
    {"hours": 167}, {"hours": 169}, {"days": 90}, {"days": -90}))


@st.composite
def step_from(draw, base: dt.datetime) -> dt.datetime:
    """An instant a window's length (or a second more or less) from `base`."""
    if draw(st.integers(0, 3)):
        return base + draw(st.sampled_from(STEPS))
    # Seven calendar days in Berlin: 167 or 169 hours across a DST change.
    sign = draw(st.sampled_from([1, -1]))
    return (base.astimezone(BERLIN) + sign * dt.timedelta(days=7)).astimezone(UTC)


@st.composite
def instants(draw, earlier: list[dt.datetime] | None = None) -> dt.datetime:
    """A UTC instant: on a window edge, a step from an earlier event, or anywhere."""
    choices = ["anchor", "anchor", "any", "recent", "recent", "recent"]
    choice = draw(st.sampled_from(choices + ["step", "step"] if earlier else choices))
    if choice == "anchor":
        at = draw(st.sampled_from(ANCHORS)) + draw(st.sampled_from(NUDGES))
    elif choice == "step":
        at = draw(step_from(draw(st.sampled_from(earlier))))
    elif choice == "recent":
        at = _midnight(_monday(42), UTC) + dt.timedelta(
            seconds=draw(st.integers(0, 21 * 86400 - 1)))
    else:
        at = EARLIEST + dt.timedelta(seconds=draw(st.integers(0, int(
            (LATEST - EARLIEST).total_seconds()))))
    return at


@st.composite
def events(draw, n: int, earlier: list[Row]) -> Row:
    """One interaction: anything at all, or a move answering an earlier one (an answer back,
    an unfollow of its sender), timed on, just inside or just outside that move's window."""
    moves = ["any", "any", "outreach", "toward us"]
    move = draw(st.sampled_from(moves + ["answer", "answer", "unfollow"] if earlier else moves))
    row = {
        "interaction_id": f"i{n}",
        "platform": draw(st.sampled_from(PLATFORMS)),
        "actor_id": draw(st.sampled_from(IDS)),
        "target_id": draw(optional_id),
        "kind": draw(st.one_of(st.sampled_from(warehouse.CONVERSATIONAL_KINDS),
                               st.sampled_from(warehouse.KINDS))),
        "thread_id": draw(st.one_of(st.sampled_from(THREADS), st.none(), st.just(""))),
        "in_reply_to": draw(st.one_of(st.none(), st.just(""),
                                      st.sampled_from(["i0", "i1", "elsewhere"]))),
        "automated": draw(st.booleans()),
    }
    if move == "outreach":  # from our team to someone else, opening a conversation
        row["actor_id"] = draw(st.sampled_from(IDS[:2]))
        row["target_id"] = draw(st.sampled_from(IDS[2:]))
        row["kind"] = draw(st.sampled_from(warehouse.CONVERSATIONAL_KINDS))
        row["in_reply_to"] = None
    elif move == "toward us":  # a reaction, share, list addition, mention or message to us
        row["actor_id"] = draw(st.sampled_from(IDS[2:]))
        row["target_id"] = draw(st.sampled_from(IDS[:2]))
    if move in ("any", "outreach", "toward us"):
        at = draw(instants([utc(r["occurred_at"]) for r in earlier]))
    else:
        before = draw(st.sampled_from(earlier))
        row["actor_id"] = before["target_id"] or draw(st.sampled_from(IDS))
        row["target_id"] = before["actor_id"]
        at = draw(step_from(utc(before["occurred_at"])))
        if move == "answer":
            row["kind"] = draw(st.sampled_from(warehouse.CONVERSATIONAL_KINDS))
            row["thread_id"] = draw(st.sampled_from([before["thread_id"], row["thread_id"]]))
            row["platform"] = draw(st.sampled_from([before["platform"], row["platform"]]))
            row["in_reply_to"] = draw(st.sampled_from([before["interaction_id"], None]))
        else:
            row["kind"] = "unfollow"
    row["occurred_at"] = naive(at)
    return row


def utc(stored: dt.datetime) -> dt.datetime:
    return stored.replace(tzinfo=UTC)


def naive(at: dt.datetime) -> dt.datetime:
    """How the warehouse stores a time: naive UTC."""
    return at.astimezone(UTC).replace(tzinfo=None)


optional_id = st.one_of(st.sampled_from(IDS), st.sampled_from(IDS), st.sampled_from(IDS),
                        st.none(), st.just(""))


@st.composite
def datasets(draw) -> dict[str, list[Row]]:
    """A few people (some ours, some absent from people), events of every kind, audience rows
    with empty counts, referrals with empty values, and costs."""
    people = []
    for person in IDS:
        # Our team's two ids are usually ours; anyone may be missing from people.
        choices = ["ours", "ours", "not ours", "absent"] if person in IDS[:2] else \
            ["not ours", "not ours", "absent", "ours"]
        status = draw(st.sampled_from(choices))
        if status != "absent":
            people.append({"person_id": person, "platform": draw(st.sampled_from(PLATFORMS)),
                           "handle": person, "is_ours": status == "ours"})
    interactions: list[Row] = []
    for n in range(draw(st.integers(0, 60))):
        interactions.append(draw(events(n, interactions)))
    audience = draw(st.lists(
        st.fixed_dictionaries({
            "platform": st.sampled_from(PLATFORMS),
            "account_id": st.sampled_from(IDS[:3]),
            "day": st.integers(-10, 38).map(lambda d: _monday(41) + dt.timedelta(days=d)),
            "followers": st.one_of(st.none(), st.integers(0, 5000)),
            "impressions": st.one_of(st.none(), st.integers(0, 5000)),
        }),
        max_size=25, unique_by=lambda r: (r["platform"], r["account_id"], r["day"])))
    referrals = [{
        "referral_id": f"r{n}",
        "occurred_at": naive(draw(instants([utc(i["occurred_at"]) for i in interactions]))),
        "platform": draw(st.sampled_from(PLATFORMS)),
        "referrer_id": draw(st.one_of(st.none(), st.sampled_from(IDS))),
        "stage": "lead",
        "value": draw(st.one_of(st.none(), st.integers(0, 100000).map(lambda v: v / 100))),
        "currency": "EUR",
    } for n in range(draw(st.integers(0, 8)))]
    money = st.one_of(st.none(), st.integers(0, 4000).map(lambda v: v / 4))
    costs = draw(st.lists(
        st.fixed_dictionaries({
            "week": st.sampled_from([f"2026-W{n}" for n in range(41, 46)]),
            "platform": st.sampled_from(PLATFORMS),
            "hours": money, "hourly_rate": money, "spend": money,
        }),
        max_size=8, unique_by=lambda r: (r["week"], r["platform"])))
    return {"people": people, "interactions": interactions, "audience_daily": audience,
            "referrals": referrals, "costs": costs}


# --- the warehouse side -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One DuckDB file for the module; each example replaces its contents."""
    url = f"duckdb:///{tmp_path_factory.mktemp('oracle') / 'warehouse.duckdb'}"
    engine = warehouse.make_engine(url)
    warehouse.create_schema(engine)
    engine.dispose()
    return url


def store(url: str, data: dict[str, list[Row]]) -> None:
    """Replace the canonical tables' contents with `data` through SQLAlchemy Core inserts."""
    engine = warehouse.make_engine(url)
    try:
        with engine.begin() as conn:
            for name in TABLES:
                conn.execute(sa.delete(warehouse.table(name)))
                if data.get(name):  # one multi-row VALUES statement: executemany is slow here
                    conn.execute(sa.insert(warehouse.table(name)).values(data[name]))
    finally:
        engine.dispose()


def sql_metrics(url: str, platform: str | None, tz: str) -> dict[str, dict[str, float | None]]:
    """compute()'s figures for WEEKS, as {week: {metric: value or None}}."""
    frame = compute(url, END_WEEK, weeks=len(WEEKS), platform=platform, tz=tz)
    out: dict[str, dict[str, float | None]] = {}
    for row in frame.itertuples():
        value = None if row.value is None or math.isnan(row.value) else float(row.value)
        out.setdefault(row.week, {})[row.metric] = value
    return out


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def disagreements(data: dict[str, list[Row]], got: dict[str, dict[str, Any]],
                  platform: str | None, tz: str) -> list[str]:
    out = []
    for week in WEEKS:
        expected = oracle_metrics(**data, week=week, platform=platform, tz=tz)
        for name, value in expected.items():
            if not same(value, got[week].get(name)):
                out.append(f"{week} {name}: oracle {value!r}, sql {got[week].get(name)!r}")
    return out


# --- the comparison ---------------------------------------------------------------------------

# (platform filter, reporting zone): each example draws one.
SCOPES = [(None, "UTC"), ("x", "UTC"), (None, "Europe/Berlin"), ("slack", "Europe/Berlin")]
# Each example costs about 0.6 s of CPU (compute() alone 0.4 s), so 80 keep the module near a
# minute; a longer hunt: RAPPORT_ORACLE_EXAMPLES=2000.
EXAMPLES = int(os.environ.get("RAPPORT_ORACLE_EXAMPLES", "80"))


def test_the_catalog_has_exactly_the_metrics_of_the_design(warehouse_url: str) -> None:
    store(warehouse_url, {})
    assert set(sql_metrics(warehouse_url, None, "UTC")[END_WEEK]) == set(METRICS)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=datasets(), scope=st.sampled_from(SCOPES))
def test_sql_metrics_agree_with_the_oracle(warehouse_url: str, data: dict[str, list[Row]],
                                           scope: tuple[str | None, str]) -> None:
    platform, tz = scope
    store(warehouse_url, data)
    found = disagreements(data, sql_metrics(warehouse_url, platform, tz), platform, tz)
    assert not found, "\n".join(found)


# --- written examples: the definitions' words, worked by hand -----------------------------------

US, THEM, OTHER, GHOST = "u:o1", "u:a", "u:b", "u:ghost"  # GHOST is not in people
PEOPLE = [{"person_id": US, "platform": "x", "is_ours": True},
          {"person_id": THEM, "platform": "x", "is_ours": False},
          {"person_id": OTHER, "platform": "x", "is_ours": False}]


def at(text: str) -> dt.datetime:
    """A naive UTC time from 'YYYY-MM-DD HH:MM[:SS]'."""
    return dt.datetime.fromisoformat(text)


def ev(actor: str, target: str | None, kind: str, when: str, **extra: Any) -> Row:
    """One interaction on platform x; ids are filled in by `world`."""
    return {"platform": "x", "actor_id": actor, "target_id": target, "kind": kind,
            "occurred_at": at(when), "thread_id": "t1", "in_reply_to": None,
            "automated": False, **extra}


def world(*interactions: Row, **tables: list[Row]) -> dict[str, list[Row]]:
    """The PEOPLE, these interactions (ids x:0, x:1, ...) and any other tables given."""
    rows = [{"interaction_id": f"x:{n}", **row} for n, row in enumerate(interactions)]
    return {"people": PEOPLE, "interactions": rows, "audience_daily": [], "referrals": [],
            "costs": [], **tables}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# 2026-W44 runs from Monday 2026-10-26 00:00 to Monday 2026-11-02 00:00 (UTC); in Berlin the
# week before it ends at 2026-10-25 23:00 UTC (summer time ended that Sunday).
WRITTEN = [
    ("the week includes Monday 00:00 and excludes the next Monday 00:00", "2026-W44", None,
     "UTC", world(ev(US, None, "post", "2026-10-26 00:00"),
                  ev(US, None, "post", "2026-11-02 00:00")),
     "posts_published", 1),
    ("a reply exactly 7 days later answers", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-26 10:00"), ev(THEM, US, "dm", "2026-11-02 10:00")),
     "reply_rate", 1.0),
    ("a reply a second after 7 days does not", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-26 10:00"), ev(THEM, US, "dm", "2026-11-02 10:00:01")),
     "reply_rate", 0.0),
    ("a reply at the same instant does not", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-26 10:00"), ev(THEM, US, "dm", "2026-10-26 10:00")),
     "reply_rate", 0.0),
    ("a message that itself replies is not outreach", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-26 10:00", in_reply_to="elsewhere")),
     "reply_rate", None),
    ("our answer exactly 48 hours later counts", "2026-W44", None, "UTC",
     world(ev(THEM, US, "comment", "2026-10-27 12:00"), ev(US, THEM, "reply", "2026-10-29 12:00")),
     "response_rate", 1.0),
    ("the median of two answer times is their mean", "2026-W44", None, "UTC",
     world(ev(THEM, US, "dm", "2026-10-27 12:00"), ev(US, THEM, "dm", "2026-10-27 14:00"),
           ev(OTHER, US, "dm", "2026-10-28 12:00"), ev(US, OTHER, "dm", "2026-10-28 17:00"),
           ev(US, OTHER, "dm", "2026-10-28 18:00")),
     "median_response_hours", 3.5),
    ("someone not in people writing to us is inbound", "2026-W44", None, "UTC",
     world(ev(GHOST, US, "mention", "2026-10-27 12:00")), "response_rate", 0.0),
    ("a message at end(W) - 90 days exactly is in the window", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-08-04 00:00"), ev(THEM, US, "dm", "2026-10-30 09:00")),
     "reciprocal_relationships", 1),
    ("a message a second before end(W) - 90 days is not", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-08-03 23:59:59"), ev(THEM, US, "dm", "2026-10-30 09:00")),
     "reciprocal_relationships", 0),
    ("a relationship is new in the week of the later first message", "2026-W44", None, "UTC",
     world(ev(THEM, US, "dm", "2026-07-01 09:00"), ev(US, THEM, "dm", "2026-10-30 09:00"),
           ev(US, THEM, "post", "2026-07-02 09:00")),
     "new_reciprocal_relationships", 1),
    ("two members answering each other are a member pair", "2026-W44", None, "UTC",
     world(ev(THEM, OTHER, "reply", "2026-10-01 09:00"),
           ev(OTHER, GHOST, "reply", "2026-10-02 09:00"),
           ev(GHOST, OTHER, "reply", "2026-10-28 09:00"),
           ev(OTHER, THEM, "reply", "2026-10-29 09:00")),
     "member_reciprocal_pairs", 2),
    ("a thread that became two-way before the week counts when it speaks in the week", "2026-W44",
     None, "UTC",
     world(ev(THEM, US, "comment", "2026-10-01 09:00"), ev(US, THEM, "reply", "2026-10-02 09:00"),
           ev(OTHER, THEM, "reply", "2026-10-27 09:00")),
     "conversations", 1),
    ("a thread that becomes two-way only after the week does not count in it", "2026-W44", None,
     "UTC",
     world(ev(THEM, US, "comment", "2026-10-30 09:00"), ev(US, THEM, "reply", "2026-11-02 00:00")),
     "conversations", 0),
    ("a two-way thread between members is not a conversation with us", "2026-W44", None, "UTC",
     world(ev(THEM, OTHER, "comment", "2026-10-30 09:00"),
           ev(OTHER, THEM, "reply", "2026-10-30 10:00"),
           ev(US, None, "comment", "2026-10-30 11:00")),
     "conversations_with_us", 0),
    ("a reply without a target is not conversational", "2026-W44", None, "UTC",
     world(ev(US, None, "reply", "2026-10-27 09:00")), "messages_sent", 0),
    ("an unfollow exactly 7 days after an automated message is harm", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-20 12:00", automated=True),
           ev(THEM, US, "unfollow", "2026-10-27 12:00")),
     "automation_unfollows", 1),
    ("an unfollow at the instant of the automated message is not", "2026-W44", None, "UTC",
     world(ev(US, THEM, "dm", "2026-10-27 12:00", automated=True),
           ev(THEM, US, "unfollow", "2026-10-27 12:00")),
     "automation_unfollows", 0),
    ("a mention, share and list addition by one member is one advocate", "2026-W44", None, "UTC",
     world(ev(THEM, US, "mention", "2026-10-27 09:00"), ev(THEM, US, "share", "2026-10-28 09:00"),
           ev(THEM, US, "list_add", "2026-10-29 09:00"), ev(US, THEM, "share", "2026-10-29 09:00")),
     "advocates", 1),
    ("the platform filter never changes who is ours", "2026-W44", "slack", "UTC",
     world(ev(US, THEM, "dm", "2026-10-27 09:00", platform="slack")), "messages_sent", 1),
    ("followers take each account's latest non-empty day before end(W)", "2026-W44", None, "UTC",
     world(audience_daily=[
         {"platform": "x", "account_id": US, "day": day("2026-10-30"), "followers": 100},
         {"platform": "x", "account_id": US, "day": day("2026-11-01"), "followers": None},
         {"platform": "x", "account_id": US, "day": day("2026-11-02"), "followers": 900},
         {"platform": "x", "account_id": "u:o2", "day": day("2026-11-01"), "followers": None}]),
     "followers", 100),
    ("follower growth is this week's followers less last week's", "2026-W44", None, "UTC",
     world(audience_daily=[
         {"platform": "x", "account_id": US, "day": day("2026-10-25"), "followers": 100},
         {"platform": "x", "account_id": US, "day": day("2026-11-01"), "followers": 130}]),
     "follower_growth", 30),
    ("impressions sum the week's days, empty as 0", "2026-W44", None, "UTC",
     world(audience_daily=[
         {"platform": "x", "account_id": US, "day": day("2026-10-25"), "impressions": 7},
         {"platform": "x", "account_id": US, "day": day("2026-10-26"), "impressions": 5},
         {"platform": "x", "account_id": US, "day": day("2026-10-27"), "impressions": None},
         {"platform": "x", "account_id": US, "day": day("2026-11-01"), "impressions": 6}]),
     "impressions", 11),
    ("cost treats empty cells as 0", "2026-W44", None, "UTC",
     world(costs=[{"week": "2026-W44", "platform": "x", "hours": 4, "hourly_rate": 50,
                   "spend": None},
                  {"week": "2026-W44", "platform": "slack", "hours": None, "hourly_rate": 9,
                   "spend": 30}]),
     "cost", 230),
    ("social ROI is null without cost", "2026-W44", None, "UTC",
     world(referrals=[{"referral_id": "r1", "occurred_at": at("2026-10-27 09:00"),
                       "platform": "x", "value": 500.0, "currency": "EUR"}]),
     "social_roi", None),
    ("referral value is 0 when every value is empty", "2026-W44", None, "UTC",
     world(referrals=[{"referral_id": "r1", "occurred_at": at("2026-10-27 09:00"),
                       "platform": "x", "value": None, "currency": "EUR"}]),
     "referral_value", 0),
    ("in Berlin, 23:00 UTC on the Sunday summer time ends is already the next week",
     "2026-W44", None, "Europe/Berlin", world(ev(US, None, "post", "2026-10-25 23:00")),
     "posts_published", 1),
    ("in Berlin, 22:59 UTC that Sunday is still the week before", "2026-W44", None,
     "Europe/Berlin", world(ev(US, None, "post", "2026-10-25 22:59")), "posts_published", 0),
    ("2026 has an ISO week 53: 2027-01-03 is in it", "2026-W53", None, "UTC",
     world(ev(US, None, "post", "2027-01-03 23:59:59"), ev(US, None, "post", "2027-01-04 00:00")),
     "posts_published", 1),
    ("follower growth in 2027-W01 compares with 2026-W53", "2027-W01", None, "UTC",
     world(audience_daily=[
         {"platform": "x", "account_id": US, "day": day("2026-12-27"), "followers": 100},
         {"platform": "x", "account_id": US, "day": day("2027-01-03"), "followers": 150},
         {"platform": "x", "account_id": US, "day": day("2027-01-10"), "followers": 170}]),
     "follower_growth", 20),
    ("a costs row belongs to the week its label names", "2026-W53", None, "UTC",
     world(costs=[{"week": "2026-W53", "platform": "x", "hours": 1, "hourly_rate": 10,
                   "spend": 5},
                  {"week": "2027-W01", "platform": "x", "hours": 1, "hourly_rate": 10,
                   "spend": 500}]),
     "cost", 15),
    ("in Berlin, end(W) - 90 days is 2,160 hours before end(W), not local midnight",
     "2026-W43", None, "Europe/Berlin",
     world(ev(US, THEM, "dm", "2026-07-27 22:30"), ev(THEM, US, "dm", "2026-10-01 09:00")),
     "reciprocal_relationships", 0),
    ("in Berlin, 7 days across the DST change are 168 hours", "2026-W43", None,
     "Europe/Berlin",
     world(ev(US, THEM, "dm", "2026-10-20 10:00"), ev(THEM, US, "dm", "2026-10-27 10:30")),
     "reply_rate", 0.0),
]


@pytest.mark.parametrize("case, week, platform, tz, data, metric, expected", WRITTEN,
                         ids=[w[0] for w in WRITTEN])
def test_written_examples(warehouse_url: str, case: str, week: str, platform: str | None,
                          tz: str, data: dict[str, list[Row]], metric: str,
                          expected: float | None) -> None:
    oracle = oracle_metrics(**data, week=week, platform=platform, tz=tz)[metric]
    store(warehouse_url, data)
    sql = compute(warehouse_url, week, weeks=1, platform=platform, tz=tz)
    value = sql.set_index("metric")["value"][metric]
    assert same(oracle, expected), f"oracle: {oracle!r}"
    assert same(None if math.isnan(value) else float(value), expected), f"sql: {value!r}"
