"""A tiny warehouse builder for metric tests: people, interactions, audience, referrals, costs,
inserted with SQLAlchemy Core into the canonical tables of any engine."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from pipelines import warehouse


def at(text: str) -> datetime:
    """A naive UTC datetime from 'YYYY-MM-DD HH:MM[:SS[.ffffff]]'."""
    return datetime.fromisoformat(text)


class Warehouse:
    """Collects rows, then writes them all at once with `save()`."""

    def __init__(self, url: str):
        self.url = url
        self.rows: dict[str, list[dict]] = {name: [] for name in warehouse.CANONICAL_TABLES}
        self._n = 0

    def person(self, person_id: str, ours: bool = False, platform: str = "x") -> str:
        self.rows["people"].append(dict(person_id=person_id, platform=platform, handle=person_id,
                                        display_name=person_id, is_ours=ours))
        return person_id

    def say(self, when: datetime | str, actor: str, target: str | None, kind: str = "dm",
            thread: str | None = None, reply_to: str | None = None, automated: bool = False,
            platform: str = "x") -> str:
        self._n += 1
        interaction_id = f"{platform}:{self._n}"
        self.rows["interactions"].append(dict(
            interaction_id=interaction_id, platform=platform,
            occurred_at=at(when) if isinstance(when, str) else when, actor_id=actor,
            target_id=target, kind=kind, thread_id=thread, in_reply_to=reply_to,
            automated=automated))
        return interaction_id

    def audience(self, day: str, account: str, platform: str = "x", **counts) -> None:
        row = dict(platform=platform, account_id=account, day=date.fromisoformat(day))
        row.update({c: counts.get(c) for c in warehouse.AUDIENCE_COUNTS})
        self.rows["audience_daily"].append(row)

    def referral(self, when: str, value: float | None = None, platform: str = "x") -> None:
        self._n += 1
        self.rows["referrals"].append(dict(
            referral_id=f"r{self._n}", occurred_at=at(when), platform=platform, referrer_id=None,
            stage="lead", value=value, currency="EUR"))

    def cost(self, week: str, hours=None, hourly_rate=None, spend=None, platform="x") -> None:
        self.rows["costs"].append(dict(week=week, platform=platform, hours=hours,
                                       hourly_rate=hourly_rate, spend=spend))

    def save(self) -> str:
        engine = warehouse.make_engine(self.url)
        warehouse.create_schema(engine)
        with engine.begin() as conn:
            for name, rows in self.rows.items():
                if rows:
                    conn.execute(warehouse.table(name).insert(), rows)
        engine.dispose()
        return self.url

    def clear(self) -> None:
        engine = warehouse.make_engine(self.url)
        warehouse.create_schema(engine)
        with engine.begin() as conn:
            for name in warehouse.CANONICAL_TABLES:
                conn.execute(warehouse.table(name).delete())
        engine.dispose()
        self.rows = {name: [] for name in warehouse.CANONICAL_TABLES}


def values(url: str, end_week: str, weeks: int = 1, **kwargs) -> dict[str, dict[str, float | None]]:
    """{metric: {week: value or None}} from the API."""
    from metrics import api

    frame = api.compute(url, end_week, weeks, **kwargs)
    out: dict[str, dict[str, float | None]] = {}
    for row in frame.itertuples(index=False):
        v = row.value
        out.setdefault(row.metric, {})[row.week] = None if v != v else v
    return out


def one_week(url: str, week: str, **kwargs) -> dict[str, float | None]:
    """{metric: value} for one week."""
    return {m: by_week[week] for m, by_week in values(url, week, 1, **kwargs).items()}


__all__ = ["Warehouse", "at", "values", "one_week", "timedelta"]
