"""Safe extraction of zip exports: no path escapes, no bombs, no surprises."""
from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipelines.sources.base import SourceError


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps that refuse an archive whole when passed."""

    max_total_bytes: int = 2 * 1024**3  # uncompressed
    max_ratio: float = 200.0  # uncompressed / compressed, per entry and overall
    max_entries: int = 20_000


DEFAULT_LIMITS = ArchiveLimits()


def _check_entry(archive: Path, info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise SourceError(f"{archive.name}: entry {info.filename!r} would land outside the "
                          "extraction folder; the archive is refused")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise SourceError(f"{archive.name}: entry {info.filename!r} is a symbolic link; "
                          "the archive is refused")
    if info.flag_bits & 0x1:
        raise SourceError(f"{archive.name}: entry {info.filename!r} is encrypted; "
                          "export it again without a password")
    return path


def extract_zip(archive: Path, dest: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> Path:
    """Extract `archive` into `dest` after checking every entry; returns the export's root.

    Refuses the whole archive (SourceError) on a path escape, a symlink, an encrypted entry,
    or when the entry count, total uncompressed size or compression ratio passes its cap.
    Nested zips are extracted as files and not opened.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{archive.name}: not a readable zip archive ({exc})") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise SourceError(f"{archive.name}: {len(infos)} entries, more than the cap of "
                              f"{limits.max_entries}; the archive is refused")
        total = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos) or 1
        if total > limits.max_total_bytes:
            raise SourceError(f"{archive.name}: expands to {total:,} bytes, more than the cap "
                              f"of {limits.max_total_bytes:,}; the archive is refused")
        if total / compressed > limits.max_ratio and total > 1024**2:
            raise SourceError(f"{archive.name}: compression ratio {total / compressed:.0f}:1 "
                              f"passes the cap of {limits.max_ratio:.0f}:1 (a zip bomb?); "
                              "the archive is refused")
        for info in infos:  # one bomb entry hidden among incompressible ones
            if info.file_size > 1024**2 and info.file_size / (info.compress_size or 1) > limits.max_ratio:
                raise SourceError(f"{archive.name}: entry {info.filename!r} has a compression "
                                  f"ratio of {info.file_size / (info.compress_size or 1):.0f}:1, "
                                  f"past the cap of {limits.max_ratio:.0f}:1 (a zip bomb?); "
                                  "the archive is refused")
        paths = [(_check_entry(archive, i), i) for i in infos]
        dest.mkdir(parents=True, exist_ok=True)
        written = 0
        for rel, info in paths:
            target = dest.joinpath(*rel.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as out:
                    # Count real bytes: a forged header must not get past the caps.
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > limits.max_total_bytes:
                            raise SourceError(f"{archive.name}: expands past the cap of "
                                              f"{limits.max_total_bytes:,} bytes; refused")
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                    OSError) as exc:
                # A corrupt entry, a size or CRC that does not match, an unsupported method.
                raise SourceError(f"{archive.name}: entry {info.filename!r} cannot be extracted "
                                  f"({exc}); the archive is refused") from exc
    return export_root(dest)


def export_root(folder: Path) -> Path:
    """The folder that holds the export: descend through single wrapper folders."""
    current = folder
    while True:
        children = [c for c in current.iterdir() if not c.name.startswith((".", "__MACOSX"))]
        if len(children) == 1 and children[0].is_dir():
            current = children[0]
            continue
        return current
