"""The one metric compiler: (metrics, weeks, platform, account) → a SQLAlchemy Core Select.

It never executes anything. The Select returns one row per requested week, oldest first, with
columns `week` and one column per requested metric, every week computed in the same query:

    WITH weeks AS (...), <one CTE per measure group> ...
    SELECT weeks.week, <metric expressions> FROM weeks LEFT JOIN <groups> ON idx ...

Base metrics are read from their group's CTE (counts and sums default to 0 where a week has no
rows; rates and medians stay null); a change joins its group again at idx − 1; a ratio divides
expressions of other metrics and is null when the denominator is 0.
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from metrics import catalog as cat
from metrics.measures import Group, builder, group_key
from metrics.scope import Scope, weeks_table

ZERO_WHEN_EMPTY = ("count", "count_distinct", "sum", "latest", "thread_reciprocity",
                   "reciprocal_window", "first_reciprocal", "harm_after_automation")


def _with_dependencies(names: Iterable[str]) -> list[cat.Metric]:
    """The metrics asked for and everything they are computed from, in catalog order."""
    wanted: set[str] = set()

    def visit(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for dep in cat.metric(name).depends_on:
                visit(dep)

    for name in names:
        visit(name)
    return [m for m in cat.CATALOG if m.name in wanted]


class _Assembly:
    """Joins group CTEs to the weeks table and turns metrics into column expressions."""

    def __init__(self, metrics: list[cat.Metric], scope: Scope):
        self.scope = scope
        self.weeks = weeks_table(scope)
        self.from_clause: sa.FromClause = self.weeks
        by_key: dict[str, list[cat.Metric]] = {}
        for m in metrics:
            if m.type not in ("ratio", "change"):
                by_key.setdefault(group_key(m), []).append(m)
        self.groups: dict[str, Group] = {key: builder(key)(members, scope)
                                         for key, members in by_key.items()}
        self.group_of = {m.name: key for key, members in by_key.items() for m in members}
        self.joined: dict[tuple[str, int], sa.FromClause] = {}

    def _alias(self, key: str, offset: int) -> sa.FromClause:
        """The group's CTE joined at idx − offset (offset 1: the previous week)."""
        if (key, offset) not in self.joined:
            cte = self.groups[key].cte
            alias = cte if offset == 0 else cte.alias(f"{cte.name}_{offset}_before")
            self.from_clause = self.from_clause.outerjoin(
                alias, alias.c.idx == self.weeks.c.idx - offset)
            self.joined[(key, offset)] = alias
        return self.joined[(key, offset)]

    def value(self, m: cat.Metric, offset: int = 0) -> ColumnElement:
        """The column expression of a metric for each week (offset: weeks before)."""
        if m.type == "change":
            source = cat.metric(m.of)
            return self.value(source, offset) - self.value(source, offset + 1)
        if m.type == "ratio":
            top = sum((sign * sa.cast(self.value(cat.metric(n), offset), sa.Double)
                       for sign, n in m.numerator), sa.literal_column("0.0", sa.Double))
            bottom = self.value(cat.metric(m.denominator), offset)
            return m.scale * top / sa.func.nullif(sa.cast(bottom, sa.Double), 0.0)
        key = self.group_of[m.name]
        column = self._alias(key, offset).c[self.groups[key].columns[m.name]]
        if m.type in ZERO_WHEN_EMPTY:
            return sa.func.coalesce(column, 0)
        return column


def compile_metrics(names: Iterable[str], scope: Scope) -> sa.Select:
    """One Select computing the named metrics for every requested week of the scope."""
    names = list(names)
    assembly = _Assembly(_with_dependencies(names), scope)
    columns = [assembly.value(cat.metric(n)).label(n) for n in names]
    weeks = assembly.weeks
    return (sa.select(weeks.c.week, *columns)
            .select_from(assembly.from_clause)
            .where(weeks.c.idx >= 1)
            .order_by(weeks.c.idx))


def compile_metric(name: str, end_week: str, weeks: int = 1, platform: str | None = None,
                   account: str | None = None, tz: str | None = None,
                   engine: str | None = None) -> sa.Select:
    """The Select of one metric over the `weeks` weeks ending with `end_week` (for `engine`, a
    dialect name, when it is known)."""
    return compile_metrics([name], Scope.of(end_week, weeks, platform, account, tz, engine))
