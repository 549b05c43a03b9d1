"""The real `rapport` process ends quietly and with the command's own exit code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
RAPPORT = Path(sys.executable).with_name("rapport")
INTERACTIONS = """interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated
x:1,x,2026-11-10T10:00:00Z,x:acme,x:bea,dm,x:d1,,false
x:2,x,2026-11-10T11:00:00Z,x:bea,x:acme,dm,x:d1,x:1,false
x:3,x,2026-11-11T11:00:00Z,x:bea,x:acme,wave,x:d1,,false
"""


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAPPORT_LOAD_GX": "sample"}
    return subprocess.run([str(RAPPORT), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300, stdin=subprocess.DEVNULL)


def test_a_load_validated_by_great_expectations_ends_without_teardown_noise(
        duckdb_url: str, tmp_path: Path) -> None:
    # Great Expectations beside duckdb-engine left DuckDB's objects alive at teardown, and
    # every load ended with forty lines of "nanobind: leaked ..." on stderr.
    export = tmp_path / "interactions.csv"
    export.write_text(INTERACTIONS)
    done = run("load", str(export), "--db", duckdb_url)
    assert done.returncode == 0, done.stderr
    assert "nanobind" not in done.stderr and "leaked" not in done.stderr, done.stderr[-2000:]
    # stdout is a pipe here, so it is block-buffered: the summary must still be flushed
    summary = [line for line in done.stdout.splitlines() if line.startswith(str(export))]
    assert len(summary) == 1 and " loaded " in summary[0], done.stdout
    assert "interactions.kind_is_canonical" in done.stdout  # the bad record is reported

    shown = run("metrics", "--week", "2026-W46", "--db", duckdb_url, "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("week,metric,family,label,unit,value\n2026-W46,")
    assert len(shown.stdout.splitlines()) > 20


def test_the_command_s_exit_code_survives(duckdb_url: str, tmp_path: Path) -> None:
    refused = run("load", str(tmp_path / "missing.csv"), "--db", duckdb_url)
    assert refused.returncode == 1 and "no such file or folder" in refused.stdout
    misused = run("metrics", "--weeks", "0", "--db", duckdb_url)
    assert misused.returncode == 2 and "--weeks" in misused.stderr
    assert run("--help").returncode == 0
