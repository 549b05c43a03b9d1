"""The dashboard's own warehouse queries, on a small hand-made week, on every engine."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard import bookkeeping, queries
from metrics import weeks as wk
from pipelines import warehouse as wh

WEEK = wk.week("2026-W10")  # Monday 2 March 2026 to Monday 9 March, UTC
SINCE = datetime(2025, 12, 9)  # 90 days before the week's end

PEOPLE = [  # person_id, is_ours
    ("x:us", True), ("x:us2", True), ("x:a", False), ("x:b", False), ("x:c", False),
    ("x:d", False), ("x:e", False), ("x:m1", False), ("x:m2", False),
]
INTERACTIONS = [  # id, when, actor, target, kind, thread, automated, load
    ("i12", "2025-10-01 09:00", "x:a", "x:us", "dm", "x:t0", False, "L0"),
    ("i1", "2026-03-02 10:00", "x:a", "x:us", "dm", "x:t1", False, "L1"),
    ("i2", "2026-03-02 12:00", "x:us", "x:a", "dm", "x:t1", False, "L1"),
    ("i3", "2026-03-03 09:00", "x:b", "x:us", "reply", "x:t2", False, "L1"),
    ("i11", "2026-03-06 09:00", "x:b", "x:us", "reply", "x:t2", False, "L1"),
    ("i4", "2026-03-01 09:00", "x:us2", "x:c", "comment", "x:t4", False, "L1"),
    ("i5", "2026-03-04 09:00", "x:c", "x:us2", "mention", "x:t4", False, "L1"),
    ("i6", "2026-03-04 10:00", "x:d", "x:us", "reaction", None, False, "L1"),
    ("i7", "2026-03-05 09:00", "x:e", "x:us", "dm", "x:t5", False, "L1"),
    ("i8", "2026-03-06 09:00", "x:us2", "x:e", "dm", "x:t5", False, "L1"),
    ("i9", "2026-03-05 10:00", "x:m1", "x:m2", "reply", "x:t3", False, "L1"),
    ("i10", "2026-03-05 11:00", "x:m2", "x:m1", "reply", "x:t3", False, "L1"),
    ("i13", "2026-03-05 12:00", "x:m1", "x:m2", "reply", "x:t3", False, "L1"),
    ("a1", "2026-03-01 10:00", "x:us", "x:d", "dm", "x:t6", True, "L1"),
    ("a0", "2026-02-20 10:00", "x:us", "x:d", "dm", "x:t6", True, "L1"),
    ("u1", "2026-03-05 10:00", "x:d", "x:us", "unfollow", None, False, "L1"),
    ("u2", "2026-03-07 10:00", "x:e", "x:us", "unfollow", None, False, "L1"),
    ("o1", "2026-04-20 10:00", "x:a", "x:us", "dm", "x:t7", False, "L2"),
]
CHECKS = [  # result_id, load_id, week, severity, status
    ("r1", None, "2026-W10", "error", "failed"),
    ("r2", None, "2026-W10", "warning", "failed"),
    ("r3", "L1", None, "error", "failed"),
    ("r4", "L2", None, "error", "failed"),
    ("r5", None, "2026-W10", "error", "passed"),
]


@pytest.fixture
def week_url(db_url: str) -> str:
    engine = wh.make_engine(db_url)
    wh.create_schema(engine)
    stamp = datetime(2026, 3, 10)
    with engine.begin() as conn:
        conn.execute(sa.insert(wh.people), [
            {"person_id": p, "platform": "x", "handle": p[2:], "display_name": p[2:].upper(),
             "is_ours": ours} for p, ours in PEOPLE])
        conn.execute(sa.insert(wh.interactions), [
            {"interaction_id": f"x:{i}", "platform": "x",
             "occurred_at": datetime.fromisoformat(when), "actor_id": actor, "target_id": target,
             "kind": kind, "thread_id": thread, "automated": automated, "load_id": load}
            for i, when, actor, target, kind, thread, automated, load in INTERACTIONS])
        conn.execute(sa.insert(wh.quality_results), [
            {"result_id": r, "load_id": load, "week": week, "platform": None, "check": f"check_{r}",
             "severity": severity, "status": status, "observed": "1",
             "offending": '["x:i3"]', "checked_at": stamp}
            for r, load, week, severity, status in CHECKS])
    engine.dispose()
    return db_url


def test_waiting_on_us_lists_unanswered_people_oldest_first(week_url: str) -> None:
    waiting = queries.waiting_on_us(week_url, SINCE, WEEK.end_utc)
    # a was answered; e was answered by another of ours; c's only answer came before c wrote;
    # d only reacted; the members wrote to each other, not to us.
    assert list(waiting["person_id"]) == ["x:b", "x:c"]
    assert list(waiting["messages"]) == [2, 1]
    assert list(waiting["name"]) == ["B", "C"]
    assert list(waiting["to_name"]) == ["US", "US2"]
    assert waiting["waiting_days"].iloc[0] == pytest.approx(6 - 9 / 24, abs=0.05)


@pytest.mark.parametrize("account, expected", [
    ("x:us", ["x:b"]),
    ("x:us2", ["x:c"]),
])
def test_waiting_on_us_for_one_account(week_url: str, account: str, expected: list[str]) -> None:
    assert list(queries.waiting_on_us(week_url, SINCE, WEEK.end_utc, account=account)["person_id"]) == expected


def test_waiting_on_us_is_bounded(week_url: str) -> None:
    assert len(queries.waiting_on_us(week_url, SINCE, WEEK.end_utc, limit=1)) == 1


def test_new_reciprocal_people_are_pairs_with_one_of_ours(week_url: str) -> None:
    new = queries.new_reciprocal_people(week_url, WEEK.start_utc, WEEK.end_utc)
    # e wrote to us and us2 wrote to e: two different accounts of ours, so not reciprocal.
    assert sorted(zip(new["ours_id"], new["person_id"])) == [("x:us", "x:a"), ("x:us2", "x:c")]
    row = new.set_index("person_id").loc["x:a"]
    assert row["reciprocal_since"] == datetime(2026, 3, 2, 12)
    assert row["platform"] == "x"


def test_top_conversations_rank_threads_and_say_who_talked(week_url: str) -> None:
    top = queries.top_conversations(week_url, WEEK.start_utc, WEEK.end_utc)
    assert list(top["thread_id"])[:3] == ["x:t3", "x:t1", "x:t2"]
    by_thread = top.set_index("thread_id")
    assert by_thread.loc["x:t3", "participants"] == "M1, M2"
    assert bool(by_thread.loc["x:t3", "two_way"]) and not bool(by_thread.loc["x:t3", "we_took_part"])
    assert bool(by_thread.loc["x:t1", "two_way"]) and bool(by_thread.loc["x:t1", "we_took_part"])
    assert not bool(by_thread.loc["x:t2", "two_way"])


def test_member_pairs_count_both_directions(week_url: str) -> None:
    pairs = queries.member_pairs(week_url, SINCE, WEEK.end_utc)
    assert [(r.person_a, r.person_b, r.messages) for r in pairs.itertuples()] == [("x:m1", "x:m2", 3)]


def test_harm_keeps_automated_messages_of_the_week_before_an_unfollow(week_url: str) -> None:
    harm = queries.harm_unfollows(week_url, WEEK.start_utc, WEEK.end_utc)
    # a0 was 13 days before the unfollow; e's unfollow followed no automated message.
    assert list(harm["automated_message"]) == ["x:a1"]
    assert harm["hours_before"].iloc[0] == pytest.approx(96.0)
    assert harm["sender_name"].iloc[0] == "US"


def test_messages_to_us_counts_inbound_conversation(week_url: str) -> None:
    assert queries.messages_to_us(week_url, WEEK.start_utc, WEEK.end_utc) == 5


@pytest.mark.parametrize("errors_only, expected", [
    (True, {"r1", "r3"}),  # r3's load wrote rows in the week; r4's load did not
    (False, {"r1", "r2", "r3"}),
])
def test_week_check_results(week_url: str, errors_only: bool, expected: set[str]) -> None:
    found = queries.week_check_results(week_url, WEEK.label, WEEK.start_utc, WEEK.end_utc,
                                       errors_only=errors_only)
    assert set(found["result_id"]) == expected


def test_checks_by_week_counts_passed_warned_failed(week_url: str) -> None:
    row = bookkeeping.checks_by_week(week_url).set_index("week").loc["2026-W10"]
    assert (row["passed"], row["warned"], row["failed"]) == (1, 1, 1)


def test_platforms_and_accounts(week_url: str) -> None:
    assert queries.platforms(week_url) == ["x"]
    assert list(queries.our_accounts(week_url)["person_id"]) == ["x:us", "x:us2"]


def test_data_version_changes_when_costs_are_saved(week_url: str) -> None:
    before = queries.data_version(week_url)
    rows, blanks, errors = bookkeeping.validate_costs(pd.DataFrame(
        [{"week": "2026-W10", "platform": "x", "hours": 2, "hourly_rate": 50, "spend": 10}]))
    assert errors == [] and blanks == []
    bookkeeping.save_costs(week_url, rows, [])
    assert queries.data_version(week_url) != before
    assert bookkeeping.read_costs(week_url, ["2026-W10"]).to_dict("records") == [
        {"week": "2026-W10", "platform": "x", "hours": 2.0, "hourly_rate": 50.0, "spend": 10.0}]
