"""File I/O of the LinkedIn source: which files of a folder are export files."""
from __future__ import annotations

from pathlib import Path

from pipelines.sources.common import head
from pipelines.sources.linkedin.settings import FILES


def is_export_file(path: Path) -> bool:
    """A CSV named like an export file whose first lines hold its required columns."""
    spec = FILES.get(path.name.lower())
    if spec is None or not path.is_file():
        return False
    start = head(path)
    return all(column in start for column in spec.required)


def export_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The export files rapport reads in a folder, and the names of the other files."""
    files = sorted(p for p in folder.glob("*.csv") if p.name.lower() in FILES)
    others = sorted(p.name for p in folder.iterdir() if p.is_file() and p not in files)
    return files, others
