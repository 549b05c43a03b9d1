"""The generic source: canonical CSV files, for any platform or tool without its own loader.

Natural keys and write semantics follow the canonical tables: interactions, people and
referrals merge by id; audience_daily merges by (platform, account_id, day), so a restated day
replaces the earlier one; costs merge by (week, platform). Within one file the last row wins.
The CSVs are read by DuckDB itself (never row by row), see `pipelines.stage.stage_csv`.
"""
from __future__ import annotations

from pathlib import Path

from pipelines.records import Parsed
from pipelines.sources.base import ParseContext, SourceError
from pipelines.warehouse import CANONICAL_TABLES

FILE_NAMES = {f"{t}.csv": t for t in CANONICAL_TABLES}


class CanonicalCsvSource:
    name = "generic"
    description = "canonical CSV files (people, interactions, audience_daily, referrals, costs)"

    def files(self, path: Path) -> list[tuple[str, Path]]:
        """(table, file) for each canonical CSV at `path`, in load order (people first)."""
        if path.is_file():
            table = FILE_NAMES.get(path.name.lower())
            return [(table, path)] if table else []
        found = {p.name.lower(): p for p in path.iterdir() if p.is_file()}
        return [(t, found[n]) for n, t in FILE_NAMES.items() if n in found]

    def detect(self, path: Path) -> bool:
        return bool(self.files(path))

    def parse(self, path: Path, ctx: ParseContext) -> Parsed:
        raise SourceError("canonical CSV files are read in bulk by the loader, not parsed")


SOURCE = CanonicalCsvSource()
