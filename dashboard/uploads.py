"""Uploaded exports to files on disk, grouped the way the loader reads them (no Streamlit)."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Protocol

import pandas as pd

from pipelines.sources import registry

UPLOAD_TYPES = ["zip", "csv", "json", "js"]


class Upload(Protocol):
    name: str
    size: int

    def getvalue(self) -> bytes: ...


def safe_parts(name: str) -> tuple[str, ...]:
    """The path segments of an uploaded name that stay inside the upload folder."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    clean = tuple(p for p in parts if p not in ("", ".", "..", "/") and "\x00" not in p
                  and not p.startswith("/"))
    if not clean:
        raise ValueError(f"uploaded file name {name!r} has no usable file name")
    return clean


def too_large(files: Iterable[Upload], per_file: int, total: int) -> list[str]:
    """Plain reasons to refuse an upload whose files break the size limits (bytes)."""
    files = list(files)
    reasons = [f"{f.name} is {f.size / 2**20:.1f} MB; the limit is {per_file / 2**20:.0f} MB "
               "per file" for f in files if f.size > per_file]
    size = sum(f.size for f in files)
    if size > total:
        reasons.append(f"the files add up to {size / 2**20:.1f} MB; the limit is "
                       f"{total / 2**20:.0f} MB per upload")
    return reasons


def save(files: Iterable[Upload], folder: Path) -> list[Path]:
    """Write uploads under `folder` (keeping a folder upload's layout) and return what to load:
    each uploaded folder whole; loose files together when they form one export (a Slack
    export's files, a Discord export's parts), else one by one; zips one by one."""
    folder = folder.resolve()
    loose, folders = folder / "files", folder / "folders"
    targets: set[Path] = set()
    for upload in files:
        parts = safe_parts(upload.name)
        base = folders if len(parts) > 1 else loose
        path = base.joinpath(*parts).resolve()
        if not path.is_relative_to(base):
            raise ValueError(f"uploaded file name {upload.name!r} points outside the upload folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(upload.getvalue())
        targets.add(base / parts[0] if len(parts) > 1 else path)
    singles = sorted(p for p in targets if p.parent == loose)
    if (len(singles) > 1 and not any(p.suffix.lower() == ".zip" for p in singles)
            and registry.detect(loose) is not None):
        together = folder / "together" / _common_name(singles)
        together.parent.mkdir()
        loose.rename(together)  # named after the files, as the load history shows it
        return [together] + sorted(p for p in targets if p.parent != loose)
    return sorted(targets)


def _common_name(paths: list[Path]) -> str:
    """What files uploaded together are called: their common prefix, else the first name."""
    prefix = os.path.commonprefix([p.name for p in paths]).rstrip("_-. ")
    return prefix if len(prefix) >= 3 else f"{paths[0].stem} and {len(paths) - 1} more"


def display_name(text: str, folder: Path) -> str:
    """A loaded file's name (or a message) as the user uploaded it, without the temporary folder."""
    text = str(text)
    for prefix in (folder / "folders", folder / "files", folder / "together", folder):
        text = text.replace(f"{prefix}/", "").replace(str(prefix), prefix.name)
    return text


def strip_workdir(files: pd.Series) -> pd.Series:
    """Load-history file names without the temporary upload folder they were loaded from."""
    return files.astype("string").str.replace(
        r"^.*/rapport-upload-[^/]+/(?:files|folders|together)/", "", regex=True)


def summary_frame(summaries: list, folder: Path) -> pd.DataFrame:
    """The loader's per-file summaries as a table."""
    rows = []
    for s in summaries:
        failed = [c for c in getattr(s, "checks", []) if c.status != "passed"]
        errors = sum(1 for c in failed if c.severity == "error")
        rows.append({"file": display_name(s.file, folder), "format": s.format,
                     "status": s.status, "read": s.rows_read, "loaded": s.loaded,
                     "duplicate": s.duplicate, "skipped": s.skipped,
                     "quarantined": s.quarantined,
                     "checks": f"{errors} error, {len(failed) - errors} warning" if failed else
                     ("all passed" if s.status == "loaded" else "—"),
                     "message": display_name(s.message, folder) if s.message else ""})
    return pd.DataFrame(rows)


def problems_frame(summaries: list, folder: Path) -> pd.DataFrame:
    """Failed checks and notes per file, for a closer look."""
    rows = []
    for s in summaries:
        name = display_name(s.file, folder)
        for c in getattr(s, "checks", []):
            if c.status != "passed":
                rows.append({"file": name, "check": c.check, "severity": c.severity,
                             "records": c.observed, "examples": ", ".join(map(str, c.offending[:5]))})
        for note in getattr(s, "notes", []):
            rows.append({"file": name, "check": "note", "severity": "info", "records": None,
                         "examples": note})
    return pd.DataFrame(rows, columns=["file", "check", "severity", "records", "examples"])
