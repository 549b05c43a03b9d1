"""Warehouse reads the report needs beyond the metrics API (SQLAlchemy Core, short connections).

Failed checks and the harm detail reuse the dashboard's queries, so that the report and the
dashboard say the same thing; freshness and the week's top relationships are read here.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from dashboard import queries
from pipelines import warehouse as wh

TOP_RELATIONSHIPS = 15


def failed_checks(url: str, week: str, start: datetime, end: datetime,
                  platform: str | None = None) -> pd.DataFrame:
    """Checks that failed or could not run, about this week or a load that wrote its data."""
    return queries.week_check_results(url, week, start, end, platform, errors_only=False)


def failed_by_week(url: str, weeks: list, platform: str | None = None) -> pd.DataFrame:
    """Per week of the period (metrics.weeks.Week objects): how many error-level checks failed
    and how many warnings, for the data behind that week."""
    rows = []
    for week in weeks:
        found = queries.week_check_results(url, week.label, week.start_utc, week.end_utc,
                                           platform, errors_only=False)
        failed = found[found["status"] == "failed"] if len(found) else found
        rows.append({"week": week.label,
                     "errors": int((failed["severity"] == "error").sum()) if len(failed) else 0,
                     "warnings": int((failed["severity"] != "error").sum()) if len(failed) else 0})
    return pd.DataFrame(rows, columns=["week", "errors", "warnings"])


def harm_detail(url: str, start: datetime, end: datetime, platform: str | None = None
                ) -> pd.DataFrame:
    """Unfollows of ours in the week, each with the automated messages of ours before it."""
    return queries.harm_unfollows(url, start, end, platform)


def currencies(url: str) -> list[str]:
    """The currencies referral values are recorded in."""
    return queries.currencies(url)


def top_relationships(url: str, start: datetime, end: datetime, platform: str | None = None,
                      limit: int = TOP_RELATIONSHIPS) -> pd.DataFrame:
    """Pairs (one of ours, someone not ours) who wrote to each other in the week, busiest first,
    with handles: ours_handle, handle, platform, from_us, to_us, messages."""
    c = wh.interactions.c
    ours = sa.select(wh.people.c.person_id).where(wh.people.c.is_ours.is_(True))
    conditions = [c.kind.in_(wh.CONVERSATIONAL_KINDS), c.target_id.is_not(None),
                  c.occurred_at >= start, c.occurred_at < end]
    if platform:
        conditions.append(c.platform == platform)
    sent = (sa.select(c.actor_id.label("ours_id"), c.target_id.label("person_id"),
                      sa.func.count().label("n"))
            .where(*conditions, c.actor_id.in_(ours), c.target_id.not_in(ours))
            .group_by(c.actor_id, c.target_id).subquery("sent"))
    received = (sa.select(c.target_id.label("ours_id"), c.actor_id.label("person_id"),
                          sa.func.count().label("n"))
                .where(*conditions, c.target_id.in_(ours), c.actor_id.not_in(ours))
                .group_by(c.target_id, c.actor_id).subquery("received"))
    total = sent.c.n + received.c.n
    query = (sa.select(sent.c.ours_id, sent.c.person_id, sent.c.n.label("from_us"),
                       received.c.n.label("to_us"), total.label("messages"))
             .select_from(sent.join(received, sa.and_(sent.c.ours_id == received.c.ours_id,
                                                      sent.c.person_id == received.c.person_id)))
             .order_by(total.desc(), sent.c.person_id, sent.c.ours_id).limit(limit))
    frame = queries.read_frame(url, query)
    frame = _handles(_handles(frame, url, "person_id", "handle"), url, "ours_id", "ours_handle")
    frame["platform"] = frame["person_id"].str.split(":", n=1).str[0]
    return frame


def _handles(frame: pd.DataFrame, url: str, column: str, label: str) -> pd.DataFrame:
    """Add a `label` column: the handle of the person in `column` (else their display name)."""
    p = wh.people.c
    ids = sorted(set(frame[column].dropna())) if len(frame) else []
    found = (queries.read_frame(url, sa.select(p.person_id, p.handle, p.display_name)
                                .where(p.person_id.in_(ids))) if ids
             else pd.DataFrame(columns=["person_id", "handle", "display_name"]))
    names = dict(zip(found["person_id"], found["handle"].fillna(found["display_name"])))
    frame[label] = [names.get(i) or i for i in frame[column]]
    return frame
