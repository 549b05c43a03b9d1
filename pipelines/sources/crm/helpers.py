"""File I/O of the CRM source: a CSV export's header, read from the file's first bytes."""
from __future__ import annotations

import csv
from pathlib import Path

from pipelines.sources.common import head


def header(path: Path) -> list[str]:
    """The first row of a CSV file ([] when it has none or is not CSV)."""
    first = head(path).splitlines()[:1]
    if not first:
        return []
    try:
        return [h.strip() for h in next(csv.reader(first))]
    except (csv.Error, StopIteration):
        return []
