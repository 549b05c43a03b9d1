"""Hostile archives (DESIGN section 7): refused whole, by name, with the reason; nothing written
outside the extraction folder; nothing already loaded lost."""
from __future__ import annotations

import io
import random
import stat
import zipfile
from pathlib import Path

import pytest

from pipelines.archive import ArchiveLimits, extract_zip
from pipelines.sources.base import SourceError
from tests.reliability.hostile import ROW1, ROW2, Spec, check, csv, load_case

GOOD = csv(ROW1, ROW2)
NOISE = random.Random(7).randbytes(3_000_000)  # does not compress


def _symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, str]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def _zip(entries: list, encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    if encrypted:  # set the "encrypted" flag bit that a password-protected entry declares
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            data[at + offset] |= 0x1
    return bytes(data)


INNER = _zip([("interactions.csv", csv(ROW1.replace("x:1,", "x:inner,")))])

# name → (zip entries, outcome, message part or rows loaded)
ARCHIVES = [
    ("a good archive in a wrapper folder", [("export/interactions.csv", GOOD)], "loaded", 2),
    ("zip slip with ../", [("interactions.csv", GOOD), ("../evil.csv", b"x")], "refused",
     "entry '../evil.csv' would land outside the extraction folder; the archive is refused"),
    ("zip slip deep in a path", [("a/b/../../../evil.csv", b"x"), ("interactions.csv", GOOD)],
     "refused", "would land outside the extraction folder"),
    ("zip slip with backslashes", [("interactions.csv", GOOD), ("..\\evil.csv", b"x")], "refused",
     "would land outside the extraction folder"),
    ("an absolute path", [("interactions.csv", GOOD), ("/tmp/evil.csv", b"x")], "refused",
     "entry '/tmp/evil.csv' would land outside the extraction folder"),
    ("a drive letter", [("interactions.csv", GOOD), ("C:/evil.csv", b"x")], "refused",
     "would land outside the extraction folder"),
    ("a symbolic link", [("interactions.csv", GOOD), _symlink("people.csv", "/etc/passwd")],
     "refused", "entry 'people.csv' is a symbolic link; the archive is refused"),
    ("an encrypted entry", "encrypted", "refused",
     "entry 'interactions.csv' is encrypted; export it again without a password"),
    ("a zip bomb (compression ratio)", [("interactions.csv", GOOD), ("pad.txt", b"\0" * 5_000_000)],
     "refused", "compression ratio"),
    ("a bomb entry hidden among incompressible ones",
     [("interactions.csv", GOOD), ("noise.bin", NOISE),
      ("pad.txt", b"\0" * 50_000_000)], "refused", "entry 'pad.txt' has a compression ratio"),
    ("too many entries", [("interactions.csv", GOOD)] + [(f"f/{i}.txt", b"") for i in range(20_001)],
     "refused", "20002 entries, more than the cap of 20000; the archive is refused"),
    ("a zip inside a zip, alone", [("inner.zip", INNER)], "refused",
     "not an export rapport recognises; it holds another archive (inner.zip)"),
    ("a zip inside a zip beside an export: the inner one is not opened",
     [("interactions.csv", GOOD), ("more/inner.zip", INNER)], "loaded", 2),
]


@pytest.mark.parametrize("entries, outcome, expected",
                         [pytest.param(e, o, x, id=n) for n, e, o, x in ARCHIVES])
def test_hostile_archive(entries, outcome: str, expected, tmp_path: Path, baseline_db: Path,
                         baseline) -> None:
    archive = tmp_path / "export.zip"
    archive.write_bytes(_zip([("interactions.csv", GOOD)], encrypted=True) if entries == "encrypted"
                        else _zip(entries))
    if outcome == "refused":
        spec = Spec("archive", {}, "refused", message=expected)
    else:
        spec = Spec("archive", {}, "loaded", rows={"interactions": expected})
    url, summaries = load_case(spec, tmp_path, baseline_db, paths=[archive])
    check(spec, url, summaries, baseline)
    if outcome == "refused":
        assert str(archive) in summaries[0].file
        assert "export.zip" in summaries[0].message  # the message names the archive
    assert not list(tmp_path.parent.glob("evil*")) and not Path("/tmp/evil.csv").exists()


@pytest.mark.parametrize("bad, message", [
    (b"", "not a readable zip archive"),
    (b"PK\x03\x04 this is not really a zip", "not a readable zip archive"),
    (_zip([("interactions.csv", GOOD)])[:-30], "not a readable zip archive"),
], ids=["empty", "garbage with a zip signature", "truncated"])
def test_a_corrupt_archive_is_refused_by_name(bad: bytes, message: str, tmp_path: Path,
                                             baseline_db: Path, baseline) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(bad)
    spec = Spec("corrupt", {}, "refused", message=f"broken.zip: {message}")
    url, summaries = load_case(spec, tmp_path, baseline_db, paths=[archive])
    check(spec, url, summaries, baseline)


def test_the_total_size_cap_refuses_an_archive_that_expands_too_far(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    archive.write_bytes(_zip([("a.bin", b"x" * 300_000), ("b.bin", b"y" * 300_000)]))
    limits = ArchiveLimits(max_total_bytes=500_000, max_ratio=10_000, max_entries=10)
    with pytest.raises(SourceError, match=r"big.zip: expands to 600,000 bytes, more than the cap"):
        extract_zip(archive, tmp_path / "out", limits)
    assert not (tmp_path / "out").exists(), "nothing is extracted before the checks pass"


def test_a_forged_size_in_the_header_does_not_get_past_the_cap(tmp_path: Path) -> None:
    """Entries whose headers understate their size are counted as they are really read."""
    archive = tmp_path / "forged.zip"
    data = bytearray(_zip([("a.bin", b"z" * 400_000)]))
    real = (400_000).to_bytes(4, "little")
    forged = (1_000).to_bytes(4, "little")
    assert data.count(real) == 2  # the local header and the central directory
    archive.write_bytes(bytes(data).replace(real, forged))
    limits = ArchiveLimits(max_total_bytes=100_000, max_ratio=10_000, max_entries=10)
    with pytest.raises(SourceError, match="forged.zip: entry 'a.bin' cannot be extracted"):
        extract_zip(archive, tmp_path / "out", limits)
    extracted = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert extracted <= 100_000 + 1024 * 1024
