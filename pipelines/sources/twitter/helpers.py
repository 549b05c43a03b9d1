"""File I/O of the X/Twitter source: finding the archive's files and reading `window.YTD` ones."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.sources.base import SourceError
from pipelines.sources.common import head
from pipelines.sources.twitter.settings import (
    ACTIVITY_FILE_NAME, ACTIVITY_HEADER_START, ARCHIVE_FILE_NAME, ARCHIVE_FILES, YTD_PREFIX,
)

_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


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


def is_archive_folder(folder: Path) -> bool:
    """A folder holding at least one `window.YTD` file: an archive's `data/` (or its copy)."""
    return any(is_ytd_file(p) for p in folder.glob("*.js"))


def archive_files(folder: Path) -> list[tuple[str, Path]]:
    """The archive's files in a folder as (stem, path), in name order.

    Every file named like one rapport reads (`tweets.js`, `like.js`, ...) is kept whatever it
    holds, so that one it cannot decode refuses the archive instead of vanishing; other `.js`
    files are kept only when they start with `window.YTD.` (they are noted as not used).
    """
    found = []
    for path in sorted(folder.glob("*.js")):
        match = ARCHIVE_FILE_NAME.match(path.name)
        if match and (match["stem"] in ARCHIVE_FILES or is_ytd_file(path)):
            found.append((match["stem"], path))
    return found


def _decode(path: Path, label: str, expected: str) -> str:
    """An archive file's text (UTF-8, a byte-order mark dropped), or SourceError naming it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        found = " (it starts with a UTF-16 byte-order mark)" if data[:2] in _UTF16_MARKS else ""
        raise SourceError(f"{label}: not UTF-8 text{found}: byte {exc.start}: {exc.reason}; "
                          f"expected an X/Twitter archive file in UTF-8 starting with "
                          f"{expected}") from exc


def read_ytd(path: Path, names: tuple[str, ...], label: str) -> list[Any]:
    """The records of a `window.YTD.<name>.partN = [...]` file, or SourceError naming it."""
    expected = " or ".join(f"window.YTD.{n}.partN" for n in names)
    text = _decode(path, label, expected)
    match = YTD_PREFIX.match(text)
    if match is None:
        start = text.lstrip()[:40]
        raise SourceError(f"{label}: does not start with 'window.YTD.<name>.partN = ' "
                          f"(it starts with {start!r}); expected an X/Twitter archive file "
                          f"starting with {expected}")
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
