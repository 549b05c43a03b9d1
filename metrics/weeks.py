"""ISO weeks in the reporting time zone: labels like `2026-W46` and their UTC bounds.

Boundaries are computed here, in Python, with zoneinfo, and handed to SQL as data: a week is
[start_utc, end_utc) where start is Monday 00:00 local time, converted to naive UTC (the
warehouse stores naive UTC). Across a daylight-saving change a week is 167 or 169 hours long.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEK_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week label or time zone that cannot be understood."""


@dataclass(frozen=True)
class Week:
    """One ISO week: its label, its calendar days and its half-open UTC bounds."""

    label: str
    first_day: date  # Monday
    last_day: date  # Sunday
    start_utc: datetime  # naive UTC, inclusive
    end_utc: datetime  # naive UTC, exclusive


def reporting_zone(tz: str | None = None) -> ZoneInfo:
    """The reporting time zone: the argument, else $RAPPORT_TZ, else UTC."""
    name = tz or os.environ.get("RAPPORT_TZ") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WeekError(f"unknown time zone {name!r}: expected an IANA name like "
                        "'Europe/Paris' or 'UTC'") from exc


def parse_week(label: str) -> tuple[int, int]:
    """(ISO year, ISO week) of a label like 2026-W46, or WeekError saying what was expected."""
    match = WEEK_LABEL.match(label.strip()) if isinstance(label, str) else None
    if not match:
        raise WeekError(f"week {label!r} is not an ISO week label like 2026-W46")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise WeekError(f"week {label!r} does not exist: {year} has no ISO week {number}") from exc
    return year, number


def label_of(day: date) -> str:
    """The ISO week label of a calendar day."""
    year, number, _ = day.isocalendar()
    return f"{year:04d}-W{number:02d}"


def monday_of(label: str) -> date:
    """The Monday of a week label."""
    year, number = parse_week(label)
    return date.fromisocalendar(year, number, 1)


def shift(label: str, weeks: int) -> str:
    """The label `weeks` weeks after (negative: before) a label."""
    return label_of(monday_of(label) + timedelta(weeks=weeks))


def previous_week(label: str) -> str:
    """The week before."""
    return shift(label, -1)


def next_week(label: str) -> str:
    """The week after."""
    return shift(label, 1)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """Local 00:00 of a calendar day as naive UTC (a midnight skipped by DST moves forward)."""
    local = datetime.combine(day, time(0), tzinfo=zone)
    # A wall time in a gap is not real: round-trip through UTC to land on the next real instant.
    as_utc = local.astimezone(timezone.utc)
    return as_utc.replace(tzinfo=None)


def week(label: str, tz: str | None = None) -> Week:
    """The Week for a label in the reporting zone."""
    zone = reporting_zone(tz)
    monday = monday_of(label)
    next_monday = monday + timedelta(days=7)
    return Week(label=label_of(monday), first_day=monday, last_day=monday + timedelta(days=6),
                start_utc=local_midnight_utc(monday, zone),
                end_utc=local_midnight_utc(next_monday, zone))


def week_range(end_label: str, count: int, tz: str | None = None) -> list[Week]:
    """The `count` consecutive weeks ending with `end_label`, oldest first."""
    if count < 1:
        raise WeekError(f"the number of weeks must be at least 1, not {count}")
    return [week(shift(end_label, offset), tz) for offset in range(1 - count, 1)]


def week_of_instant(instant: datetime, tz: str | None = None) -> str:
    """The label of the week containing an instant (naive means UTC)."""
    zone = reporting_zone(tz)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return label_of(instant.astimezone(zone).date())
