"""The printed side of `rapport load`: progress and the per-file summary."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from pipelines.load import FileSummary, load_paths
from pipelines.publish import LoaderBusy
from pipelines.team import TeamFileError
from pipelines.warehouse import resolve_url


def parse_ours(values: list[str]) -> dict[str, set[str]]:
    """`platform:handle` pairs from --ours into {platform: {handle, ...}}."""
    ours: dict[str, set[str]] = {}
    for value in values:
        platform, sep, handle = value.partition(":")
        if not sep or not platform or not handle:
            raise click.BadParameter(f"--ours {value!r}: expected PLATFORM:HANDLE, e.g. twitter:@acme")
        ours.setdefault(platform.lower(), set()).add(handle.lstrip("@"))
    return ours


class _Bar:
    """A progress line on stderr, shown once a load has taken more than a moment."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def __call__(self, what: str, done: int, total: int) -> None:
        if time.perf_counter() - self.start < 0.5:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {Path(what).name[:40]}"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(100))
            sys.stderr.flush()
        else:
            sys.stderr.write(line + "\n")

    def close(self) -> None:
        if self.tty and time.perf_counter() - self.start >= 0.5:
            sys.stderr.write("\n")


def format_summary(summaries: list[FileSummary]) -> str:
    """The per-file table: read, loaded, duplicates, skipped, quarantined, checks."""
    head = ("file", "format", "status", "read", "loaded", "dup", "skipped", "quar", "checks")
    rows = []
    for s in summaries:
        failed = s.failed_checks
        errors = sum(1 for c in failed if c.severity == "error")
        checks = f"{len(s.checks) - len(failed)} ok"
        if failed:
            checks += f", {errors} error, {len(failed) - errors} warning"
        rows.append((s.file, s.format, s.status, s.rows_read, s.loaded, s.duplicate, s.skipped,
                     s.quarantined, checks if s.status == "loaded" else "-"))
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) if i < 3 or i == 8 else str(v).rjust(w)
                       for i, (v, w) in enumerate(zip(r, widths))) for r in [head, *rows]]
    for s in summaries:
        if s.status == "refused":
            lines.append(f"refused: {s.message}")
        for note in s.notes:
            lines.append(f"note: {note}")
        for c in s.failed_checks:
            # Offending keys can embed handles (github:<login>): they stay in quality_results.
            lines.append(f"{c.severity}: {Path(s.file).name}: {c.check}: {c.observed}")
    quarantined = sum(s.quarantined for s in summaries)
    if quarantined:
        lines.append(f"{quarantined} record(s) quarantined with their reasons: see the quarantine "
                     "table or the dashboard's Data quality page.")
    if any(s.failed_checks for s in summaries):
        lines.append("The records behind each failed check are listed in quality_results "
                     "and on the dashboard's Data quality page.")
    return "\n".join(lines)


def run_load(paths: list[Path], *, ours: list[str], db: str | None) -> int:
    url = resolve_url(db)
    bar = _Bar()
    try:
        summaries = load_paths(paths, url, ours=parse_ours(ours), progress=bar)
    except (LoaderBusy, TeamFileError) as exc:
        bar.close()
        click.echo(f"rapport load: {exc}", err=True)
        return 3
    bar.close()
    click.echo(format_summary(summaries))
    return 1 if any(s.status == "refused" for s in summaries) else 0
