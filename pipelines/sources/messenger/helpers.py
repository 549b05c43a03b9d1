"""File access for Messenger exports: message_N.json files, alone or in their folders."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sources.base import SourceError
from pipelines.sources.common import head, read_json
from pipelines.sources.messenger.settings import HEAD_ANY, HEAD_KEYS, MESSAGE_FILES


def looks_like_conversation(path: Path) -> bool:
    """Cheap check: a .json file whose first bytes hold participants, messages and a sender."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    text = head(path).lstrip()
    return (text.startswith("{") and all(k in text for k in HEAD_KEYS)
            and any(k in text for k in HEAD_ANY))


def conversation_files(path: Path) -> list[Path]:
    """The conversation files to read: the file, or every message_N.json below a folder.

    A folder without message_N.json files contributes its own .json files that look like
    conversations (a single conversation saved under another name).
    """
    if path.is_file():
        return [path]
    files = sorted(path.rglob(MESSAGE_FILES))
    if not files:
        files = sorted(p for p in path.glob("*.json") if looks_like_conversation(p))
    return files


def read_conversation(path: Path, root: Path) -> dict[str, Any]:
    """One conversation file, or SourceError saying what was expected."""
    name = path.relative_to(root).as_posix() if path != root else path.name
    data = read_json(path)
    if not (isinstance(data, dict) and isinstance(data.get("participants"), list)
            and isinstance(data.get("messages"), list)):
        raise SourceError(f"{name}: not a Messenger conversation (expected an object with "
                          "participants and messages lists, as in message_1.json)")
    return data
