"""The building blocks the compiler shares: the scope, the weeks, who is ours, which rows count.

Rows are assigned to weeks by integer arithmetic on their time (corrected, where the reporting
zone changes its offset, by a step function of a few branches): a range join of every row
against every week costs rows × weeks.
The weeks table holds one extra week before the first requested one (idx 0), so that a
week-over-week change has its previous week; requested weeks have idx 1..N.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from metrics import catalog as cat
from metrics.dialects import epoch_us, has_person_keys, int_div, materialized
from metrics.weeks import Week, week_range
from pipelines import warehouse

WEEK = timedelta(days=7)
# How far past a week's end its metrics read: answers and harm within 7 days of a message.
# No metric of a week reads interactions at or after end(week) + HORIZON.
HORIZON = timedelta(days=7)
EPOCH = datetime(1970, 1, 1)

people = warehouse.people
interactions = warehouse.interactions


@dataclass
class Scope:
    """What to compute over: the requested weeks (plus one lead week) and the filters."""

    weeks: list[Week]  # idx 0 is the lead week; 1..N are requested
    platform: str | None = None
    account: str | None = None
    engine: str | None = None  # the engine it will run on (dialects.engine_of), when known
    _ctes: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, end_week: str, count: int = 1, platform: str | None = None,
           account: str | None = None, tz: str | None = None,
           engine: str | None = None) -> "Scope":
        """The scope of `count` weeks ending with `end_week` in the reporting zone.

        `engine` (the dialect's name, see dialects.engine_of) lets a measure choose a form that
        only that engine runs; without it every measure is built in its portable form.
        """
        return cls(weeks=week_range(end_week, count + 1, tz), platform=platform, account=account,
                   engine=engine)

    @property
    def start(self) -> datetime:
        """Start of the lead week (naive UTC)."""
        return self.weeks[0].start_utc

    @property
    def end(self) -> datetime:
        """End of the last requested week (naive UTC)."""
        return self.weeks[-1].end_utc

    def cte(self, key: str, build: Callable[[], sa.CTE]) -> sa.CTE:
        """A CTE built once per compilation and shared by every metric that needs it."""
        if key not in self._ctes:
            self._ctes[key] = build()
        return self._ctes[key]


# ---- the weeks, and assigning a time to a week --------------------------------------------

def _constant_table(name: str, rows: list[dict], types: dict[str, sa.types.TypeEngine]) -> sa.CTE:
    """A small constant table: WITH name(columns) AS (VALUES ...), its values bound as data."""
    columns = [sa.column(col, type_) for col, type_ in types.items()]
    return sa.values(*columns, name=name).data(
        [tuple(row[col] for col in types) for row in rows]).cte(name)


def weeks_table(scope: Scope) -> sa.CTE:
    """idx, week label, [start_utc, end_utc), first_day, last_day of every week in scope."""
    types = {"idx": sa.Integer(), "week": sa.String(), "start_utc": sa.DateTime(),
             "end_utc": sa.DateTime(), "first_day": sa.Date(), "last_day": sa.Date()}
    rows = [dict(idx=i, week=w.label, start_utc=w.start_utc, end_utc=w.end_utc,
                 first_day=w.first_day, last_day=w.last_day) for i, w in enumerate(scope.weeks)]
    return scope.cte("weeks", lambda: _constant_table("weeks", rows, types))


def _micros(value: datetime | timedelta) -> int:
    delta = value - EPOCH if isinstance(value, datetime) else value
    return delta // timedelta(microseconds=1)


def interval_index(ts: ColumnElement, boundaries: list[datetime]) -> ColumnElement:
    """k such that boundaries[k] <= ts < boundaries[k+1], by arithmetic (no join).

    Boundaries are about a week apart: b_k = b_0 + k·7 days + d_k, where the deviation d_k
    changes only when the reporting zone changes its UTC offset. The index is
    floor((ts − b_0 − c(ts)) / 7 days) with c a step function switching from d_j to d_{j+1} at
    min(b_{j+1}, b_j + 7 days), which is exact for every ts; before b_0 it is negative and from
    the last boundary on it is at least the last index.
    """
    base = boundaries[0]
    deviations = [_micros(b - base - k * WEEK) for k, b in enumerate(boundaries)]
    switches = [(min(boundaries[j + 1], boundaries[j] + WEEK), deviations[j + 1])
                for j in range(len(boundaries) - 1) if deviations[j + 1] != deviations[j]]
    if switches:
        correction = sa.case(*((ts < at, sa.literal_column(str(before), sa.BigInteger))
                               for (at, _), before in zip(switches, [deviations[0]] + [
                                   d for _, d in switches[:-1]])),
                             else_=sa.literal_column(str(switches[-1][1]), sa.BigInteger))
        offset = epoch_us(ts) - correction
    else:
        offset = epoch_us(ts)
    shift_weeks = 10_000  # keeps the dividend non-negative for any time after 1780
    week_us = _micros(WEEK)
    dividend = offset - sa.literal_column(str(_micros(base) - shift_weeks * week_us), sa.BigInteger)
    return int_div(dividend, week_us) - sa.literal_column(str(shift_weeks), sa.BigInteger)


def week_index(scope: Scope, ts: ColumnElement) -> ColumnElement:
    """The idx of the week in scope containing ts (meaningful for ts in the scope's range)."""
    return interval_index(ts, [w.start_utc for w in scope.weeks] + [scope.end])


# ---- who is ours, and which rows count -----------------------------------------------------

def ours_all() -> sa.Select:
    """Every person of ours (the account filter never makes a teammate 'theirs')."""
    return sa.select(people.c.person_id).where(people.c.is_ours == sa.true())


def ours_side(scope: Scope) -> sa.Select:
    """The people of ours that count on an 'ours' side: all of them, or the one account."""
    query = ours_all()
    if scope.account is not None:
        query = query.where(people.c.person_id == scope.account)
    return query


def nonempty(col: ColumnElement) -> ColumnElement:
    """Neither NULL nor the empty string."""
    return sa.and_(col.is_not(None), col != "")


def empty(col: ColumnElement) -> ColumnElement:
    """NULL or the empty string."""
    return sa.or_(col.is_(None), col == "")


def platform_is(scope: Scope, table) -> ColumnElement:
    """The platform filter on a table (true when there is none)."""
    return sa.true() if scope.platform is None else table.c.platform == scope.platform


def conversational(rows) -> ColumnElement:
    """Kind reply, comment, mention or dm, with a target (activity rows carry it as a flag)."""
    if "talk" in rows.c:
        return rows.c.talk == 1
    return sa.and_(rows.c.kind.in_(warehouse.CONVERSATIONAL_KINDS), nonempty(rows.c.target_id))


def _person_keys(seen: ColumnElement) -> sa.CTE:
    """Every person id the rows can name, numbered: the people, and the ids of interactions
    (in `seen`) that are not in people (valid: they are simply not ours)."""
    i = interactions
    named = sa.union_all(
        sa.select(i.c.actor_id.label("person_id")).where(seen),
        sa.select(i.c.target_id.label("person_id")).where(seen, nonempty(i.c.target_id)),
    ).subquery("named")
    unknown = (sa.select(named.c.person_id, sa.literal_column("0", sa.Integer).label("ours"))
               .where(~sa.exists().where(people.c.person_id == named.c.person_id))
               .distinct())
    known = (sa.select(people.c.person_id,
                       sa.func.max(sa.case((people.c.is_ours == sa.true(), 1), else_=0))
                       .label("ours"))
             .group_by(people.c.person_id))
    ids = sa.union_all(known, unknown).subquery("person_ids")
    return materialized(sa.select(ids.c.person_id, ids.c.ours,
                                  sa.func.row_number().over().label("person_key"))
                        .cte("person_keys"))


def activity(scope: Scope) -> sa.CTE:
    """Interactions of the platform before end(last week) + 7 days, with who-is-ours flags and
    the idx of the week in scope (outside the weeks: whatever the arithmetic gives; filter on
    time before using it). Computed once: every metric on interactions reads it.

    Where the engine numbers people (dialects.has_person_keys), `actor_id` and `target_id` are
    those numbers (NULL for no target): the measures only compare, group and order them.
    """
    horizon = scope.end + HORIZON

    def build() -> sa.CTE:
        i = interactions
        seen = sa.and_(i.c.occurred_at < horizon, platform_is(scope, i))
        if has_person_keys(scope.engine):
            keys = _person_keys(seen)
            by_actor, by_target = keys.alias("actor_keys"), keys.alias("target_keys")
            source = (i.outerjoin(by_actor, by_actor.c.person_id == i.c.actor_id)
                      .outerjoin(by_target, by_target.c.person_id == i.c.target_id))
            actor, target = by_actor.c.person_key, by_target.c.person_key
            actor_is_ours, target_is_ours = by_actor.c.ours == 1, by_target.c.ours == 1
        else:
            everyone = ours_all()
            source, actor, target = i, i.c.actor_id, i.c.target_id
            actor_is_ours, target_is_ours = i.c.actor_id.in_(everyone), i.c.target_id.in_(everyone)
        account = [] if scope.account is None else [
            (i.c.actor_id == scope.account).label("actor_is_account"),
            (i.c.target_id == scope.account).label("target_is_account")]
        tagged = (sa.select(
            i.c.occurred_at, actor.label("actor_id"), target.label("target_id"), i.c.kind,
            i.c.thread_id,
            sa.case((empty(i.c.in_reply_to), 1), else_=0).label("opens"),
            sa.case((conversational(i), 1), else_=0).label("talk"),
            sa.case((i.c.automated == sa.true(), 1), else_=0).label("automated"),
            sa.case((actor_is_ours, 1), else_=0).label("actor_is_ours"),
            sa.case((sa.and_(nonempty(i.c.target_id), target_is_ours), 1),
                    else_=0).label("target_is_ours"),
            sa.case((nonempty(i.c.target_id), 1), else_=0).label("has_target"),
            *account,
            week_index(scope, i.c.occurred_at).label("idx"))
            .select_from(source)
            .where(seen)
            .subquery("tagged"))
        t = tagged.c

        def on_side(is_ours, role: str) -> ColumnElement:
            mine = is_ours == 1
            if scope.account is not None:
                mine = sa.and_(mine, t[f"{role}_is_account"] == sa.true())
            return sa.case((mine, 1), else_=0)

        # The flags are kept as SMALLINT and the week as INTEGER: at 10M interactions the
        # rows take about 250 MB less than as INTEGER and BIGINT (docs/benchmarks.md, change
        # 41), which every reader scans and a fresh process pays in page faults.
        def flag(value: ColumnElement, name: str) -> ColumnElement:
            return sa.cast(value, sa.SmallInteger).label(name)

        return materialized(sa.select(
            t.occurred_at, t.actor_id, t.target_id, t.kind, t.thread_id,
            flag(t.opens, "opens"), flag(t.talk, "talk"), flag(t.automated, "automated"),
            sa.cast(t.idx, sa.Integer).label("idx"),
            flag(on_side(t.actor_is_ours, "actor"), "actor_ours"),
            flag(sa.case((t.actor_is_ours == 0, 1), else_=0), "actor_theirs"),
            flag(on_side(t.target_is_ours, "target"), "target_ours"),
            flag(sa.case((sa.and_(t.target_is_ours == 0, t.has_target == 1), 1), else_=0),
                 "target_theirs"),
        ).cte("activity"))
    return scope.cte("activity", build)


def weekly_activity(scope: Scope) -> sa.CTE:
    """The activity inside the weeks in scope (each row with its week's idx)."""
    def build() -> sa.CTE:
        a = activity(scope)
        return (sa.select(*a.c).where(a.c.occurred_at >= scope.start, a.c.occurred_at < scope.end)
                .cte("weekly_activity"))
    return scope.cte("weekly_activity", build)


def side(rows, who: str, role: str) -> ColumnElement:
    """The condition that a row's actor or target (role) is 'ours' or 'theirs' (who)."""
    return rows.c[f"{role}_{who}"] == 1


def row_filter(rows, f: cat.Filters) -> ColumnElement:
    """The condition of a simple metric's Filters on activity rows."""
    conds: list[ColumnElement] = []
    if f.kinds:
        conds.append(rows.c.kind.in_(f.kinds))
    if f.conversational:
        conds.append(conversational(rows))
    if f.actor:
        conds.append(side(rows, f.actor, "actor"))
    if f.target:
        conds.append(side(rows, f.target, "target"))
    return sa.and_(sa.true(), *conds)
