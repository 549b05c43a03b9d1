"""File I/O of the X/Twitter source: finding the archive's files and reading `window.YTD` ones."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.sources.base import SourceError
from pipelines.sources.common import head, read_text
from pipelines.sources.twitter.settings import (
    ACTIVITY_FILE_NAME, ACTIVITY_HEADER_START, ARCHIVE_FILE_NAME, YTD_PREFIX,
)


def archive_folder(path: Path) -> Path:
    """The folder holding the archive's `.js` files: `data/` below the root, or path itself."""
    data = path / "data"
    return data if data.is_dir() else path


def is_ytd_file(path: Path) -> bool:
    """A `.js` file that starts like an archive file (`window.YTD.`)."""
    return path.suffix == ".js" and head(path, 256).lstrip().startswith("window.YTD.")


def is_activity_file(path: Path) -> bool:
    """A tweet activity CSV, by its name or its first columns."""
    if path.suffix.lower() != ".csv":
        return False
    return bool(ACTIVITY_FILE_NAME.match(path.name)) or head(path, 64).startswith(ACTIVITY_HEADER_START)


def is_search_file(path: Path) -> bool:
    """A v1.1 search response (`{search_metadata, statuses}`), by its first bytes."""
    if path.suffix.lower() != ".json":
        return False
    start = head(path)
    return start.lstrip().startswith("{") and '"statuses"' in start and (
        '"search_metadata"' in start or '"id_str"' in start)


def archive_files(folder: Path) -> list[tuple[str, Path]]:
    """The archive's `window.YTD` files in a folder as (stem, path), in name order."""
    found = []
    for path in sorted(folder.glob("*.js")):
        match = ARCHIVE_FILE_NAME.match(path.name)
        if match and is_ytd_file(path):
            found.append((match["stem"], path))
    return found


def read_ytd(path: Path, names: tuple[str, ...], label: str) -> list[Any]:
    """The records of a `window.YTD.<name>.partN = [...]` file, or SourceError naming it."""
    text = read_text(path)
    match = YTD_PREFIX.match(text)
    expected = " or ".join(f"window.YTD.{n}.partN" for n in names)
    if match is None:
        raise SourceError(f"{label}: does not start with 'window.YTD.<name>.partN = '; "
                          f"expected an X/Twitter archive file starting with {expected}")
    if match["name"] not in names:
        raise SourceError(f"{label}: holds window.YTD.{match['name']}.part{match['part']}, "
                          f"expected {expected}")
    body = text[match.end():]
    try:
        records = json.loads(body)
    except json.JSONDecodeError as exc:
        line = exc.lineno + text[:match.end()].count("\n")
        raise SourceError(f"{label}: not valid JSON after the window.YTD prefix at line {line}, "
                          f"column {exc.colno}: {exc.msg}") from exc
    if not isinstance(records, list):
        raise SourceError(f"{label}: expected a JSON array after the window.YTD prefix, "
                          f"found {type(records).__name__}")
    return records
