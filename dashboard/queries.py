"""Small warehouse queries behind the dashboard's tables (SQLAlchemy Core, run in the engine).

Each function opens a connection, runs bounded SQL and closes it (the engine has no pool), so
no DuckDB lock outlives a call. Times are naive UTC, as stored; week bounds come from callers.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from pipelines import warehouse as wh

people, interactions = wh.people, wh.interactions
CONVERSATIONAL = wh.CONVERSATIONAL_KINDS
WAITING_LIMIT = 300


def read_frame(url: str, query: sa.Executable) -> pd.DataFrame:
    """Run a query on a short-lived connection and return its rows.

    An existing warehouse is read the way the metrics API reads it, read-only: DuckDB refuses,
    in one process, a read-write connection to a file while a read-only one is open, so one
    session's table would fail while another session's metrics are computing. A new or
    in-memory DuckDB database only opens read-write.
    """
    if wh.opens_read_only(url):
        with wh.read_connection(url) as conn:
            return _frame(conn.execute(query))
    engine = wh.make_engine(url)
    try:
        with engine.connect() as conn:
            return _frame(conn.execute(query))
    finally:
        engine.dispose()


def _frame(result: sa.CursorResult) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _ours() -> sa.Select:
    return sa.select(people.c.person_id).where(people.c.is_ours.is_(True))


def _conversational(platform: str | None) -> list[sa.ColumnElement[bool]]:
    conditions = [interactions.c.kind.in_(CONVERSATIONAL), interactions.c.target_id.is_not(None)]
    if platform:
        conditions.append(interactions.c.platform == platform)
    return conditions


def _names(frame: pd.DataFrame, url: str, column: str, prefix: str) -> pd.DataFrame:
    """Add `<prefix>name` and `<prefix>handle` for the person ids in `column`."""
    ids = sorted({i for i in frame[column].dropna().unique()}) if len(frame) else []
    found = read_frame(url, sa.select(people.c.person_id, people.c.display_name, people.c.handle)
                  .where(people.c.person_id.in_(ids))) if ids else pd.DataFrame(
        columns=["person_id", "display_name", "handle"])
    found = found.rename(columns={"person_id": column, "display_name": f"{prefix}name",
                                  "handle": f"{prefix}handle"})
    merged = frame.merge(found, on=column, how="left")
    merged[f"{prefix}name"] = merged[f"{prefix}name"].fillna(merged[f"{prefix}handle"]).fillna(
        merged[column])
    return merged


def ensure_schema(url: str) -> None:
    """Create an empty warehouse (published like a load) when there is none yet."""
    from pipelines.publish import ensure_warehouse

    ensure_warehouse(url)


def data_version(url: str) -> tuple:
    """A cheap fingerprint that changes whenever a load, a cost or a check is recorded.

    A DuckDB file is fingerprinted by its identity on disk, without opening it: every write is
    published by renaming a new file over it (pipelines/publish.py), which changes its inode,
    and a write in place changes its size or modification time, or those of its write-ahead log.
    Other warehouses are asked what they recorded.
    """
    identity = wh.file_identity(url)
    if identity is not None:
        return ("file", *identity)
    return recorded_version(url)


def recorded_version(url: str) -> tuple:
    """The counts and latest times of loads, costs and checks recorded in the warehouse."""
    loads, costs, checks = wh.loads, wh.costs, wh.quality_results
    effort = sa.func.coalesce(costs.c.hours, 0) * sa.func.coalesce(costs.c.hourly_rate, 0) \
        + sa.func.coalesce(costs.c.spend, 0)
    query = sa.select(
        sa.select(sa.func.count()).select_from(loads).scalar_subquery(),
        sa.select(sa.func.max(loads.c.finished_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(costs).scalar_subquery(),
        sa.select(sa.func.sum(effort)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(checks).scalar_subquery(),
        sa.select(sa.func.max(checks.c.checked_at)).scalar_subquery(),
    )
    row = read_frame(url, query).iloc[0]
    return tuple(str(v) for v in row)


def platforms(url: str) -> list[str]:
    """Every platform that has interactions, audience figures, referrals or costs."""
    return sorted(read_frame(url, wh.platforms_query())["platform"])


def our_accounts(url: str) -> pd.DataFrame:
    """Our brand accounts and team members: person_id, platform, handle, display_name."""
    return read_frame(url, sa.select(people.c.person_id, people.c.platform, people.c.handle,
                                people.c.display_name)
                 .where(people.c.is_ours.is_(True)).order_by(people.c.platform, people.c.handle))


def activity_span(url: str) -> tuple[datetime | None, datetime | None]:
    """The first and last interaction times (naive UTC), or (None, None) when there are none."""
    row = read_frame(url, sa.select(sa.func.min(interactions.c.occurred_at),
                               sa.func.max(interactions.c.occurred_at))).iloc[0]
    first, last = row.iloc[0], row.iloc[1]
    return (None if pd.isna(first) else pd.Timestamp(first).to_pydatetime(),
            None if pd.isna(last) else pd.Timestamp(last).to_pydatetime())


def latest_by_platform(url: str, platform: str | None = None) -> dict[str, datetime]:
    """platform → its latest interaction time (naive UTC); only that platform when given."""
    c = interactions.c
    query = (sa.select(c.platform, sa.func.max(c.occurred_at).label("latest"))
             .group_by(c.platform).order_by(c.platform))
    if platform:
        query = query.where(c.platform == platform)
    latest = read_frame(url, query)
    return dict(zip(latest["platform"], latest["latest"]))


def week_check_results(url: str, week: str, start: datetime, end: datetime,
                       platform: str | None = None, errors_only: bool = True) -> pd.DataFrame:
    """Failed checks (errors only, or any problem) about this week, or about a load that wrote
    rows in it."""
    q, ad = wh.quality_results, wh.audience_daily
    in_week = [
        sa.select(interactions.c.load_id).where(interactions.c.occurred_at >= start,
                                                interactions.c.occurred_at < end),
        sa.select(wh.referrals.c.load_id).where(wh.referrals.c.occurred_at >= start,
                                                wh.referrals.c.occurred_at < end),
        sa.select(ad.c.load_id).where(ad.c.day >= start.date(), ad.c.day < end.date()),
        sa.select(wh.costs.c.load_id).where(wh.costs.c.week == week),
    ]
    touched = sa.union(*in_week).subquery()
    status = ([q.c.status == "failed", q.c.severity == "error"] if errors_only
              else [q.c.status != "passed"])
    query = (sa.select(q.c.result_id, q.c.check, q.c.severity, q.c.status, q.c.load_id, q.c.week,
                       q.c.platform, q.c.observed, q.c.checked_at)
             .where(*status, sa.or_(q.c.week == week,
                                    q.c.load_id.in_(sa.select(touched.c.load_id))))
             .order_by(q.c.checked_at.desc(), q.c.result_id).limit(500))
    if platform:
        query = query.where(sa.or_(q.c.platform.is_(None), q.c.platform == platform))
    return read_frame(url, query)


def waiting_on_us(url: str, since: datetime, end: datetime, platform: str | None = None,
                  account: str | None = None, limit: int = WAITING_LIMIT) -> pd.DataFrame:
    """People whose messages to us since `since` got no answer from anyone ours before `end`."""
    i = interactions.alias("i")
    answers = (sa.select(interactions.c.target_id.label("person_id"),
                         sa.func.max(interactions.c.occurred_at).label("answered_at"))
               .where(*_conversational(None), interactions.c.actor_id.in_(_ours()),
                      interactions.c.occurred_at < end)
               .group_by(interactions.c.target_id).subquery("answers"))
    conditions = [i.c.kind.in_(CONVERSATIONAL), i.c.target_id.in_(_ours()),
                  i.c.actor_id.not_in(_ours()), i.c.occurred_at >= since, i.c.occurred_at < end,
                  sa.or_(answers.c.answered_at.is_(None), i.c.occurred_at > answers.c.answered_at)]
    if platform:
        conditions.append(i.c.platform == platform)
    if account:
        conditions.append(i.c.target_id == account)
    query = (sa.select(i.c.actor_id.label("person_id"), i.c.platform,
                       sa.func.min(i.c.occurred_at).label("waiting_since"),
                       sa.func.max(i.c.occurred_at).label("last_message"),
                       sa.func.count().label("messages"),
                       sa.func.min(i.c.target_id).label("to_id"))
             .select_from(i.outerjoin(answers, answers.c.person_id == i.c.actor_id))
             .where(*conditions).group_by(i.c.actor_id, i.c.platform)
             .order_by(sa.func.min(i.c.occurred_at), i.c.actor_id).limit(limit))
    frame = read_frame(url, query)
    frame = _names(_names(frame, url, "person_id", ""), url, "to_id", "to_")
    frame["waiting_days"] = ((pd.Timestamp(end) - pd.to_datetime(frame["waiting_since"]))
                             .dt.total_seconds() / 86400).round(1)
    return frame


def _first_contacts(platform: str | None, outbound: bool) -> sa.Subquery:
    actor, target = interactions.c.actor_id, interactions.c.target_id
    ours_side, theirs = (actor, target) if outbound else (target, actor)
    return (sa.select(ours_side.label("ours_id"), theirs.label("person_id"),
                      sa.func.min(interactions.c.occurred_at).label("first_at"))
            .where(*_conversational(platform), ours_side.in_(_ours()), theirs.not_in(_ours()))
            .group_by(ours_side, theirs).subquery("outbound" if outbound else "inbound"))


def new_reciprocal_people(url: str, start: datetime, end: datetime, platform: str | None = None,
                          account: str | None = None, limit: int = 500) -> pd.DataFrame:
    """People who became reciprocal with one of ours in [start, end): both first contacts exist."""
    out, inc = _first_contacts(platform, True), _first_contacts(platform, False)
    became = sa.case((out.c.first_at > inc.c.first_at, out.c.first_at), else_=inc.c.first_at)
    query = (sa.select(inc.c.person_id, inc.c.ours_id, became.label("reciprocal_since"),
                       out.c.first_at.label("we_first_wrote"), inc.c.first_at.label("they_first_wrote"))
             .select_from(out.join(inc, sa.and_(out.c.ours_id == inc.c.ours_id,
                                                out.c.person_id == inc.c.person_id)))
             .where(became >= start, became < end).order_by(became).limit(limit))
    if account:
        query = query.where(out.c.ours_id == account)
    frame = read_frame(url, query)
    frame = _names(_names(frame, url, "person_id", ""), url, "ours_id", "ours_")
    frame["platform"] = frame["person_id"].str.split(":", n=1).str[0]
    return frame


def top_conversations(url: str, start: datetime, end: datetime, platform: str | None = None,
                      limit: int = 10) -> pd.DataFrame:
    """The week's busiest threads: messages, people, whether we took part and it was two-way."""
    c = interactions.c
    in_week = [*_conversational(platform), c.thread_id.is_not(None), c.occurred_at >= start,
               c.occurred_at < end]
    ours_flag = sa.case((c.actor_id.in_(_ours()), 1), else_=0)
    top = read_frame(url, sa.select(c.thread_id, c.platform, sa.func.count().label("messages"),
                               sa.func.count(sa.distinct(c.actor_id)).label("people"),
                               sa.func.sum(ours_flag).label("our_messages"),
                               sa.func.max(c.occurred_at).label("last_message"))
                .where(*in_week).group_by(c.thread_id, c.platform)
                .order_by(sa.func.count().desc(), c.thread_id).limit(limit))
    if top.empty:
        return top.assign(participants="", two_way=False)
    threads = list(top["thread_id"])
    edges = read_frame(url, sa.select(c.thread_id, c.actor_id, c.target_id).distinct()
                  .where(*_conversational(platform), c.thread_id.in_(threads), c.occurred_at < end))
    pairs = set(zip(edges["thread_id"], edges["actor_id"], edges["target_id"]))
    two_way = {t for t, a, b in pairs if a != b and (t, b, a) in pairs}
    speakers = read_frame(url, sa.select(c.thread_id, c.actor_id).distinct().where(*in_week,
                                                                              c.thread_id.in_(threads)))
    speakers = _names(speakers, url, "actor_id", "")
    names = speakers.groupby("thread_id")["name"].apply(lambda s: ", ".join(sorted(map(str, s))))
    top["participants"] = top["thread_id"].map(names).fillna("")
    top["two_way"] = top["thread_id"].isin(two_way)
    top["we_took_part"] = top["our_messages"].astype(int) > 0
    return top


def member_pairs(url: str, since: datetime, end: datetime, platform: str | None = None,
                 limit: int = 50) -> pd.DataFrame:
    """Pairs of members (neither ours) who wrote to each other in [since, end), busiest first."""
    c = interactions.c
    directed = (sa.select(c.actor_id, c.target_id, sa.func.count().label("n"),
                          sa.func.max(c.occurred_at).label("last_at"))
                .where(*_conversational(platform), c.occurred_at >= since, c.occurred_at < end,
                       c.actor_id.not_in(_ours()), c.target_id.not_in(_ours()),
                       c.actor_id != c.target_id)
                .group_by(c.actor_id, c.target_id).subquery("directed"))
    back = directed.alias("back")
    last = sa.case((directed.c.last_at > back.c.last_at, directed.c.last_at), else_=back.c.last_at)
    query = (sa.select(directed.c.actor_id.label("person_a"), directed.c.target_id.label("person_b"),
                       (directed.c.n + back.c.n).label("messages"), last.label("last_message"))
             .select_from(directed.join(back, sa.and_(directed.c.actor_id == back.c.target_id,
                                                      directed.c.target_id == back.c.actor_id)))
             .where(directed.c.actor_id < directed.c.target_id)
             .order_by((directed.c.n + back.c.n).desc(), directed.c.actor_id).limit(limit))
    frame = read_frame(url, query)
    return _names(_names(frame, url, "person_a", "a_"), url, "person_b", "b_")


def harm_unfollows(url: str, start: datetime, end: datetime, platform: str | None = None,
                   account: str | None = None, window: timedelta = timedelta(days=7),
                   limit: int = 1000) -> pd.DataFrame:
    """Unfollows of ours in [start, end) with each automated message of ours in the week before."""
    u, a = interactions.alias("u"), interactions.alias("a")
    conditions = [u.c.kind == "unfollow", u.c.occurred_at >= start, u.c.occurred_at < end,
                  u.c.actor_id.not_in(_ours()), u.c.target_id.in_(_ours()),
                  a.c.automated.is_(True), a.c.actor_id.in_(_ours()),
                  a.c.occurred_at >= start - window, a.c.occurred_at < u.c.occurred_at]
    if platform:
        conditions += [u.c.platform == platform, a.c.platform == platform]
    if account:
        conditions.append(u.c.target_id == account)
    query = (sa.select(u.c.actor_id.label("person_id"), u.c.platform,
                       u.c.occurred_at.label("unfollowed_at"), u.c.target_id.label("unfollowed_id"),
                       a.c.interaction_id.label("automated_message"), a.c.kind,
                       a.c.actor_id.label("sender_id"), a.c.occurred_at.label("sent_at"))
             .select_from(u.join(a, a.c.target_id == u.c.actor_id)).where(*conditions)
             .order_by(u.c.occurred_at, a.c.occurred_at).limit(limit))
    frame = read_frame(url, query)
    if len(frame):  # the 7-day window per unfollow, kept out of dialect-specific SQL
        gap = pd.to_datetime(frame["unfollowed_at"]) - pd.to_datetime(frame["sent_at"])
        frame = frame[gap <= pd.Timedelta(window)].copy()
        frame["hours_before"] = (gap[frame.index].dt.total_seconds() / 3600).round(1)
    else:
        frame["hours_before"] = pd.Series(dtype=float)
    frame = _names(_names(frame, url, "person_id", ""), url, "sender_id", "sender_")
    return frame.reset_index(drop=True)



def currencies(url: str) -> list[str]:
    """The currencies referral values are recorded in."""
    r = wh.referrals
    frame = read_frame(url, sa.select(r.c.currency).distinct().where(r.c.currency.is_not(None)))
    return sorted(str(c) for c in frame["currency"])


def messages_to_us(url: str, start: datetime, end: datetime, platform: str | None = None,
                   account: str | None = None) -> int:
    """Conversational messages in [start, end) from people not ours to one of ours."""
    c = interactions.c
    query = (sa.select(sa.func.count()).select_from(interactions)
             .where(*_conversational(platform), c.occurred_at >= start, c.occurred_at < end,
                    c.actor_id.not_in(_ours()), c.target_id.in_(_ours())))
    if account:
        query = query.where(c.target_id == account)
    return int(read_frame(url, query).iloc[0, 0])
