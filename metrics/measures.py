"""Measures: the per-week aggregates metrics are read from, grouped so one scan serves many.

A group is one CTE with an `idx` column (the week) and one column per metric it serves. Metrics
that aggregate the same table in the same way share a group (all simple interaction counts are
one pass over the weekly activity). The relationship measures live in metrics/relationships.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

from metrics import catalog as cat
from metrics.dialects import has_week, has_week_sets, week_bit
from metrics.scope import Scope, platform_is, row_filter, week_index, weekly_activity, \
    weeks_table
from pipelines import warehouse


@dataclass(frozen=True)
class Group:
    """One CTE of per-week values: metric name → column name."""

    cte: sa.CTE
    columns: dict[str, str]


def combine(scope: Scope, name: str, groups: list[Group]) -> Group:
    """Several groups of per-week values as one: each joined to the weeks at its idx."""
    if len(groups) == 1:
        return groups[0]
    weeks = weeks_table(scope)
    source: sa.FromClause = weeks
    columns, names = [], {}
    for group in groups:
        source = source.outerjoin(group.cte, group.cte.c.idx == weeks.c.idx)
        for metric, column in group.columns.items():
            columns.append(group.cte.c[column].label(metric))
            names[metric] = metric
    return Group(sa.select(weeks.c.idx, *columns).select_from(source).cte(name), names)


def _interaction_counts(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Counts and distinct counts of activity rows per week, all in one pass.

    Where the engine holds the weeks as week sets (dialects.has_week_sets), a distinct count is
    read from one set of weeks per value instead (_distinct_by_week_sets).
    """
    rows = weekly_activity(scope)
    sets = has_week_sets(scope.engine, len(scope.weeks))
    columns, distinct = [], []
    for m in metrics:
        cond = row_filter(rows, m.filters)
        if m.type == "count":
            columns.append(sa.func.sum(sa.case((cond, 1), else_=0)).label(m.name))
        elif sets:
            distinct.append(m)
        else:
            columns.append(sa.func.count(sa.distinct(sa.case((cond, rows.c[m.column])))).label(m.name))
    groups = [_distinct_by_week_sets([m for m in distinct if m.column == column], scope)
              for column in dict.fromkeys(m.column for m in distinct)]
    if columns:
        cte = sa.select(rows.c.idx, *columns).group_by(rows.c.idx).cte("interaction_counts")
        groups.insert(0, Group(cte, {c.name: c.name for c in columns}))
    return combine(scope, "interaction_totals", groups)


def _distinct_by_week_sets(metrics: list[cat.Metric], scope: Scope) -> Group:
    """The distinct values of the metrics' column per week, as the number of values whose week
    set holds the week: one group per value (120,000 people at 10M interactions) instead of one
    per (week, value) (1.1M), each metric's rows OR-ing their week into the value's set."""
    rows = weekly_activity(scope)
    column = metrics[0].column
    conds = {m.name: row_filter(rows, m.filters) for m in metrics}
    value = rows.c[column]
    kept = [sa.func.bit_or(sa.case((cond, week_bit(rows.c.idx)))).label(name)
            for name, cond in conds.items()]
    if len(metrics) > 1:  # the weeks in any metric's set: the only weeks to look at
        kept.append(sa.func.bit_or(week_bit(rows.c.idx)).label("any_week"))
    sets = (sa.select(*kept).where(value.is_not(None), sa.or_(*conds.values()))
            .group_by(value).subquery(f"{column}_week_sets"))
    weeks = weeks_table(scope)
    anywhere = sets.c.any_week if len(metrics) > 1 else sets.c[metrics[0].name]
    counts = [sa.func.sum(sa.case((has_week(sets.c[name], weeks.c.idx), 1), else_=0)).label(name)
              for name in conds]
    cte = (sa.select(weeks.c.idx, *counts)
           .select_from(weeks.join(sets, has_week(anywhere, weeks.c.idx)))
           .group_by(weeks.c.idx).cte(f"distinct_{column}_counts"))
    return Group(cte, {name: name for name in conds})


def _referrals(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Referral count and value per week (empty values count 0)."""
    r = warehouse.referrals
    idx = week_index(scope, r.c.occurred_at).label("idx")
    columns = []
    for m in metrics:
        if m.type == "count":
            columns.append(sa.func.count().label(m.name))
        else:
            columns.append(sa.func.sum(sa.func.coalesce(sa.cast(r.c[m.column], sa.Double), 0.0)).label(m.name))
    cte = (sa.select(idx, *columns)
           .where(r.c.occurred_at >= scope.start, r.c.occurred_at < scope.end,
                  platform_is(scope, r))
           .group_by(idx).cte("referral_totals"))
    return Group(cte, {m.name: m.name for m in metrics})


def _audience_account(scope: Scope, table) -> sa.ColumnElement:
    return sa.true() if scope.account is None else table.c.account_id == scope.account


def _audience_sums(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Sums of audience_daily counts over the calendar days of each week."""
    a, w = warehouse.audience_daily, weeks_table(scope)
    columns = [sa.func.sum(sa.func.coalesce(a.c[m.column], 0)).label(m.name) for m in metrics]
    cte = (sa.select(w.c.idx, *columns)
           .select_from(w.join(a, sa.and_(a.c.day >= w.c.first_day, a.c.day <= w.c.last_day)))
           .where(platform_is(scope, a), _audience_account(scope, a))
           .group_by(w.c.idx).cte("audience_totals"))
    return Group(cte, {m.name: m.name for m in metrics})


def _latest_level(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Per week, the sum over accounts of each account's latest non-empty value by week end."""
    (m,) = metrics
    a, w = warehouse.audience_daily, weeks_table(scope)
    known = (sa.select(a.c.platform, a.c.account_id, a.c.day, a.c[m.column].label("level"))
             .where(a.c[m.column].is_not(None), platform_is(scope, a),
                    _audience_account(scope, a))
             .cte(f"{m.name}_known"))
    latest = (sa.select(w.c.idx, known.c.platform, known.c.account_id,
                        sa.func.max(known.c.day).label("day"))
              .select_from(w.join(known, known.c.day <= w.c.last_day))
              .group_by(w.c.idx, known.c.platform, known.c.account_id)
              .cte(f"{m.name}_latest_day"))
    cte = (sa.select(latest.c.idx, sa.func.sum(known.c.level).label(m.name))
           .select_from(latest.join(known, sa.and_(known.c.platform == latest.c.platform,
                                                   known.c.account_id == latest.c.account_id,
                                                   known.c.day == latest.c.day)))
           .group_by(latest.c.idx).cte(f"{m.name}_level"))
    return Group(cte, {m.name: m.name})


def _costs(metrics: list[cat.Metric], scope: Scope) -> Group:
    """hours × hourly_rate + spend per week label (empty cells count 0)."""
    (m,) = metrics
    c, w = warehouse.costs, weeks_table(scope)
    amount = (sa.func.coalesce(c.c.hours, 0.0) * sa.func.coalesce(c.c.hourly_rate, 0.0)
              + sa.func.coalesce(c.c.spend, 0.0))
    cte = (sa.select(w.c.idx, sa.func.sum(amount).label(m.name))
           .select_from(w.join(c, c.c.week == w.c.week))
           .where(platform_is(scope, c))
           .group_by(w.c.idx).cte("cost_totals"))
    return Group(cte, {m.name: m.name})


Builder = Callable[[list[cat.Metric], Scope], Group]


def group_key(m: cat.Metric) -> str:
    """Which group computes a base metric (metrics with the same key share one CTE)."""
    if m.type in ("count", "count_distinct", "sum", "latest"):
        if m.type == "latest":
            return f"latest:{m.name}"
        return m.table
    if m.type in ("response_within", "response_median"):
        return f"response:{m.param('window')}"
    if m.type == "reciprocal_window":
        return f"pairs:{m.param('pairs')}"
    if m.type == "first_reciprocal":
        return "pairs:ours_theirs"
    return f"{m.type}:{m.param('window')}"


def builder(key: str) -> Builder:
    """The function that builds the group of a key."""
    from metrics import relationships

    simple: dict[str, Builder] = {
        "interactions": _interaction_counts, "referrals": _referrals,
        "audience_daily": _audience_sums, "costs": _costs,
    }
    if key in simple:
        return simple[key]
    kind = key.split(":", 1)[0]
    if kind == "latest":
        return _latest_level
    return relationships.BUILDERS[kind]
