"""Totals a source reports about itself, kept to reconcile them with the records loaded.

Some exports state their own totals (X tweet activity: the replies each tweet received; a
page's analytics: posts published). A source or a tool records them with
`record_reported_totals`; the warehouse check `interactions.reconciles_with_reported_totals`
compares each with the same count over the loaded interactions. A measure is data: which
kinds count, and whether the account is the actor (sent) or the target (received).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa

quality_metadata = sa.MetaData()

reported_totals = sa.Table(
    "reported_totals", quality_metadata,
    sa.Column("platform", sa.String, primary_key=True),
    sa.Column("account_id", sa.String, primary_key=True),  # a person_id of ours
    sa.Column("measure", sa.String, primary_key=True),  # a key of MEASURES
    sa.Column("period_start", sa.DateTime, primary_key=True),  # naive UTC, inclusive
    sa.Column("period_end", sa.DateTime, nullable=False),  # naive UTC, exclusive
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String),  # the file that reported it
    sa.Column("load_id", sa.String),
)


@dataclass(frozen=True)
class Measure:
    """A count over interactions that a platform may report for an account and a period."""

    name: str
    kinds: tuple[str, ...]
    account_is: str  # "actor" (what the account did) or "target" (what it received)
    description: str


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("replies_received", ("reply", "comment"), "target",
            "replies and comments the account received"),
    Measure("replies_sent", ("reply", "comment"), "actor", "replies and comments the account wrote"),
    Measure("posts", ("post",), "actor", "posts the account published"),
    Measure("mentions_received", ("mention",), "target", "mentions of the account"),
    Measure("reactions_received", ("reaction",), "target", "reactions to the account's messages"),
    Measure("shares_received", ("share",), "target", "shares of the account's messages"),
    Measure("dms_sent", ("dm",), "actor", "direct messages the account sent"),
)}


def ensure_tables(conn: sa.Connection) -> None:
    """Create the tables of this module where they do not exist yet."""
    quality_metadata.create_all(conn, checkfirst=True)


def record_reported_totals(conn: sa.Connection, rows: Iterable[dict[str, Any]],
                           load_id: str | None = None, source: str | None = None) -> int:
    """Upsert totals (platform, account_id, measure, period_start, period_end, value); returns the count.

    A total reported again for the same account, measure and period replaces the earlier one.
    """
    ensure_tables(conn)
    clean = []
    for i, row in enumerate(rows, start=1):
        measure = row.get("measure")
        if measure not in MEASURES:
            raise ValueError(f"reported total {i}: measure {measure!r} is not one of "
                             f"{', '.join(MEASURES)}")
        start, end = row.get("period_start"), row.get("period_end")
        if not isinstance(start, datetime) or not isinstance(end, datetime) or end <= start:
            raise ValueError(f"reported total {i}: expected period_start < period_end as naive UTC "
                             f"datetimes, got {start!r} and {end!r}")
        clean.append({"platform": row["platform"], "account_id": row["account_id"],
                      "measure": measure, "period_start": start, "period_end": end,
                      "value": int(row["value"]), "source": row.get("source", source),
                      "load_id": row.get("load_id", load_id)})
    t = reported_totals
    for row in clean:
        conn.execute(t.delete().where(
            t.c.platform == row["platform"], t.c.account_id == row["account_id"],
            t.c.measure == row["measure"], t.c.period_start == row["period_start"]))
    if clean:
        conn.execute(t.insert(), clean)
    return len(clean)


def loaded_count(measure: Measure, interactions: sa.Table, total: sa.Table) -> sa.ScalarSelect:
    """The loaded interactions matching one reported total (a correlated count)."""
    account = interactions.c.actor_id if measure.account_is == "actor" else interactions.c.target_id
    return (sa.select(sa.func.count())
            .where(interactions.c.platform == total.c.platform, account == total.c.account_id,
                   interactions.c.kind.in_(measure.kinds),
                   interactions.c.occurred_at >= total.c.period_start,
                   interactions.c.occurred_at < total.c.period_end)
            .scalar_subquery())
