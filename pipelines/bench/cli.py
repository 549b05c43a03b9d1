"""The printed side of `rapport bench`: parse the options, run, print the table, write JSON."""
from __future__ import annotations

from pathlib import Path

import click

from pipelines.bench import report
from pipelines.bench.measure import BenchError
from pipelines.bench.run import run_bench


def parse_sizes(text: str) -> list[int]:
    """'1000000,10000000' (underscores and 1M / 10M allowed) into a list of sizes."""
    sizes = []
    for part in text.split(","):
        item = part.strip().replace("_", "").upper()
        scale = {"K": 1_000, "M": 1_000_000}.get(item[-1:], 1) if item else 1
        try:
            sizes.append(int(float(item[:-1] if scale > 1 else item) * scale))
        except ValueError:
            raise click.BadParameter(f"--sizes {text!r}: {part!r} is not a number of "
                                     "interactions; expected e.g. 1000000,10000000") from None
    if not sizes or min(sizes) < 1000:
        raise click.BadParameter(f"--sizes {text!r}: each size must be at least 1000")
    return sizes


def run_bench_command(sizes: str, out: Path, work: Path, skip_postgres: bool,
                      skip_dashboard: bool, catalog_runs: int, startup_runs: int = 5,
                      pg_timeout: float = 900.0) -> int:
    try:
        doc = run_bench(parse_sizes(sizes), work, skip_postgres=skip_postgres,
                        skip_dashboard=skip_dashboard, catalog_runs=catalog_runs,
                        startup_runs=startup_runs, pg_timeout=pg_timeout, out=out)
    except BenchError as exc:
        click.echo(f"rapport bench: {exc}", err=True)
        return 1
    doc["targets"] = report.judge(doc)
    report.write(doc, out)
    click.echo(report.table(doc))
    click.echo(f"\nwritten to {out}")
    return 0
