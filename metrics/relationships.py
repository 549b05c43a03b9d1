"""The relationship measures: two-way threads, answers within a window, reciprocal pairs, harm.

Each builder returns a Group (a CTE with `idx` and one column per metric). They avoid the two
shapes that make such SQL quadratic: joining every message to every later message of the same
pair (answers are found with one running MIN over the pair's time-ordered stream instead), and
joining every event to every week whose window contains it (events are first aggregated to
(pair, direction, week), then turned into week intervals that are merged and intersected).
On DuckDB, while the weeks fit in 128 bits, a key's weeks are one bit set instead of rows:
the pair measures and the two-way threads then group their events once per key.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from metrics import catalog as cat
from metrics.dialects import asof_outerjoin, epoch_us, greatest, has_asof, has_middle_values, \
    has_person_keys, has_week, has_week_sets, least, materialized, shift, week_bit, week_bits, \
    weeks_from
from metrics.measures import Group, combine
from metrics.scope import Scope, activity, conversational, interval_index, nonempty, side, \
    week_index, weekly_activity, weeks_table


def _flag(cond) -> sa.ColumnElement:
    return sa.case((cond, 1), else_=0)


def _threads(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Threads active in W that became two-way (some P→Q and Q→P) before end(W).

    Each thread's messages are grouped once by unordered pair, with the first time of each
    direction as a conditional minimum: a pair is two-way from the later of the two.
    """
    if has_week_sets(scope.engine, len(scope.weeks)):
        return _threads_by_week_sets(metrics, scope)
    a = activity(scope)
    talk = sa.and_(conversational(a), nonempty(a.c.thread_id), a.c.actor_id != a.c.target_id,
                   a.c.occurred_at < scope.end)
    said = (sa.select(a.c.thread_id, least(a.c.actor_id, a.c.target_id).label("a"),
                      greatest(a.c.actor_id, a.c.target_id).label("b"),
                      _flag(a.c.actor_id < a.c.target_id).label("forward"),
                      a.c.occurred_at, a.c.actor_ours)
            .where(talk).subquery("thread_messages"))
    firsts = (sa.select(said.c.thread_id,
                        sa.func.min(sa.case((said.c.forward == 1, said.c.occurred_at)))
                        .label("there_at"),
                        sa.func.min(sa.case((said.c.forward == 0, said.c.occurred_at)))
                        .label("back_at"),
                        sa.func.max(said.c.actor_ours).label("actor_ours"))
              .group_by(said.c.thread_id, said.c.a, said.c.b)
              .subquery("thread_pair_firsts"))
    pairs = (sa.select(firsts.c.thread_id,
                       greatest(firsts.c.there_at, firsts.c.back_at).label("two_way_at"),
                       firsts.c.actor_ours.label("with_us"))
             .where(firsts.c.there_at.is_not(None), firsts.c.back_at.is_not(None))
             .subquery("thread_pairs"))
    two_way = (sa.select(pairs.c.thread_id, sa.func.min(pairs.c.two_way_at).label("any_at"),
                         sa.func.min(sa.case((pairs.c.with_us == 1, pairs.c.two_way_at)))
                         .label("us_at"))
               .group_by(pairs.c.thread_id).cte("thread_two_way"))
    w = weekly_activity(scope)
    active = (sa.select(w.c.idx, w.c.thread_id)
              .where(conversational(w), nonempty(w.c.thread_id))
              .distinct().cte("threads_active"))
    weeks = weeks_table(scope)
    columns = []
    for m in metrics:
        at = two_way.c.us_at if m.param("with_us") else two_way.c.any_at
        columns.append(sa.func.sum(_flag(at < weeks.c.end_utc)).label(m.name))
    cte = (sa.select(active.c.idx, *columns)
           .select_from(active.join(two_way, two_way.c.thread_id == active.c.thread_id)
                        .join(weeks, weeks.c.idx == active.c.idx))
           .group_by(active.c.idx).cte("conversation_counts"))
    return Group(cte, {m.name: m.name for m in metrics})


def _threads_by_week_sets(metrics: list[cat.Metric], scope: Scope) -> Group:
    """The two-way threads per week from one grouping of the thread's messages (DuckDB).

    The grouping by (thread, pair) that finds when each pair became two-way also collects the
    weeks in which the thread was active, as a week set: a message to oneself is in its own
    pair, which never becomes two-way but marks its week. A thread counts in the weeks of its
    set from the first week ending after it became two-way. There is no second pass over the
    messages to list (week, thread), and no join on the text thread id.
    """
    a = activity(scope)
    forward = sa.case((a.c.actor_id < a.c.target_id, 1), (a.c.actor_id > a.c.target_id, 0))
    said = (sa.select(a.c.thread_id, least(a.c.actor_id, a.c.target_id).label("a"),
                      greatest(a.c.actor_id, a.c.target_id).label("b"),
                      forward.label("forward"), a.c.occurred_at, a.c.actor_ours,
                      sa.case((a.c.occurred_at >= scope.start, week_bit(a.c.idx))).label("week"))
            .where(conversational(a), nonempty(a.c.thread_id), a.c.occurred_at < scope.end)
            .subquery("thread_messages"))
    firsts = (sa.select(said.c.thread_id,
                        sa.func.min(sa.case((said.c.forward == 1, said.c.occurred_at)))
                        .label("there_at"),
                        sa.func.min(sa.case((said.c.forward == 0, said.c.occurred_at)))
                        .label("back_at"),
                        sa.func.max(said.c.actor_ours).label("actor_ours"),
                        sa.func.bit_or(said.c.week).label("weeks"))
              .group_by(said.c.thread_id, said.c.a, said.c.b)
              .subquery("thread_pair_firsts"))
    both = sa.and_(firsts.c.there_at.is_not(None), firsts.c.back_at.is_not(None))
    at = greatest(firsts.c.there_at, firsts.c.back_at)
    threads = (sa.select(sa.func.min(sa.case((both, at))).label("any_at"),
                         sa.func.min(sa.case((sa.and_(both, firsts.c.actor_ours == 1), at)))
                         .label("us_at"),
                         sa.func.bit_or(firsts.c.weeks).label("weeks"))
               .group_by(firsts.c.thread_id).subquery("thread_weeks"))
    ends = [w.end_utc for w in scope.weeks]

    def counted_from(t: sa.ColumnElement) -> sa.ColumnElement:
        # The weeks of the set ending after t.
        return threads.c.weeks.op("&")(weeks_from(_first_week_after(t, ends)))

    two_way = (sa.select(counted_from(threads.c.any_at).label("any_weeks"),
                         sa.case((threads.c.us_at.is_not(None), counted_from(threads.c.us_at)))
                         .label("us_weeks"))
               .where(threads.c.any_at.is_not(None), threads.c.weeks.is_not(None))
               .subquery("threads_two_way_weeks"))
    weeks = weeks_table(scope)
    columns = [sa.func.sum(_flag(has_week(two_way.c.us_weeks if m.param("with_us")
                                           else two_way.c.any_weeks, weeks.c.idx)))
               .label(m.name) for m in metrics]
    cte = (sa.select(weeks.c.idx, *columns)
           .select_from(weeks.join(two_way, has_week(two_way.c.any_weeks, weeks.c.idx)))
           .group_by(weeks.c.idx).cte("conversation_counts"))
    return Group(cte, {m.name: m.name for m in metrics})


def _first_answer(asks: sa.Select, answers: sa.Select, keys: list[str], name: str,
                  scope: Scope) -> sa.CTE:
    """Each ask with the time of the first answer strictly after it, per key.

    Where the engine has an ASOF join, each ask is joined to the nearest later answer of its
    key. Elsewhere: one stream per key, newest first; at equal times asks come before answers,
    so the running MIN of answer times over the rows before an ask is the first answer strictly
    after it.
    """
    if has_asof(scope.engine):
        k, n = asks.subquery(f"{name}_asks"), answers.subquery(f"{name}_answers")
        on = sa.and_(*(n.c[key] == k.c[key] for key in keys), n.c.occurred_at > k.c.occurred_at)
        return (sa.select(k.c.idx, k.c.occurred_at, n.c.occurred_at.label("answered_at"))
                .select_from(asof_outerjoin(k, n, on)).cte(name))
    stream = sa.union_all(asks, answers).subquery(f"{name}_stream")
    later = sa.func.min(sa.case((stream.c.is_ask == 0, stream.c.occurred_at))).over(
        partition_by=[stream.c[k] for k in keys],
        order_by=[stream.c.occurred_at.desc(), stream.c.is_ask.desc()],
        rows=(None, -1))
    ordered = sa.select(stream.c.idx, stream.c.is_ask, stream.c.occurred_at,
                        later.label("answered_at")).subquery(f"{name}_ordered")
    return (sa.select(ordered.c.idx, ordered.c.occurred_at, ordered.c.answered_at)
            .where(ordered.c.is_ask == 1).cte(name))


def _const(value: int, name: str) -> sa.ColumnElement:
    return sa.literal_column(str(value), sa.Integer).label(name)


def _no_idx() -> sa.ColumnElement:
    return sa.cast(sa.null(), sa.Integer).label("idx")


def _pair_key(ours: sa.ColumnElement, theirs: sa.ColumnElement) -> sa.ColumnElement:
    """Two person numbers (dialects.has_person_keys, below 2³¹) as one BIGINT."""
    return (ours * sa.literal_column("4294967296", sa.BigInteger) + theirs).label("pair")


def _reply_within(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Share of our first messages in W answered by their target within the window."""
    (m,) = metrics
    window = int(m.param("window"))
    w, a = weekly_activity(scope), activity(scope)
    asks = sa.select(w.c.actor_id.label("ours"), w.c.target_id.label("theirs"),
                     w.c.occurred_at, _const(1, "is_ask"), w.c.idx).where(
        conversational(w), side(w, "ours", "actor"), side(w, "theirs", "target"), w.c.opens == 1)
    answers = sa.select(a.c.target_id.label("ours"), a.c.actor_id.label("theirs"),
                        a.c.occurred_at, _const(0, "is_ask"), _no_idx()).where(
        conversational(a), side(a, "theirs", "actor"), side(a, "ours", "target"),
        a.c.occurred_at > scope.start,
        a.c.occurred_at <= scope.end + timedelta(seconds=window))
    keys = ["ours", "theirs"]
    if has_person_keys(scope.engine):
        # Two person numbers in one integer: the ASOF join sorts by one key instead of two.
        asks = asks.add_columns(_pair_key(w.c.actor_id, w.c.target_id))
        answers = answers.add_columns(_pair_key(a.c.target_id, a.c.actor_id))
        keys = ["pair"]
    asked = _first_answer(asks, answers, keys, "outreach", scope)
    answered = _flag(asked.c.answered_at <= shift(asked.c.occurred_at, window))
    cte = (sa.select(asked.c.idx, (sa.cast(sa.func.sum(answered), sa.Double)
                                   / sa.func.count()).label(m.name))
           .group_by(asked.c.idx).cte("reply_rates"))
    return Group(cte, {m.name: m.name})


def _response(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Share of inbound messages in W answered by us within the window, and the median wait."""
    window = int(metrics[0].param("window"))
    w, a = weekly_activity(scope), activity(scope)
    asks = sa.select(w.c.actor_id.label("theirs"), w.c.occurred_at,
                     _const(1, "is_ask"), w.c.idx).where(
        conversational(w), side(w, "theirs", "actor"), side(w, "ours", "target"))
    answers = sa.select(a.c.target_id.label("theirs"), a.c.occurred_at,
                        _const(0, "is_ask"), _no_idx()).where(
        conversational(a), side(a, "ours", "actor"), side(a, "theirs", "target"),
        a.c.occurred_at > scope.start,
        a.c.occurred_at <= scope.end + timedelta(seconds=window))
    asked = _first_answer(asks, answers, ["theirs"], "inbound", scope)
    in_time = asked.c.answered_at <= shift(asked.c.occurred_at, window)
    rates = (sa.select(asked.c.idx, (sa.cast(sa.func.sum(_flag(in_time)), sa.Double)
                                     / sa.func.count()).label("rate"))
             .group_by(asked.c.idx).cte("response_rates"))
    hours = (sa.cast(epoch_us(asked.c.answered_at) - epoch_us(asked.c.occurred_at), sa.Double)
             / 3600e6).label("hours")
    waits = sa.select(asked.c.idx, hours).where(in_time).subquery("response_waits")
    if has_middle_values(scope.engine):
        lower = sa.func.quantile_disc(waits.c.hours, 0.5)
        upper = -sa.func.quantile_disc(-waits.c.hours, 0.5)
        medians = (sa.select(waits.c.idx, ((lower + upper) / 2).label("median"))
                   .group_by(waits.c.idx).cte("response_medians"))
    else:
        medians = _medians(waits)
    columns, names = [], {}
    for m in metrics:
        col = rates.c.rate if m.type == "response_within" else medians.c.median
        columns.append(col.label(m.name))
        names[m.name] = m.name
    cte = (sa.select(rates.c.idx, *columns)
           .select_from(rates.outerjoin(medians, medians.c.idx == rates.c.idx))
           .cte("responses"))
    return Group(cte, names)


def _medians(waits: sa.Subquery) -> sa.CTE:
    """Each week's median wait: the mean of its middle value, or of its two middle values."""
    ranked = sa.select(
        waits.c.idx, waits.c.hours,
        sa.func.row_number().over(partition_by=waits.c.idx, order_by=waits.c.hours).label("rn"),
        sa.func.count().over(partition_by=waits.c.idx).label("n"),
    ).subquery("response_waits_ranked")
    # The middle value, or the two middle values when n is even: 2·rn ∈ {n, n+1, n+2}.
    middle = sa.or_(2 * ranked.c.rn == ranked.c.n, 2 * ranked.c.rn == ranked.c.n + 1,
                    2 * ranked.c.rn == ranked.c.n + 2)
    return (sa.select(ranked.c.idx, sa.func.avg(ranked.c.hours).label("median"))
            .where(middle).group_by(ranked.c.idx).cte("response_medians"))


def _pair_events(scope: Scope, pairs: str, since: datetime | None) -> sa.Select:
    """Conversational events as (a, b, dir, occurred_at) for ours↔theirs or member pairs.

    Where people are numbered (dialects.has_person_keys), `a` holds both numbers of the pair
    and `b` is 0: the pair is grouped and joined on one integer.
    """
    a = activity(scope)
    when = sa.and_(conversational(a), a.c.occurred_at < scope.end,
                   sa.true() if since is None else a.c.occurred_at >= since)
    if pairs == "ours_theirs":
        outbound = sa.and_(side(a, "ours", "actor"), side(a, "theirs", "target"))
        inbound = sa.and_(side(a, "theirs", "actor"), side(a, "ours", "target"))
        first = sa.case((outbound, a.c.actor_id), else_=a.c.target_id)
        second = sa.case((outbound, a.c.target_id), else_=a.c.actor_id)
        direction = sa.case((outbound, 0), else_=1)
        rows = sa.and_(when, sa.or_(outbound, inbound))
    else:
        first, second = least(a.c.actor_id, a.c.target_id), greatest(a.c.actor_id, a.c.target_id)
        direction = sa.case((a.c.actor_id < a.c.target_id, 0), else_=1)
        rows = sa.and_(when, side(a, "theirs", "actor"), side(a, "theirs", "target"),
                       a.c.actor_id != a.c.target_id)
    if has_person_keys(scope.engine):
        first, second = _pair_key(first, second), sa.literal_column("0", sa.BigInteger)
    return sa.select(first.label("a"), second.label("b"), direction.label("dir"),
                     a.c.occurred_at).where(rows)


def _pairs(metrics: list[cat.Metric], scope: Scope) -> Group:
    """The measures of one kind of pair: reciprocal pairs in a window, pairs newly reciprocal.

    On DuckDB, while the weeks fit in one 128-bit integer, they share one grouping of the
    pair's events by (pair, direction) (_pairs_by_week_sets). Elsewhere each has its own.
    """
    windows = [m for m in metrics if m.type == "reciprocal_window"]
    firsts = [m for m in metrics if m.type == "first_reciprocal"]
    pairs = str(windows[0].param("pairs")) if windows else "ours_theirs"
    if has_week_sets(scope.engine, len(scope.weeks)):
        return _pairs_by_week_sets(windows, firsts, pairs, scope)
    groups = [_reciprocal_window(m, scope) for m in windows]
    groups += [_first_reciprocal(m, scope) for m in firsts]
    return combine(scope, f"{pairs}_pair_counts", groups)


def _reciprocal_window(m: cat.Metric, scope: Scope) -> Group:
    """Pairs with both directions inside [end(W) − window, end(W)), for every week at once.

    An event at t counts for the weeks W with t < end(W) <= t + window: the interval
    [lo(t), hi(t)] of week indexes. Events are aggregated to (pair, dir, lo) keeping the latest
    t, intervals of one (pair, dir) are merged into islands, the islands of the two directions
    intersected, and the counts per week summed from +1/−1 at each intersection's ends. The
    week-set form (_pairs_by_week_sets) gives the same numbers.
    """
    pairs, window = str(m.param("pairs")), timedelta(seconds=int(m.param("window")))
    ends = [w.end_utc for w in scope.weeks]
    events = _pair_events(scope, pairs, ends[0] - window).subquery(f"{m.name}_events")
    lo = _first_week_after(events.c.occurred_at, ends)
    per_week = (sa.select(events.c.a, events.c.b, events.c.dir, lo.label("lo"),
                          sa.func.max(events.c.occurred_at).label("last_at"))
                .group_by(events.c.a, events.c.b, events.c.dir, lo)
                .subquery(f"{m.name}_pair_weeks"))
    return _reciprocal_islands(m, scope, per_week, _last_week_by(per_week.c.last_at, ends,
                                                                   window))


def _first_week_after(t: sa.ColumnElement, ends: list[datetime]) -> sa.ColumnElement:
    """lo(t): the index of the first week ending after t (0 when every week does)."""
    return greatest(interval_index(t, ends) + 1, sa.literal_column("0"))


def _last_week_by(t: sa.ColumnElement, ends: list[datetime],
                  window: timedelta) -> sa.ColumnElement:
    """hi(t): the index of the last week whose window [end − window, end) starts by t."""
    return least(interval_index(t, [e - window for e in ends]),
                 sa.literal_column(str(len(ends) - 1)))


def _pairs_by_week_sets(windows: list[cat.Metric], firsts: list[cat.Metric], pairs: str,
                        scope: Scope) -> Group:
    """Reciprocal and newly reciprocal pairs from one grouping by (pair, direction) (DuckDB).

    Each (pair, direction) keeps the time of its first event and, for each window, the bit set
    of the weeks its events count for (the OR of their intervals [lo(t), hi(t)]). The two
    directions of a pair are joined once: the AND of their sets holds the weeks the pair is
    reciprocal, the later of their first times is when it became so.
    """
    ends = [w.end_utc for w in scope.weeks]
    spans = {m.name: timedelta(seconds=int(m.param("window"))) for m in windows}
    since = None if firsts else min(ends[0] - span for span in spans.values())
    events = _pair_events(scope, pairs, since).subquery(f"{pairs}_pair_events")
    t = events.c.occurred_at
    lo = _first_week_after(t, ends)
    kept = [sa.func.min(t).label("first_at")] if firsts else []
    for name, span in spans.items():
        hi = _last_week_by(t, ends, span)
        kept.append(sa.func.bit_or(sa.case((lo <= hi, week_bits(lo, hi)))).label(name))
    directions = (sa.select(events.c.a, events.c.b, events.c.dir, *kept)
                  .group_by(events.c.a, events.c.b, events.c.dir)
                  .cte(f"{pairs}_pair_directions"))
    x, y = directions.alias(f"{pairs}_there"), directions.alias(f"{pairs}_back")
    joined = [x.c[name].op("&")(y.c[name]).label(name) for name in spans]
    if firsts:
        joined.append(greatest(x.c.first_at, y.c.first_at).label("became_at"))
    both = (sa.select(*joined)
            .select_from(x.join(y, sa.and_(y.c.a == x.c.a, y.c.b == x.c.b, y.c.dir == 1)))
            .where(x.c.dir == 0).cte(f"{pairs}_reciprocal_pairs"))
    if len(joined) > 1:
        both = materialized(both)
    weeks = weeks_table(scope)
    groups = [Group(sa.select(weeks.c.idx, sa.func.count().label(name))
                    .select_from(weeks.join(both, has_week(both.c[name], weeks.c.idx)))
                    .group_by(weeks.c.idx).cte(f"{name}_counts"), {name: name})
              for name in spans]
    for m in firsts:
        idx = week_index(scope, both.c.became_at).label("idx")
        groups.append(Group(sa.select(idx, sa.func.count().label(m.name))
                            .where(both.c.became_at >= scope.start)
                            .group_by(idx).cte(f"{m.name}_counts"), {m.name: m.name}))
    return combine(scope, f"{pairs}_pair_counts", groups)


def _reciprocal_islands(m: cat.Metric, scope: Scope, per_week: sa.Subquery,
                        hi: sa.ColumnElement) -> Group:
    """The reciprocal pairs per week from merged week intervals (every engine)."""
    name = m.name
    spans = (sa.select(per_week.c.a, per_week.c.b, per_week.c.dir, per_week.c.lo,
                       hi.label("hi"))
             .subquery(f"{name}_spans"))
    key = [spans.c.a, spans.c.b, spans.c.dir]
    reach = sa.func.max(spans.c.hi).over(partition_by=key, order_by=spans.c.lo, rows=(None, -1))
    starts_island = sa.select(*spans.c, _flag(sa.or_(reach.is_(None), spans.c.lo > reach + 1))
                              .label("starts")).subquery(f"{name}_breaks")
    numbered = sa.select(
        *starts_island.c,
        sa.func.sum(starts_island.c.starts).over(
            partition_by=[starts_island.c.a, starts_island.c.b, starts_island.c.dir],
            order_by=starts_island.c.lo, rows=(None, 0)).label("island"),
    ).subquery(f"{name}_numbered")
    islands = (sa.select(numbered.c.a, numbered.c.b, numbered.c.dir,
                         sa.func.min(numbered.c.lo).label("lo"),
                         sa.func.max(numbered.c.hi).label("hi"))
               .group_by(numbered.c.a, numbered.c.b, numbered.c.dir, numbered.c.island)
               .cte(f"{name}_islands"))
    x, y = islands.alias(f"{name}_there"), islands.alias(f"{name}_back")
    both = (sa.select(greatest(x.c.lo, y.c.lo).label("lo"), least(x.c.hi, y.c.hi).label("hi"))
            .select_from(x.join(y, sa.and_(y.c.a == x.c.a, y.c.b == x.c.b, y.c.dir == 1,
                                           x.c.lo <= y.c.hi, y.c.lo <= x.c.hi)))
            .where(x.c.dir == 0).cte(f"{name}_both"))
    steps = sa.union_all(
        sa.select(both.c.lo.label("idx"), _const(1, "step")),
        sa.select((both.c.hi + 1).label("idx"), _const(-1, "step")),
    ).subquery(f"{name}_steps")
    totals = (sa.select(steps.c.idx, sa.func.sum(steps.c.step).label("step"))
              .group_by(steps.c.idx).subquery(f"{name}_step_totals"))
    weeks = weeks_table(scope)
    cte = (sa.select(weeks.c.idx, sa.func.sum(sa.func.coalesce(totals.c.step, 0))
                     .over(order_by=weeks.c.idx).label(m.name))
           .select_from(weeks.outerjoin(totals, totals.c.idx == weeks.c.idx))
           .cte(f"{name}_counts"))
    return Group(cte, {m.name: m.name})


def _first_reciprocal(m: cat.Metric, scope: Scope) -> Group:
    """Pairs (ours, theirs) whose first O→P and first P→O are both done, counted at the later."""
    events = _pair_events(scope, "ours_theirs", None).subquery("pair_events_all")
    firsts = (sa.select(events.c.a, events.c.b, events.c.dir,
                        sa.func.min(events.c.occurred_at).label("first_at"))
              .group_by(events.c.a, events.c.b, events.c.dir).cte("pair_first_directions"))
    x, y = firsts.alias("first_out"), firsts.alias("first_in")
    became = (sa.select(greatest(x.c.first_at, y.c.first_at).label("at"))
              .select_from(x.join(y, sa.and_(y.c.a == x.c.a, y.c.b == x.c.b, y.c.dir == 1)))
              .where(x.c.dir == 0).subquery("pairs_became_reciprocal"))
    idx = week_index(scope, became.c.at).label("idx")
    cte = (sa.select(idx, sa.func.count().label(m.name))
           .where(became.c.at >= scope.start)
           .group_by(idx).cte("new_reciprocal_counts"))
    return Group(cte, {m.name: m.name})


def _harm_after_automation(metrics: list[cat.Metric], scope: Scope) -> Group:
    """Unfollows of ours in W by people who got an automated interaction from ours just before."""
    (m,) = metrics
    window = int(m.param("window"))
    w, a = weekly_activity(scope), activity(scope).alias("automated_before")
    prompted = sa.exists().where(
        a.c.target_id == w.c.actor_id, a.c.actor_ours == 1, a.c.automated == 1,
        a.c.occurred_at >= shift(w.c.occurred_at, -window), a.c.occurred_at < w.c.occurred_at)
    cte = (sa.select(w.c.idx, sa.func.count().label(m.name))
           .where(w.c.kind == "unfollow", side(w, "theirs", "actor"), side(w, "ours", "target"),
                  prompted)
           .group_by(w.c.idx).cte("automation_unfollow_counts"))
    return Group(cte, {m.name: m.name})


BUILDERS = {
    "thread_reciprocity": _threads,
    "reply_within": _reply_within,
    "response": _response,
    "pairs": _pairs,
    "harm_after_automation": _harm_after_automation,
}
