"""The metrics API the CLI, the dashboard and the report call.

Every function opens the warehouse with `make_engine` (NullPool), runs the compiled SQL inside
the engine, and returns a small pandas DataFrame of results; no connection is held afterwards.
An empty or new warehouse gets its schema created and yields values, not errors.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import sqlalchemy as sa

from metrics import catalog as cat
from metrics.compiler import compile_metrics
from metrics.dialects import prepare_session
from metrics.scope import Scope
from metrics.weeks import parse_week, reporting_zone, shift, week_of_instant
from pipelines import warehouse

COLUMNS = ["week", "metric", "family", "label", "unit", "value"]
SIGNAL_COLUMNS = ["week", "vanity_metric", "outcome_metric", "vanity_change", "outcome_change",
                  "flagged", "message"]
TRAILING_WEEKS = 4


def catalog() -> tuple[cat.Metric, ...]:
    """Every metric, in the order it is shown."""
    return cat.CATALOG


def _engine(url: str | None) -> sa.Engine:
    engine = warehouse.make_engine(url)
    warehouse.create_schema(engine)
    return engine


def _check_account(conn: sa.Connection, account: str | None) -> None:
    if account is None:
        return
    p = warehouse.people
    found = conn.execute(sa.select(p.c.person_id).where(
        p.c.person_id == account, p.c.is_ours == sa.true())).first()
    if found is None:
        raise ValueError(f"account {account!r} is not one of ours: expected a person_id of "
                         "people with is_ours true")


def compute_wide(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
                 account: str | None = None, tz: str | None = None,
                 metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per week (oldest first), one column per metric."""
    parse_week(end_week)
    reporting_zone(tz)
    names = metrics or [m.name for m in cat.CATALOG]
    if platform is None and account is None:
        from metrics import rollup

        stored = rollup.lookup(url, end_week, weeks, tz, names)
        if stored is not None:
            return stored
    query = compile_metrics(names, Scope.of(end_week, weeks, platform, account, tz))
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            _check_account(conn, account)
            prepare_session(conn)
            rows = conn.execute(query).mappings().all()
    finally:
        engine.dispose()
    frame = pd.DataFrame(rows, columns=["week", *names])
    for name in names:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def compute(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
            account: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Every metric for the `weeks` weeks ending with `end_week`: week, metric, family, label,
    unit, value (NaN where undefined); weeks in order, metrics in catalog order."""
    wide = compute_wide(url, end_week, weeks, platform, account, tz)
    records = []
    for _, row in wide.iterrows():
        for m in cat.CATALOG:
            value = row[m.name]
            records.append({"week": row["week"], "metric": m.name, "family": m.family,
                            "label": m.label, "unit": m.unit,
                            "value": None if pd.isna(value) else float(value)})
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    return frame


def default_week(url: str | None, now: datetime | None = None, tz: str | None = None) -> str | None:
    """The latest complete week by the clock that is not after the week of the latest
    interaction loaded (None when nothing is loaded)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(warehouse.interactions.c.occurred_at))
                                  ).scalar()
    finally:
        engine.dispose()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite returns the stored text when aggregated
        latest = datetime.fromisoformat(latest)
    now = now or datetime.now(timezone.utc)
    last_complete = shift(week_of_instant(now, tz), -1)
    data_week = week_of_instant(latest, tz)
    return min(last_complete, data_week)


def _change(series: pd.Series, lag: int) -> pd.Series:
    """Relative change over `lag` weeks (NaN when the earlier value is 0 or missing)."""
    earlier = series.shift(lag)
    return (series - earlier) / earlier.where(earlier != 0)


def _words(m: cat.Metric, change: float) -> str:
    if pd.isna(change):
        return f"{m.label.lower()} could not be compared"
    verb = "rose" if change > 0 else "fell" if change < 0 else "did not move"
    return f"{m.label.lower()} {verb}" + (f" {abs(change):.0%}" if change else "")


def signals(url: str | None, end_week: str, weeks: int = 1, platform: str | None = None,
            account: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Divergence flags: for each vanity/adoption metric and the outcome it is mistaken for,
    and each week, the change of both over the trailing four weeks; flagged when the context
    figure grew while the outcome fell."""
    pairs = cat.divergence_pairs()
    names = list(dict.fromkeys(n for v, o in pairs for n in (v.name, o.name)))
    wide = compute_wide(url, end_week, weeks + TRAILING_WEEKS, platform, account, tz, names)
    records = []
    for vanity, outcome in pairs:
        v_change = _change(wide[vanity.name], TRAILING_WEEKS)
        o_change = _change(wide[outcome.name], TRAILING_WEEKS)
        for i in range(TRAILING_WEEKS, len(wide)):
            vc, oc = v_change.iloc[i], o_change.iloc[i]
            flagged = bool(pd.notna(vc) and pd.notna(oc) and vc > 0 and oc < 0)
            first = f"{vanity.label} {vc:+.0%}" if pd.notna(vc) else f"{vanity.label} n/a"
            message = (f"{first} over four weeks while {_words(outcome, oc)}")
            records.append({"week": wide["week"].iloc[i], "vanity_metric": vanity.name,
                            "outcome_metric": outcome.name,
                            "vanity_change": None if pd.isna(vc) else float(vc),
                            "outcome_change": None if pd.isna(oc) else float(oc),
                            "flagged": flagged, "message": message})
    frame = pd.DataFrame.from_records(records, columns=SIGNAL_COLUMNS)
    if not frame.empty:
        order = {w: i for i, w in enumerate(wide["week"])}
        frame = frame.sort_values("week", key=lambda s: s.map(order), kind="stable")
    return frame.reset_index(drop=True)
