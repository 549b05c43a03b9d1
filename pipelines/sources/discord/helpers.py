"""File access for DiscordChatExporter JSON: one file, or every part in a folder."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sources.base import SourceError
from pipelines.sources.common import head, read_json
from pipelines.sources.discord.settings import HEAD_KEYS, PART_NUMBER


def looks_like_export(path: Path) -> bool:
    """Cheap check: a .json file whose first bytes hold guild, channel and messages keys."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    text = head(path).lstrip()
    return text.startswith("{") and all(key in text for key in HEAD_KEYS)


def export_files(path: Path) -> list[Path]:
    """The export files to read together: the file itself, or the folder's .json files."""
    if path.is_file():
        return [path]
    files = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
    return sorted(files, key=lambda p: (PART_NUMBER.sub("", p.name), _part(p)))


def _part(path: Path) -> int:
    match = PART_NUMBER.search(path.name)
    return int(match.group(1)) if match else 1


def read_export(path: Path) -> dict[str, Any]:
    """One DiscordChatExporter document, or SourceError saying what was expected."""
    data = read_json(path)
    if not (isinstance(data, dict) and isinstance(data.get("channel"), dict)
            and isinstance(data.get("messages"), list) and "guild" in data):
        raise SourceError(
            f"{path.name}: not a DiscordChatExporter JSON export "
            "(expected an object with guild, channel and a messages list)")
    if not data["channel"].get("id"):
        raise SourceError(f"{path.name}: the channel has no id")
    return data
