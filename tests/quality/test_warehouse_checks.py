"""Warehouse checks on DuckDB, PostgreSQL and SQLite: one small warehouse, every check's verdict."""
from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from pipelines import warehouse
from pipelines.quality.reported import ensure_tables, record_reported_totals
from pipelines.quality.runner import run_checks, run_on_engine
from pipelines.quality.warehouse_checks import Settings
from tests.conftest import PG_ADMIN_URL, _postgres_reachable, need

NOW = datetime(2026, 11, 20, 12, 0)
WEEK = "2026-W46"  # Monday 2026-11-09 to Sunday 2026-11-15
SETTINGS = Settings(jump_share=0.5, jump_min_followers=10, quiet_weeks=4, reconcile_share=0.05)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def msg(i: str, when: str, actor: str, target: str | None, kind: str = "dm", platform: str = "x",
        thread: str | None = "x:d1", load: str = "load-a") -> dict:
    return {"interaction_id": i, "platform": platform, "occurred_at": t(when), "actor_id": actor,
            "target_id": target, "kind": kind, "thread_id": thread, "in_reply_to": None,
            "automated": False, "load_id": load}


def day(account: str, when: date, followers: int | None, platform: str = "x") -> dict:
    return {"platform": platform, "account_id": account, "day": when, "followers": followers}


def referral(i: str, when: str, value: float, currency: str) -> dict:
    return {"referral_id": i, "occurred_at": t(when), "platform": "x", "referrer_id": "x:bea",
            "stage": "won", "value": value, "currency": currency, "load_id": "load-crm"}


PEOPLE = [{"person_id": p, "platform": p.split(":")[0], "is_ours": p in ("x:acme",)}
          for p in ("x:acme", "x:bea", "x:cy", "slack:U1")]
INTERACTIONS = [
    msg("x:1", "2026-11-10 10:00:00", "x:acme", "x:bea"),
    msg("x:2", "2026-11-10 11:00:00", "x:bea", "x:acme", kind="reply"),
    msg("x:3", "2026-11-10 12:00:00", "x:ghost", "x:acme", kind="reply"),  # actor not in people
    msg("x:4", "2026-11-10 13:00:00", "x:cy", "x:acme", kind="comment", thread=None),  # no thread
    # The same event in two overlapping exports under different ids:
    msg("x:5", "2026-11-11 09:00:00", "x:bea", "x:acme", kind="mention", load="load-a"),
    msg("x:archive/5", "2026-11-11 09:00:00", "x:bea", "x:acme", kind="mention", load="load-b"),
    # Two reactions at the same instant from one export are not duplicates:
    msg("x:6/r/1", "2026-11-11 10:00:00", "x:cy", "x:acme", kind="reaction", load="load-a"),
    msg("x:6/r/2", "2026-11-11 10:00:00", "x:cy", "x:acme", kind="reaction", load="load-a"),
    msg("x:7", "2026-11-11 12:00:00", "x:bea", "x:acme", kind="reply"),
    # x had data in W43, none in W44 and W45:
    msg("x:0", "2026-10-20 10:00:00", "x:acme", "x:bea"),
    # slack's latest data is older than the week reported:
    msg("slack:C1/1", "2026-10-01 10:00:00", "slack:U1", None, kind="post", platform="slack",
        thread="slack:C1/1"),
]
AUDIENCE = [
    day("x:acme", date(2026, 11, 8), 100), day("x:acme", date(2026, 11, 9), 100),
    day("x:acme", date(2026, 11, 10), 300),  # +200% in a day
    day("x:acme", date(2026, 11, 11), 310),
    day("x:small", date(2026, 11, 9), 2), day("x:small", date(2026, 11, 10), 9),  # too small to judge
    day("linkedin:page", date(2026, 11, 12), 5000, platform="linkedin"),
    day("linkedin:page", date(2026, 11, 13), 5100, platform="linkedin"),
]
REFERRALS = [
    referral("crm:1", "2026-11-10 09:00:00", 100, "EUR"),
    referral("crm:2", "2026-11-12 09:00:00", 50, "USD"),
    referral("crm:3", "2026-11-13 09:00:00", 70, "EUR"),
    referral("crm:0", "2026-11-03 09:00:00", 70, "GBP"),  # the week before: not mixed into W46
]
REPORTED = [  # what the platform said x:acme received, per day
    {"platform": "x", "account_id": "x:acme", "measure": "replies_received",
     "period_start": t("2026-11-10 00:00:00"), "period_end": t("2026-11-11 00:00:00"), "value": 3},
    {"platform": "x", "account_id": "x:acme", "measure": "replies_received",
     "period_start": t("2026-11-11 00:00:00"), "period_end": t("2026-11-12 00:00:00"), "value": 5},
]


def build(url: str) -> None:
    engine = warehouse.make_engine(url)
    warehouse.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(warehouse.people.insert(), PEOPLE)
        conn.execute(warehouse.interactions.insert(), INTERACTIONS)
        conn.execute(warehouse.audience_daily.insert(), AUDIENCE)
        conn.execute(warehouse.referrals.insert(), REFERRALS)
        record_reported_totals(conn, REPORTED, source="tweet_activity_metrics_acme.csv")
    engine.dispose()


@pytest.fixture(scope="module", params=["duckdb", "postgresql", "sqlite"])
def results(request, tmp_path_factory):
    """The results of every warehouse check for W46, per (check, platform), on each engine."""
    if request.param == "postgresql":
        need(_postgres_reachable(), f"PostgreSQL not reachable at {PG_ADMIN_URL}")
        name = f"rapport_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_ADMIN_URL, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    else:
        folder = tmp_path_factory.mktemp(request.param)
        url = (f"duckdb:///{folder / 'w.duckdb'}" if request.param == "duckdb"
               else f"sqlite:///{folder / 'w.sqlite'}")
    build(url)
    engine = warehouse.make_engine(url)
    run = run_on_engine(engine, WEEK, now=NOW, settings=SETTINGS)
    engine.dispose()
    yield {(r.check, r.platform): r for r in run.results}
    if request.param == "postgresql":
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("check,platform,status,observed,offending", [
    ("referrals.currencies_mixed", None, "failed", 2, ["crm:2"]),
    ("warehouse.freshness", "slack", "failed", "2026-10-01 10:00:00", ["latest data 2026-10-01"]),
    ("warehouse.freshness", "x", "passed", "2026-11-11 12:00:00", []),
    ("warehouse.freshness", "linkedin", "passed", "2026-11-13 00:00:00", []),
    ("warehouse.platform_gone_quiet", "x", "failed", 1, ["2026-W44"]),  # W45: audience on 11-08
    ("warehouse.platform_gone_quiet", "linkedin", "passed", 0, []),
    ("warehouse.platform_gone_quiet", "slack", "failed", 4,
     ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]),
    ("interactions.duplicates_across_exports", "x", "failed", 1, ["x:5 = x:archive/5"]),
    ("audience_daily.followers_jump", "x", "failed", 1,
     ["x:acme 2026-11-09 -> 2026-11-10: 100 -> 300 followers"]),
    ("audience_daily.followers_jump", "linkedin", "passed", 0, []),
    ("interactions.reconciles_with_reported_totals", "x", "failed", 1,
     ["x:acme replies_received 2026-11-11: reported 5, loaded 1"]),
    ("interactions.actor_in_people", "x", "failed", 1, ["x:3 (actor_id x:ghost)"]),
    ("interactions.target_in_people", "x", "passed", 0, []),
    ("interactions.reply_has_thread", "x", "failed", 1, ["x:4"]),
    ("audience_daily.account_in_people", "x", "failed", 2,
     ["x:small 2026-11-09 (account_id x:small)", "x:small 2026-11-10 (account_id x:small)"]),
    ("referrals.referrer_in_people", "x", "passed", 0, []),
], ids=lambda v: v if isinstance(v, str) else None)
def test_warehouse_check(results, check: str, platform: str | None, status: str, observed,
                         offending: list[str]) -> None:
    result = results[(check, platform)]
    assert (result.status, result.observed, result.offending[:len(offending) or 20]) == (
        status, observed, offending)


def test_only_mixed_currencies_is_an_error(results) -> None:
    errors = {check for (check, _), r in results.items() if r.severity == "error"}
    assert errors == {"referrals.currencies_mixed"}
    assert not [r for r in results.values() if r.status == "could_not_run"]


def test_a_check_that_cannot_run_is_recorded_with_its_error_and_the_others_still_run(
        db_url: str) -> None:
    build(db_url)
    engine = warehouse.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE audience_daily"))
    run = run_on_engine(engine, WEEK, now=NOW, settings=SETTINGS)
    engine.dispose()
    by = {(r.check, r.platform): r for r in run.results}
    crashed = by[("audience_daily.followers_jump", None)]
    assert crashed.status == "could_not_run" and "audience_daily" in crashed.details["error"]
    assert by[("referrals.currencies_mixed", None)].status == "failed"
    assert by[("interactions.actor_in_people", "x")].status == "failed"


def test_stored_results_of_a_week_are_its_latest_verdicts(duckdb_url: str) -> None:
    build(duckdb_url)
    first = run_checks(duckdb_url, WEEK, now=NOW, settings=SETTINGS)
    again = run_checks(duckdb_url, WEEK, now=NOW, settings=SETTINGS)
    engine = warehouse.make_engine(duckdb_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(warehouse.quality_results)
                              .where(warehouse.quality_results.c.week == WEEK)).scalar()
    engine.dispose()
    assert stored == len(again.results) == len(first.results)


def test_reported_totals_refuse_an_unknown_measure(duckdb_url: str) -> None:
    engine = warehouse.make_engine(duckdb_url)
    with engine.begin() as conn, pytest.raises(ValueError, match="measure 'likes'"):
        ensure_tables(conn)
        record_reported_totals(conn, [{**REPORTED[0], "measure": "likes"}])
    engine.dispose()
