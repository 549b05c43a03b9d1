"""File access for Slack workspace exports: the workspace lists and the per-day files."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sources.base import SourceError
from pipelines.sources.common import read_json


def read_list(folder: Path, name: str) -> list[Any] | None:
    """A workspace-level JSON list (users.json, channels.json, ...), or None when absent."""
    path = folder / name
    if not path.is_file():
        return None
    data = read_json(path)
    if not isinstance(data, list):
        raise SourceError(f"{name}: expected a JSON list, found {type(data).__name__}")
    return data


def conversation_folders(folder: Path) -> list[Path]:
    """The per-conversation folders of an export (those holding day files), by name."""
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "__")) and any(p.glob("*.json")))


def day_files(conversation: Path) -> list[Path]:
    """A conversation's day files (`YYYY-MM-DD.json`), oldest first."""
    return sorted(conversation.glob("*.json"))


def read_day(path: Path, export_root: Path) -> list[Any]:
    """The messages of one day file, or SourceError naming it (folder and file)."""
    relative = path.relative_to(export_root).as_posix()
    try:
        data = read_json(path)
    except SourceError as exc:
        raise SourceError(f"{export_root.name}/{relative}: {str(exc).split(': ', 1)[-1]}") from exc
    if not isinstance(data, list):
        raise SourceError(f"{relative}: expected a JSON list of messages, found {type(data).__name__}")
    return data
