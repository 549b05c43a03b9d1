"""Tweet activity exports (analytics.twitter.com) as audience_daily: one row per account and day.

The export lists each tweet of a period with its lifetime counts. rapport sums impressions,
engagements and likes over the tweets published on a day (UTC), which is what the export can
say about that day: counts of that day's tweets, not counts received on that day. Monthly
files overlap when downloaded again; a tweet is counted once, with the counts of the file
covering the latest period.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.records import Parsed, Record
from pipelines.sources.base import ParseContext, SourceError
from pipelines.sources.common import UTC, add_person, from_format
from pipelines.sources.common import parse_count, read_csv
from pipelines.sources.twitter.settings import (
    ACTIVITY_COUNTS, ACTIVITY_FILE_NAME, ACTIVITY_KNOWN, ACTIVITY_PERMALINK, ACTIVITY_REQUIRED,
    ACTIVITY_TIME_FORMAT, PLATFORM,
)

EXPECTED = ("an X tweet activity export (tweet_activity_metrics_<handle>_<from>_<to>_<lang>.csv "
            "with columns " + ", ".join(ACTIVITY_REQUIRED) + ")")


def _period(path: Path) -> tuple[str, str, str]:
    match = ACTIVITY_FILE_NAME.match(path.name)
    return (match["start"], match["end"], path.name) if match else ("", "", path.name)


def parse_activity(files: list[Path], root: Path, out: Parsed, ctx: ParseContext,
                   people: dict[str, Record]) -> None:
    """Sum the tweet activity files given into audience_daily rows, a tweet counted once."""
    latest: dict[str, tuple[str, date, dict[str, int], str]] = {}
    restated = 0
    for path in sorted(files, key=_period):
        label = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        table = read_csv(path, ACTIVITY_REQUIRED, ACTIVITY_KNOWN, expected=EXPECTED)
        if table.unknown:
            out.notes.append(f"{label}: columns not used (schema drift): {', '.join(table.unknown)}")
        for line, fields, reason in table.malformed:
            out.rows_read += 1
            out.reject(label, line, "audience_daily", reason, fields)
        named = ACTIVITY_FILE_NAME.match(path.name)
        for line, row in table.rows:
            out.rows_read += 1
            handle = named["handle"] if named else None
            link = ACTIVITY_PERMALINK.match(row.get("Tweet permalink", "").strip())
            handle = handle or (link["handle"] if link else None)
            if handle is None:
                raise SourceError(f"{label}: the account is named neither by the file name nor by "
                                  f"'Tweet permalink' (line {line}); expected {EXPECTED}")
            tweet_id = row["Tweet id"].strip()
            if not tweet_id.isdigit():
                out.reject(label, line, "audience_daily", f"Tweet id {tweet_id!r} is not a number", row)
                continue
            try:
                day = from_format(row["time"], ACTIVITY_TIME_FORMAT).astimezone(UTC).date()
            except ValueError:
                reason = "no time" if not row["time"].strip() else (
                    f"time {row['time']!r} is not like '2020-04-30 23:59 +0000'")
                out.reject(label, line, "audience_daily", reason, row)
                continue
            counts: dict[str, int] = {}
            for column, source in ACTIVITY_COUNTS.items():
                try:
                    counts[column] = parse_count(row[source])
                except ValueError as exc:
                    out.reject(label, line, "audience_daily", f"{source}: {exc}", row)
                    break
            else:
                restated += tweet_id in latest
                latest[tweet_id] = (handle, day, counts, label)
    if restated:
        out.notes.append(f"{restated} tweet(s) appear in more than one file: counted once, "
                         "with the counts of the file covering the latest period")
    days: dict[tuple[str, date], Record] = {}
    for handle, day, counts, label in latest.values():
        # The export names the account by handle only: `twitter:@<handle in lower case>`.
        account = add_person(out, people, PLATFORM, f"@{handle.lower()}", handle, None, True)
        row = days.setdefault((account, day), {
            "platform": PLATFORM, "account_id": account, "day": day,
            **{c: 0 for c in ACTIVITY_COUNTS}, "_file": label, "_line": None,
        })
        for column, value in counts.items():
            row[column] += value
    out.audience_daily.extend(days[k] for k in sorted(days, key=lambda k: (k[0], k[1])))
