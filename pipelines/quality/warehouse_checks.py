"""Warehouse checks: what can only be judged on everything loaded, per week and platform.

Each check is SQL built with SQLAlchemy Core and run inside the engine (DuckDB, PostgreSQL,
SQLite): only counts and a bounded list of offending keys come back. Two kinds:

- the suites' warnings and warehouse-scope checks (`pipelines.quality.suites`), re-run on the
  rows of the week (a reply without a thread; actors, targets, referrers that are not in people);
- cross-row checks named here: freshness, a platform gone quiet, duplicates across
  overlapping exports, implausible jumps in followers, totals a source reported that the
  loaded records do not match, and mixed currencies in referrals (the one error).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, Callable

import sqlalchemy as sa

from metrics.weeks import Week, week_range
from pipelines import warehouse
from pipelines.quality.checks import ERROR, RECORD, WAREHOUSE, WARNING, Check, KnownIn
from pipelines.quality.reported import MEASURES, loaded_count, reported_totals
from pipelines.quality.suites import all_checks
from pipelines.warehouse import NATURAL_KEYS

MAX_OFFENDING = 20
PASSED, FAILED, COULD_NOT_RUN = "passed", "failed", "could_not_run"


@dataclass(frozen=True)
class Settings:
    """Thresholds of the warehouse checks (environment: RAPPORT_QUALITY_<NAME>)."""

    jump_share: float = 0.5  # followers changing by more than this share in a day is implausible
    jump_min_followers: int = 10  # below this many followers, changes are not judged
    quiet_weeks: int = 8  # how many weeks, ending with the week checked, to look for silence
    reconcile_share: float = 0.05  # a loaded count may differ this much from a reported total

    @classmethod
    def from_env(cls) -> "Settings":
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            raw = os.environ.get(f"RAPPORT_QUALITY_{name.upper()}")
            if raw is not None:
                try:
                    values[name] = type(default)(raw)
                except ValueError as exc:
                    raise ValueError(f"RAPPORT_QUALITY_{name.upper()}={raw!r}: expected a "
                                     f"{type(default).__name__}") from exc
        return cls(**values)


@dataclass(frozen=True)
class Context:
    """What a run checks: one week, the clock, the thresholds."""

    week: Week
    now: datetime
    settings: Settings = field(default_factory=Settings)


@dataclass
class Result:
    """One check's verdict for one week (and platform, when it is per platform)."""

    check: str
    severity: str
    status: str  # passed | failed | could_not_run
    observed: Any = None
    offending: list[str] = field(default_factory=list)
    platform: str | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class WarehouseCheck:
    """A named check over the warehouse."""

    name: str
    severity: str
    description: str
    run: Callable[[sa.Connection, Context], list[Result]]


def _in_week(table: str, week: Week) -> sa.ColumnElement[bool]:
    t = warehouse.table(table)
    if table == "audience_daily":
        return t.c.day.between(week.first_day, week.last_day)
    if table == "costs":
        return t.c.week == week.label
    return sa.and_(t.c.occurred_at >= week.start_utc, t.c.occurred_at < week.end_utc)


def _key_text(row: Any, keys: tuple[str, ...]) -> str:
    return " ".join(str(getattr(row, k)) for k in keys if k != "platform" or len(keys) == 1)


def _per_platform(name: str, severity: str, checked: dict[str | None, int],
                  failing: dict[str | None, tuple[int, list[str]]],
                  details: dict[str | None, dict] | None = None) -> list[Result]:
    """passed/failed per platform that had rows; one platform-wide `passed` when none had."""
    if not checked:
        return [Result(name, severity, PASSED, 0, platform=None, details={"rows": 0})]
    out = []
    for platform in sorted(checked, key=lambda p: p or ""):
        count, offending = failing.get(platform, (0, []))
        extra = (details or {}).get(platform, {})
        out.append(Result(name, severity, FAILED if count else PASSED, count, offending, platform,
                          {"rows": checked[platform], **extra}))
    return out


def _ranked_failures(conn: sa.Connection, table: sa.Table, where: Any, keys: tuple[str, ...],
                     shown: str | None = None) -> dict[str | None, tuple[int, list[str]]]:
    """Failing rows per platform: their count and the first keys (with the `shown` value)."""
    key_cols = [table.c[k] for k in keys]
    extra = [table.c[shown].label("shown_")] if shown else []
    ranked = sa.select(
        table.c.platform.label("platform_"), *key_cols, *extra,
        sa.func.count().over(partition_by=table.c.platform).label("n_"),
        sa.func.row_number().over(partition_by=table.c.platform, order_by=key_cols).label("rn_"),
    ).where(where).subquery()
    rows = conn.execute(sa.select(ranked).where(ranked.c.rn_ <= MAX_OFFENDING)
                        .order_by(ranked.c.platform_, ranked.c.rn_)).all()
    out: dict[str | None, tuple[int, list[str]]] = {}
    for row in rows:
        count, ids = out.get(row.platform_, (row.n_, []))
        text = _key_text(row, keys)
        ids.append(f"{text} ({shown} {row.shown_})" if shown else text)
        out[row.platform_] = (count, ids)
    return out


def _rows_per_platform(conn: sa.Connection, table: sa.Table, where: Any) -> dict[str | None, int]:
    query = sa.select(table.c.platform, sa.func.count()).where(where).group_by(table.c.platform)
    return {p: n for p, n in conn.execute(query).all()}


def _suite_check(check: Check, conn: sa.Connection, ctx: Context) -> list[Result]:
    t = warehouse.table(check.table)
    in_week = _in_week(check.table, ctx.week)
    checked = _rows_per_platform(conn, t, in_week)
    keys = NATURAL_KEYS[check.table]
    # For a reference, say which id is missing, beside the record that holds it.
    shown = check.expect.column if isinstance(check.expect, KnownIn) else None
    failing = _ranked_failures(conn, t, sa.and_(in_week, check.expect.core(t, ctx.now)), keys, shown)
    return _per_platform(check.name, check.severity, checked, failing)


def suite_checks() -> list[WarehouseCheck]:
    """The suites' checks that `rapport check` re-runs on the week: warnings and warehouse scope."""
    picked = [c for c in all_checks() if c.scope == WAREHOUSE
              or (c.scope == RECORD and c.severity == WARNING)]
    return [WarehouseCheck(c.name, c.severity, c.description, partial(_suite_check, c))
            for c in picked]


# --- freshness and silence ------------------------------------------------------------------

def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return None


def _activity() -> list[tuple[sa.Table, sa.ColumnElement, bool]]:
    i, a = warehouse.interactions, warehouse.audience_daily
    return [(i, i.c.occurred_at, False), (a, a.c.day, True)]


def _freshness(conn: sa.Connection, ctx: Context) -> list[Result]:
    latest: dict[str, datetime] = {}
    by_table: dict[str, dict[str, str]] = {}
    for table, column, _ in _activity():
        query = sa.select(table.c.platform, sa.func.max(column)).group_by(table.c.platform)
        for platform, value in conn.execute(query).all():
            when = _as_datetime(value)
            if when is None:
                continue
            by_table.setdefault(platform, {})[table.name] = when.isoformat(sep=" ")
            latest[platform] = max(latest.get(platform, when), when)
    if not latest:
        return [Result("warehouse.freshness", WARNING, PASSED, None, details={"platforms": 0})]
    return [Result("warehouse.freshness", WARNING,
                   FAILED if when < ctx.week.start_utc else PASSED, when.isoformat(sep=" "),
                   [] if when >= ctx.week.start_utc else [f"latest data {when:%Y-%m-%d}"],
                   platform, {"latest": by_table[platform]})
            for platform, when in sorted(latest.items())]


def _gone_quiet(conn: sa.Connection, ctx: Context) -> list[Result]:
    weeks = week_range(ctx.week.label, ctx.settings.quiet_weeks)
    counts: dict[str, list[int]] = {}
    first: dict[str, datetime] = {}
    for table, column, is_day in _activity():
        def bounds(w: Week) -> Any:
            if is_day:
                return column.between(w.first_day, w.last_day)
            return sa.and_(column >= w.start_utc, column < w.end_utc)

        end = ctx.week.last_day if is_day else ctx.week.end_utc
        query = (sa.select(table.c.platform, sa.func.min(column),
                           *(sa.func.sum(sa.case((bounds(w), 1), else_=0)) for w in weeks))
                 .where(column <= end if is_day else column < end).group_by(table.c.platform))
        for platform, start, *per_week in conn.execute(query).all():
            when = _as_datetime(start)
            if when is None:
                continue
            first[platform] = min(first.get(platform, when), when)
            old = counts.get(platform, [0] * len(weeks))
            counts[platform] = [a + int(b or 0) for a, b in zip(old, per_week)]
    if not counts:
        return [Result("warehouse.platform_gone_quiet", WARNING, PASSED, 0, details={"platforms": 0})]
    out = []
    for platform in sorted(counts):
        quiet = [w.label for w, n in zip(weeks, counts[platform])
                 if n == 0 and first[platform] < w.start_utc]
        out.append(Result("warehouse.platform_gone_quiet", WARNING, FAILED if quiet else PASSED,
                          len(quiet), quiet, platform,
                          {"weeks_looked_at": [w.label for w in weeks],
                           "first_data": first[platform].isoformat(sep=" ")}))
    return out


# --- duplicates across overlapping exports ----------------------------------------------------

def _duplicates(table_name: str, columns: tuple[str, ...], conn: sa.Connection,
                ctx: Context) -> list[Result]:
    t = warehouse.table(table_name)
    key = t.c[NATURAL_KEYS[table_name][0]]
    in_week = _in_week(table_name, ctx.week)
    groups = (sa.select(*(t.c[c] for c in columns), sa.func.count().label("n"),
                        sa.func.min(key).label("first_id"), sa.func.max(key).label("last_id"))
              .where(in_week).group_by(*(t.c[c] for c in columns))
              .having(sa.func.count() > 1, sa.func.count(sa.distinct(t.c.load_id)) > 1)
              .subquery())
    ranked = sa.select(groups.c.platform, groups.c.n, groups.c.first_id, groups.c.last_id,
                       sa.func.sum(groups.c.n - 1).over(partition_by=groups.c.platform).label("extra"),
                       sa.func.row_number().over(partition_by=groups.c.platform,
                                                 order_by=groups.c.first_id).label("rn")).subquery()
    failing: dict[str | None, tuple[int, list[str]]] = {}
    for row in conn.execute(sa.select(ranked).where(ranked.c.rn <= MAX_OFFENDING)).all():
        extra, ids = failing.get(row.platform, (int(row.extra), []))
        ids.append(f"{row.first_id} = {row.last_id}" + (f" (+{row.n - 2})" if row.n > 2 else ""))
        failing[row.platform] = (extra, ids)
    checked = _rows_per_platform(conn, t, in_week)
    return _per_platform(f"{table_name}.duplicates_across_exports", WARNING, checked, failing)


# --- implausible jumps in audience_daily ----------------------------------------------------

def _followers_jump(conn: sa.Connection, ctx: Context) -> list[Result]:
    a = warehouse.audience_daily
    window = {"partition_by": (a.c.platform, a.c.account_id), "order_by": a.c.day}
    inner = (sa.select(a.c.platform, a.c.account_id, a.c.day, a.c.followers,
                       sa.func.lag(a.c.followers).over(**window).label("previous"),
                       sa.func.lag(a.c.day).over(**window).label("previous_day"))
             .where(a.c.followers.is_not(None), a.c.day <= ctx.week.last_day).subquery())
    share = ctx.settings.jump_share
    jumps = (sa.select(inner)
             .where(inner.c.day >= ctx.week.first_day,
                    inner.c.previous >= ctx.settings.jump_min_followers,
                    sa.func.abs(inner.c.followers - inner.c.previous) > inner.c.previous * share)
             .order_by(inner.c.platform, inner.c.account_id, inner.c.day))
    failing: dict[str | None, tuple[int, list[str]]] = {}
    for row in conn.execute(jumps).all():
        count, ids = failing.get(row.platform, (0, []))
        if len(ids) < MAX_OFFENDING:
            ids.append(f"{row.account_id} {row.previous_day} -> {row.day}: "
                       f"{row.previous} -> {row.followers} followers")
        failing[row.platform] = (count + 1, ids)
    checked = _rows_per_platform(conn, a, sa.and_(_in_week("audience_daily", ctx.week),
                                                  a.c.followers.is_not(None)))
    return _per_platform("audience_daily.followers_jump", WARNING, checked, failing,
                         {p: {"share": share} for p in checked})


# --- totals a source reported -----------------------------------------------------------------

def _reconcile(conn: sa.Connection, ctx: Context) -> list[Result]:
    r = reported_totals
    rows = []
    for measure in MEASURES.values():
        query = (sa.select(r.c.platform, r.c.account_id, r.c.measure, r.c.period_start, r.c.value,
                           loaded_count(measure, warehouse.interactions, r).label("loaded"))
                 .where(r.c.measure == measure.name, r.c.period_start >= ctx.week.start_utc,
                        r.c.period_start < ctx.week.end_utc))
        rows.extend(conn.execute(query).all())
    checked: dict[str | None, int] = {}
    failing: dict[str | None, tuple[int, list[str]]] = {}
    tolerance = ctx.settings.reconcile_share
    for row in sorted(rows, key=lambda x: (x.platform, x.account_id, x.measure, x.period_start)):
        checked[row.platform] = checked.get(row.platform, 0) + 1
        if abs(row.loaded - row.value) > tolerance * row.value:
            count, ids = failing.get(row.platform, (0, []))
            if len(ids) < MAX_OFFENDING:
                ids.append(f"{row.account_id} {row.measure} {row.period_start:%Y-%m-%d}: "
                           f"reported {row.value}, loaded {row.loaded}")
            failing[row.platform] = (count + 1, ids)
    return _per_platform("interactions.reconciles_with_reported_totals", WARNING, checked, failing,
                         {p: {"tolerance_share": tolerance} for p in checked})


# --- mixed currencies ---------------------------------------------------------------------------

def _mixed_currencies(conn: sa.Connection, ctx: Context) -> list[Result]:
    r = warehouse.referrals
    in_week = sa.and_(_in_week("referrals", ctx.week), r.c.currency.is_not(None))
    counts = dict(conn.execute(sa.select(r.c.currency, sa.func.count()).where(in_week)
                               .group_by(r.c.currency).order_by(sa.func.count().desc(), r.c.currency))
                  .all())
    if len(counts) <= 1:
        return [Result("referrals.currencies_mixed", ERROR, PASSED, len(counts),
                       details={"currencies": counts})]
    main = next(iter(counts))
    others = conn.execute(sa.select(r.c.referral_id).where(in_week, r.c.currency != main)
                          .order_by(r.c.referral_id).limit(MAX_OFFENDING)).scalars().all()
    return [Result("referrals.currencies_mixed", ERROR, FAILED, len(counts), list(others),
                   details={"currencies": counts, "main": main})]


def cross_row_checks() -> list[WarehouseCheck]:
    """The checks defined here, in the order they run."""
    return [
        WarehouseCheck("warehouse.freshness", WARNING,
                       "the latest data of each platform is not older than the week reported",
                       _freshness),
        WarehouseCheck("warehouse.platform_gone_quiet", WARNING,
                       "a platform that had data before has data in every recent week", _gone_quiet),
        WarehouseCheck("interactions.duplicates_across_exports", WARNING,
                       "the same event is not loaded twice under different ids by overlapping exports",
                       partial(_duplicates, "interactions",
                               ("platform", "actor_id", "target_id", "kind", "occurred_at", "thread_id"))),
        WarehouseCheck("referrals.duplicates_across_exports", WARNING,
                       "the same referral is not loaded twice under different ids",
                       partial(_duplicates, "referrals",
                               ("platform", "occurred_at", "referrer_id", "stage", "value", "currency"))),
        WarehouseCheck("audience_daily.followers_jump", WARNING,
                       "followers do not change by more than a set share from one reported day to the next",
                       _followers_jump),
        WarehouseCheck("interactions.reconciles_with_reported_totals", WARNING,
                       "counts a platform reported about itself match the interactions loaded",
                       _reconcile),
        WarehouseCheck("referrals.currencies_mixed", ERROR,
                       "the referrals of a week are in one currency, so their values can be added",
                       _mixed_currencies),
    ]


def warehouse_checks() -> list[WarehouseCheck]:
    """Every check `rapport check` runs."""
    return [*suite_checks(), *cross_row_checks()]
