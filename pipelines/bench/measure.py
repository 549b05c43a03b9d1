"""Measuring a command: wall time and the peak resident memory of the process that ran it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


class BenchError(RuntimeError):
    """A benchmarked command failed: its command line, exit code and the end of its output."""


class BenchTimeout(BenchError):
    """A benchmarked command ran past its time limit and was stopped."""


@dataclass(frozen=True)
class Run:
    """One finished command."""

    seconds: float
    peak_rss_mib: float
    cpu_seconds: float  # user + system: steadier than wall time on a busy machine
    returncode: int
    stdout: str
    stderr: str


def rapport_command() -> list[str]:
    """How to start the rapport CLI of this interpreter (its console script, else -m)."""
    script = Path(sys.executable).with_name("rapport")
    if script.exists():
        return [str(script)]
    found = shutil.which("rapport")
    return [found] if found else [sys.executable, "-m", "pipelines.cli"]


def bench_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of benchmarked commands: UTC weeks, no analytics, no default DB URL."""
    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_DB_URL"}
    env.update({"RAPPORT_TZ": "UTC", "GX_ANALYTICS_ENABLED": "false", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        check: bool = True, timeout: float | None = None) -> Run:
    """Run argv to completion; wall seconds and the child's peak RSS (from wait4's rusage).

    Past `timeout` seconds the child is killed and BenchTimeout raised.
    """
    out_path, err_path = cwd / ".bench-stdout", cwd / ".bench-stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env or bench_env(), stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if timer:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    result = Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                 child.returncode, stdout, stderr)
    if timeout and seconds >= timeout and child.returncode != 0:
        raise BenchTimeout(f"{' '.join(argv)} was stopped after {timeout:.0f} s")
    if check and child.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-15:])
        raise BenchError(f"{' '.join(argv)} exited with {child.returncode}:\n{tail}")
    return result


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def repeat(argv: list[str], times: int, *, cwd: Path, env: dict[str, str] | None = None,
           timeout: float | None = None) -> tuple[float, float, float, list[Run]]:
    """Run a command `times` times: (median seconds, median CPU seconds, max peak RSS MiB,
    the runs in order)."""
    runs = [run(argv, cwd=cwd, env=env, timeout=timeout) for _ in range(times)]
    return (median([r.seconds for r in runs]), median([r.cpu_seconds for r in runs]),
            max(r.peak_rss_mib for r in runs), runs)
