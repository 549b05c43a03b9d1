"""File access for Mattermost: perceval item files and raw `/posts` API responses."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipelines.sources.common import head, read_json_documents
from pipelines.sources.mattermost.settings import PERCEVAL_BACKEND

_PERCEVAL = re.compile(r'"backend_name"\s*:\s*"%s"' % PERCEVAL_BACKEND)
_API = re.compile(r'^\{\s*"(order|posts)"\s*:')


def looks_like_posts(path: Path) -> bool:
    """Cheap check: perceval Mattermost items, or a `{order, posts}` API response."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    text = head(path).lstrip()
    if _PERCEVAL.search(text):
        return True
    return bool(_API.match(text)) and '"create_at"' in text


def read_documents(path: Path) -> list[Any]:
    """Every JSON document of the file (perceval writes items one after another)."""
    return read_json_documents(path)
