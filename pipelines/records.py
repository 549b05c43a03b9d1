"""What a source hands to the loader: canonical records, quarantined records, counts.

A source turns one platform export into rows of the canonical tables (column names as in
`pipelines.warehouse`). Values are plain Python:
- ids and text as `str` (or None when empty); platform-native ids keep every digit;
- `occurred_at` as a timezone-aware `datetime` (any zone; the loader stores UTC);
- `day` as `datetime.date`; counts as `int` (or None); booleans as `bool`.
Every record may carry `_line` (line or record number in its file) and `_file` (the file it
came from, relative to the export); the loader uses them to point at a bad record.

A record the source cannot map at all (a time it cannot parse, a count like "1.2K") goes to
`quarantine` with a reason; system notices and tombstones are counted in `skipped`.
Range and allowed-value checks (future dates, kinds, negative counts) are the loader's job,
done once for every source.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass
class Rejected:
    """A record that could not be mapped, with where it was and why."""

    file: str
    line: int | None
    table: str
    reason: str
    raw: Any

    def raw_text(self) -> str:
        if isinstance(self.raw, str):
            return self.raw
        return json.dumps(self.raw, default=str, ensure_ascii=False)


@dataclass
class Parsed:
    """Everything one export yields, table by table."""

    people: list[Record] = field(default_factory=list)
    interactions: list[Record] = field(default_factory=list)
    audience_daily: list[Record] = field(default_factory=list)
    referrals: list[Record] = field(default_factory=list)
    costs: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0  # tombstones and system notices: not messages, not errors
    rows_read: int = 0  # records read from the export, however they end
    owners: set[str] = field(default_factory=set)  # person_ids of the export's owner(s)
    notes: list[str] = field(default_factory=list)  # schema drift and other remarks

    def table(self, name: str) -> list[Record]:
        return getattr(self, name)

    def reject(self, file: str, line: int | None, table: str, reason: str, raw: Any) -> None:
        self.rejected.append(Rejected(file, line, table, reason, raw))
