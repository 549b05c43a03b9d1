"""File I/O of the Mastodon source: the archive's files beside one another."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sources.common import read_json


def archive_file(folder: Path, name: str) -> Any | None:
    """One archive file of `folder` as JSON, or None when the archive does not have it."""
    path = folder / name
    return read_json(path) if path.is_file() else None
