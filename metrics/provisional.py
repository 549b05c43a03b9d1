"""Which of a week's figures can still change because the answers they count may not be in yet.

reply_rate counts an answer within 7 days of a message of the week, response_rate and
median_response_hours within 48 hours (each metric's `answer_window` in the catalog). A message
sent in the week's last minute can still be answered until end(W) + window, so until the data
reaches that moment the week's figure is provisional: answers still to come will raise a rate
(or move a median) that looks low today. The reference is the latest interaction loaded, what
the data can know, not the clock: the week stays provisional until a later load brings the rest.

Platforms are exported separately, so one platform's data can end days before another's. The
reference for a week is therefore the earliest of the latest interactions of the platforms whose
data reaches that week (`reference`): a lagging platform keeps the week provisional, while one
whose data ended before the week began (it has nothing in the week) does not.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from metrics import catalog as cat
from metrics import weeks as wk

# What arrives within a metric's window, by its measure: in the note's own words.
ARRIVING = {"reply_within": "replies", "response_within": "our answers",
            "response_median": "our answers"}


@dataclass(frozen=True)
class Provisional:
    """A metric of a week whose answer window had not passed at the latest event loaded."""

    metric: str
    until: datetime  # naive UTC: the end of the week's last answer window
    last_day: date  # the last day (reporting time zone) on which an answer can still arrive
    arriving: str  # what can still arrive: "replies", "our answers"

    @property
    def note(self) -> str:
        """The plain-language caveat shown beside the figure."""
        day = self.last_day
        return f"provisional: {self.arriving} can still arrive until {day:%a} {day.day} {day:%b}"


def _naive_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        return instant
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


def provisional(week: str, latest_event: datetime | None, tz: str | None = None,
                catalog: tuple[cat.Metric, ...] = cat.CATALOG) -> dict[str, Provisional]:
    """metric name → Provisional, for each metric of `week` whose answer window reaches past
    the latest event loaded (naive means UTC); empty when nothing is loaded."""
    if latest_event is None:
        return {}
    latest = _naive_utc(latest_event)
    end = wk.week(week, tz).end_utc
    zone = wk.reporting_zone(tz)
    found = {}
    for m in catalog:
        window = m.answer_window
        if window is None:
            continue
        until = end + timedelta(seconds=window)
        if latest < until:
            local = (until - timedelta(microseconds=1)).replace(tzinfo=timezone.utc)
            found[m.name] = Provisional(m.name, until, local.astimezone(zone).date(),
                                        ARRIVING.get(m.type, "answers"))
    return found


def reference(latest_by_platform: Mapping[str, datetime], week: str,
              tz: str | None = None) -> datetime | None:
    """The moment a week's answers are judged against: the earliest latest interaction among
    the platforms whose data reaches the week's start (naive means UTC); the latest of all when
    none does; None when nothing is loaded."""
    if not latest_by_platform:
        return None
    latest = [_naive_utc(t) for t in latest_by_platform.values()]
    start = wk.week(week, tz).start_utc
    reached = [t for t in latest if t >= start]
    return min(reached) if reached else max(latest)


def notes(week: str, latest_event: datetime | None, tz: str | None = None) -> dict[str, str]:
    """metric name → its provisional note, for the metrics of `week` that are provisional."""
    return {name: p.note for name, p in provisional(week, latest_event, tz).items()}


def caveat(message: str, note: str) -> str:
    """A divergence message whose outcome is provisional, with the reason it may not hold."""
    return f"{message} ({note}, so the fall may not be real yet)"
