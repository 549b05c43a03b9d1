"""The warehouse's own records for the dashboard: costs (read and write), loads, checks, quarantine."""
from __future__ import annotations

import json
import math
import re
from datetime import date

import pandas as pd
import sqlalchemy as sa

from dashboard.queries import read_frame
from pipelines import warehouse as wh

COST_COLUMNS = ["week", "platform", "hours", "hourly_rate", "spend"]
COST_NUMBERS = ["hours", "hourly_rate", "spend"]
WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


def read_costs(url: str, weeks: list[str]) -> pd.DataFrame:
    """The costs rows of these weeks, newest week first."""
    c = wh.costs.c
    frame = read_frame(url, sa.select(*(getattr(c, n) for n in COST_COLUMNS)).where(c.week.in_(weeks))
                  .order_by(c.week.desc(), c.platform))
    return frame.astype({n: "float64" for n in COST_NUMBERS})


def _is_week(label: str) -> bool:
    match = WEEK_LABEL.match(label)
    if not match:
        return False
    try:
        date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return False
    return True


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value)  # ValueError names the bad text
    if math.isnan(number):
        return None
    if number < 0 or math.isinf(number):
        raise ValueError(f"{value!r} is not a non-negative number")
    return number


def validate_costs(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]], list[str]]:
    """Edited costs → (rows to write, blank (week, platform) keys to delete, errors by row)."""
    rows, blanks, errors, seen = [], [], [], set()
    for number, record in enumerate(frame.to_dict("records"), start=1):
        week = str(record.get("week") or "").strip()
        platform = str(record.get("platform") or "").strip()
        if not week and not platform and all(_blank(record.get(n)) for n in COST_NUMBERS):
            continue  # an empty row the editor added
        if not _is_week(week):
            errors.append(f"Row {number}: week {week!r} should look like 2026-W46.")
            continue
        if not platform:
            errors.append(f"Row {number}: platform is empty; name the platform (e.g. linkedin).")
            continue
        if (week, platform) in seen:
            errors.append(f"Row {number}: {week} {platform} appears twice; keep one row.")
            continue
        seen.add((week, platform))
        values = {}
        for name in COST_NUMBERS:
            try:
                values[name] = _number(record.get(name))
            except (TypeError, ValueError):
                errors.append(f"Row {number}: {name} {record.get(name)!r} should be a number ≥ 0.")
        if len(values) < len(COST_NUMBERS):
            continue
        if all(v is None for v in values.values()):
            blanks.append((week, platform))
        else:
            rows.append({"week": week, "platform": platform, **values})
    return pd.DataFrame(rows, columns=COST_COLUMNS), blanks, errors


def changed_rows(rows: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """The rows that are new or differ from the stored ones (empty and missing are equal)."""
    if rows.empty:
        return rows
    stored = {(r["week"], r["platform"]): tuple(_number(r[n]) for n in COST_NUMBERS)
              for r in base.to_dict("records") if str(r.get("week") or "")}
    keep = [stored.get((r["week"], r["platform"])) != tuple(_number(r[n]) for n in COST_NUMBERS)
            for r in rows.to_dict("records")]
    return rows[keep].reset_index(drop=True)


def _blank(value: object) -> bool:
    try:
        return _number(value) is None
    except (TypeError, ValueError):
        return False


def save_costs(url: str, rows: pd.DataFrame, remove: list[tuple[str, str]]) -> int:
    """Upsert rows on (week, platform) and delete the removed keys, in one transaction."""
    from pipelines.publish import writable

    keys = set(remove) | set(zip(rows["week"], rows["platform"]))
    c = wh.costs.c
    records = [{**r, "load_id": None} for r in rows.to_dict("records")]
    with writable(url) as write_url:  # one writer at a time; readers see old or new, never half
        engine = wh.make_engine(write_url)
        try:
            with engine.begin() as conn:
                for week, platform in sorted(keys):
                    conn.execute(sa.delete(wh.costs).where(c.week == week, c.platform == platform))
                if records:
                    conn.execute(sa.insert(wh.costs), records)
        finally:
            engine.dispose()
    return len(rows)


def load_history(url: str, limit: int = 500) -> pd.DataFrame:
    """The latest loads, newest first."""
    t = wh.loads
    return read_frame(url, sa.select(t).order_by(t.c.started_at.desc()).limit(limit))


def _counts(q: sa.Table) -> list[sa.Label]:
    def count(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement:
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))
    return [count(q.c.status == "passed").label("passed"),
            count(q.c.status == "failed", q.c.severity == "warning").label("warned"),
            count(q.c.status == "failed", q.c.severity == "error").label("failed"),
            count(q.c.status == "could_not_run").label("could not run")]


def checks_by_load(url: str, limit: int = 200) -> pd.DataFrame:
    """Per load: its file, when it ran, and how many checks passed, warned, failed."""
    q, t = wh.quality_results, wh.loads
    counts = (sa.select(q.c.load_id, *_counts(q)).where(q.c.load_id.is_not(None))
              .group_by(q.c.load_id).subquery())
    query = (sa.select(t.c.load_id, t.c.file, t.c.started_at, t.c.status,
                       t.c.rows_quarantined.label("quarantined"),
                       *(counts.c[n] for n in ("passed", "warned", "failed", "could not run")))
             .select_from(t.outerjoin(counts, counts.c.load_id == t.c.load_id))
             .order_by(t.c.started_at.desc()).limit(limit))
    return read_frame(url, query).fillna({"passed": 0, "warned": 0, "failed": 0, "could not run": 0})


def checks_by_week(url: str, limit: int = 104) -> pd.DataFrame:
    """Per week: how many warehouse checks passed, warned, failed, could not run."""
    q = wh.quality_results
    return read_frame(url, sa.select(q.c.week, *_counts(q)).where(q.c.week.is_not(None))
                 .group_by(q.c.week).order_by(q.c.week.desc()).limit(limit))


def check_results(url: str, problems_only: bool = True, limit: int = 500) -> pd.DataFrame:
    """Check results without their offending records, newest first."""
    q = wh.quality_results
    query = (sa.select(q.c.result_id, q.c.check, q.c.severity, q.c.status, q.c.load_id, q.c.week,
                       q.c.platform, q.c.observed, q.c.checked_at)
             .order_by(q.c.checked_at.desc(), q.c.result_id).limit(limit))
    if problems_only:
        query = query.where(q.c.status != "passed")
    return read_frame(url, query)


def check_detail(url: str, result_id: str) -> dict:
    """One check result with its details and offending records (JSON text)."""
    q = wh.quality_results
    frame = read_frame(url, sa.select(q).where(q.c.result_id == result_id))
    return frame.iloc[0].to_dict() if len(frame) else {}


def offending_frame(text: str | None) -> pd.DataFrame:
    """The offending records of a check as a table, whatever JSON shape they were stored in."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return pd.DataFrame({"record": []})
    try:
        value = json.loads(text)
    except ValueError:
        return pd.DataFrame({"record": [str(text)]})
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return pd.DataFrame({"record": [json.dumps(value)]})
    if value and all(isinstance(v, dict) for v in value):
        frame = pd.DataFrame.from_records(value)
        return frame.map(lambda v: json.dumps(v) if isinstance(v, (dict, list)) else v)
    return pd.DataFrame({"record": [v if isinstance(v, str) else json.dumps(v) for v in value]})


def quarantine_rows(url: str, load_id: str, check: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Quarantined records of a load, those whose reason names the check first."""
    t = wh.quarantine
    names_check = sa.case((t.c.reason.contains(check or "", autoescape=True), 0), else_=1)
    return read_frame(url, sa.select(t.c.file, t.c.line, t.c.table, t.c.reason, t.c.raw,
                                t.c.quarantined_at)
                 .where(t.c.load_id == load_id)
                 .order_by(names_check, t.c.line, t.c.quarantine_id).limit(limit))
