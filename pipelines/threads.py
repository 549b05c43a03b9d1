"""Reply-target inference (DESIGN section 3), implemented once and run inside the engine.

A reply's target is the author of the message it answers; where the export does not say, the
author of the latest earlier message by someone else in the thread, else the thread's root
author. The root is the message whose id is the thread's id; in a DM conversation (whose id
names no message) it is the conversation's earliest message. A thread whose root post is not
loaded has no known root author. The root itself gets no inferred target (so a group
conversation's first message has none).
"Earlier" means strictly earlier in time. It applies to reply, comment and dm rows of one load
whose target is empty, after that load's rows are in the warehouse, so earlier exports of the
same thread count too.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pipelines.warehouse import interactions

MESSAGE_KINDS = ("post", "reply", "comment", "dm")
INFERRED_KINDS = ("reply", "comment", "dm")


THREAD_INDEX = "ix_interactions_thread_time"


def ensure_thread_index(engine: sa.Engine) -> None:
    """Index interactions by (thread_id, occurred_at) where the engine looks rows up by index.

    The inference below asks, for each reply, for the latest earlier message of its thread: on
    PostgreSQL or SQLite without this index that is a scan of every interaction per reply (at
    1M interactions, a load that never ends). DuckDB plans it as a join and needs none.
    """
    if engine.dialect.name not in ("postgresql", "sqlite"):
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {THREAD_INDEX} "
                             "ON interactions (thread_id, occurred_at)")


def _inference(within: sa.Table, row: sa.Table) -> tuple[Any, Any, Any]:
    """The subqueries that infer `row`'s target from the rows of `within`: the answered
    message's author, the latest earlier message's author by someone else, the root's author."""
    parent = within.alias("parent")
    earlier = within.alias("earlier")
    root = within.alias("root")
    # interaction_id is the key, so at most one parent: an aggregate, not LIMIT 1, which DuckDB
    # plans as a plain hash join (LIMIT 1 ranked every candidate pair and ran out of memory at
    # 10M interactions under the loader's memory bound).
    answered = (
        sa.select(sa.func.max(parent.c.actor_id))
        .where(parent.c.interaction_id == row.c.in_reply_to)
        .scalar_subquery()
    )
    latest_other = (
        sa.select(earlier.c.actor_id)
        .where(earlier.c.thread_id == row.c.thread_id,
               earlier.c.kind.in_(MESSAGE_KINDS),
               earlier.c.occurred_at < row.c.occurred_at,
               earlier.c.actor_id != row.c.actor_id)
        .order_by(earlier.c.occurred_at.desc(), earlier.c.interaction_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    root_author = (
        sa.select(sa.case((root.c.interaction_id == row.c.interaction_id, sa.null()),
                          else_=root.c.actor_id))
        .where(root.c.thread_id == row.c.thread_id, root.c.kind.in_(MESSAGE_KINDS),
               # Only a conversation's first message stands in for a root that is not loaded;
               # a post's thread whose root is missing has an unknown root author.
               sa.or_(root.c.interaction_id == root.c.thread_id, row.c.kind == "dm"))
        .order_by(sa.case((root.c.interaction_id == root.c.thread_id, 0), else_=1),
                  root.c.occurred_at, root.c.interaction_id)
        .limit(1)
        .scalar_subquery()
    )
    return answered, latest_other, root_author


def infer_reply_targets(conn: sa.Connection, load_id: str) -> int:
    """Fill empty targets of this load's replies, comments and dms; returns rows updated."""
    row = interactions
    answered, latest_other, root_author = _inference(interactions, row)
    needs = sa.and_(row.c.load_id == load_id, row.c.target_id.is_(None),
                    row.c.kind.in_(INFERRED_KINDS))
    first = conn.execute(row.update().where(needs, row.c.in_reply_to.is_not(None))
                         .values(target_id=answered)).rowcount or 0
    second = conn.execute(row.update().where(needs, row.c.thread_id.is_not(None))
                          .values(target_id=sa.func.coalesce(latest_other, root_author))).rowcount or 0
    drop_redundant_mentions(conn, load_id)
    return max(first, 0) + max(second, 0)


def inferred_targets(staged: sa.Table) -> sa.Select:
    """(interaction_id, target_id) for the rows of `staged` whose empty target the inference
    fills, judged among the rows of `staged` alone.

    When they are all the interactions there will be (a first load), these are the targets
    `infer_reply_targets` would give them once written: the rows can then be written with
    their targets instead of updated after (DuckDB updates text columns slowly). The two steps
    there are one coalesce here: the answered message's author where there is one, else the
    thread's latest other author or root author (neither reads targets).
    """
    answered, latest_other, root_author = _inference(staged, staged)
    target = sa.func.coalesce(answered, latest_other, root_author)
    return (sa.select(staged.c.interaction_id, target.label("target_id"))
            .where(staged.c.target_id.is_(None), staged.c.kind.in_(INFERRED_KINDS)))


def drop_redundant_mentions(conn: sa.Connection, load_id: str) -> None:
    """A message's mention rows name people other than its target: drop the one that an
    inferred target made redundant (`<message id>/mention/<native id of the target>`)."""
    mention = interactions
    message = interactions.alias("message")
    native_target = sa.func.substr(message.c.target_id, sa.func.length(message.c.platform) + 2)
    redundant = sa.exists().where(
        message.c.target_id == mention.c.target_id,
        message.c.kind.in_(INFERRED_KINDS),
        mention.c.interaction_id == message.c.interaction_id + "/mention/" + native_target,
    )
    conn.execute(mention.delete().where(mention.c.load_id == load_id,
                                        mention.c.kind == "mention", redundant))
