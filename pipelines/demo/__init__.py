"""The bundled demo workspace: a year of a fictional brand's community work, as canonical CSVs.

The story. Quillmoss (an invented brand) has an account on X ("twitter"), a LinkedIn page and a
Discourse forum, a community manager (Ilse Tarnwick) and a developer advocate (Oren Pellicott),
also invented. The year has two stretches of 26 ISO weeks:

- Months 1-6, automated outreach. A scheduler posts for the brand, an auto-DM tool thanks every
  new follower and pitches strangers by the hundred each week, and paid promotion runs.
  Followers and impressions climb steeply; replies are rare (a few percent), nobody reads the
  inbox, and one recipient in five unfollows within a week of an automated DM.
- Months 7-12, personal outreach. The tool and the promotion stop. The team writes a few
  dozen thoughtful notes a week, answers what members write within hours, and helps on the
  forum. Followers barely move and impressions fall, but about half the notes get an answer,
  new reciprocal relationships form every week, members mention and share our posts, and
  referrals with a value (leads, opportunities, deals won, in EUR) arrive: social ROI turns
  from negative to positive.

On the forum, members answer each other all year, more in the second half; a small share of
their replies names no message answered, so the loader's reply-target inference has work to do.

The year ends with the last complete ISO week before `today`, so the dashboard opens on last
week. Output depends only on `today` and `seed`: same inputs, byte-identical files.
"""
from __future__ import annotations

import csv
import random
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from pipelines.demo.cast import build_cast
from pipelines.demo.figures import audience_rows, cost_rows
from pipelines.demo.year import tell_story
from pipelines.warehouse import canonical_columns

WEEKS = 52
FILES = ("people", "interactions", "audience_daily", "referrals", "costs")


def demo_period(today: date | None = None) -> tuple[date, date]:
    """(first Monday, last Sunday) of the 52 weeks ending with the last complete ISO week."""
    today = today or datetime.now(timezone.utc).date()
    last_sunday = today - timedelta(days=today.isoweekday())
    return last_sunday - timedelta(days=7 * WEEKS - 1), last_sunday


def _iso(ms: list[int]) -> list[str]:
    """Milliseconds since the epoch as ISO 8601 UTC with a `Z`, like 2026-03-04T10:15:23.123Z."""
    text = np.datetime_as_string(np.array(ms, dtype="datetime64[ms]"), unit="ms")
    return [t + "Z" for t in text.tolist()]


def _bools(values: list[bool]) -> list[str]:
    return ["true" if v else "false" for v in values]


CONVERT = {"occurred_at": _iso, "automated": _bools, "is_ours": _bools}


def _write(path: Path, table: str, rows: list[dict]) -> None:
    """One CSV with the table's canonical columns, in order; None is written as an empty cell."""
    columns = canonical_columns(table)
    values = []
    for column in columns:
        cells = [row[column] for row in rows]
        values.append(CONVERT[column](cells) if column in CONVERT and cells else cells)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*values))


def write_demo(folder: Path, *, today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Write the five canonical CSV files of the demo into `folder`; rows per file name."""
    first_day, _ = demo_period(today)
    cast = build_cast(random.Random(f"{seed}/cast"))
    story = tell_story(cast, first_day, WEEKS, random.Random(f"{seed}/story"))
    people = [{"person_id": p.person_id, "platform": p.platform, "handle": p.handle,
               "display_name": p.display_name, "is_ours": p.is_ours} for p in cast.everyone()]
    tables = {
        "people": people,
        "interactions": sorted(story.interactions,
                               key=lambda r: (r["occurred_at"], r["interaction_id"])),
        "audience_daily": audience_rows(cast, first_day, WEEKS * 7,
                                        random.Random(f"{seed}/audience")),
        "referrals": sorted(story.referrals, key=lambda r: (r["occurred_at"], r["referral_id"])),
        "costs": cost_rows(first_day, WEEKS, random.Random(f"{seed}/costs")),
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in FILES:
        _write(folder / f"{table}.csv", table, tables[table])
    return {f"{table}.csv": len(tables[table]) for table in FILES}


def demo_folder(base: Path | None = None, *, today: date | None = None, seed: int = 7) -> Path:
    """Write the demo into `base` (default: a new temporary folder) and return the folder."""
    folder = Path(base) if base is not None else Path(tempfile.mkdtemp(prefix="rapport-demo-"))
    write_demo(folder, today=today, seed=seed)
    return folder


__all__ = ["WEEKS", "demo_folder", "demo_period", "write_demo"]
