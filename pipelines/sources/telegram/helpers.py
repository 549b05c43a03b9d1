"""File access for Telegram Desktop exports: result.json, alone or in its export folder."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.sources.common import head, read_json
from pipelines.sources.telegram.settings import CHAT_TYPE_IN_HEAD, EXPORT_FILE


def export_file(path: Path) -> Path:
    """The JSON file to read: the path itself, or result.json inside an export folder."""
    return path / EXPORT_FILE if path.is_dir() else path


def looks_like_export(path: Path) -> bool:
    """Cheap check on the first bytes: a chat export or a full-account export."""
    file = export_file(path)
    if file.suffix.lower() != ".json" or not file.is_file():
        return False
    text = head(file).lstrip()
    if not text.startswith("{"):
        return False
    single_chat = CHAT_TYPE_IN_HEAD.search(text) is not None and '"messages"' in text
    full_account = '"personal_information"' in text and '"user_id"' in text
    return single_chat or full_account or looks_like_bot_updates_text(text)


def looks_like_bot_updates_text(text: str) -> bool:
    """A Bot API getUpdates response: `{"ok": true, "result": [{"update_id": ...}]}`."""
    return '"result"' in text and '"update_id"' in text and '"ok"' in text


def read_export(path: Path) -> Any:
    return read_json(export_file(path))
