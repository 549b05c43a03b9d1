"""Measuring a command: wall time, CPU time and peak resident memory, helper processes included."""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class BenchError(RuntimeError):
    """A benchmarked command failed: its command line, exit code and the end of its output."""


class BenchTimeout(BenchError):
    """A benchmarked command ran past its time limit and was stopped."""


@dataclass(frozen=True)
class Run:
    """One finished command."""

    seconds: float
    # The command's own peak plus each helper process's peak (a load validates its samples in
    # one): an upper bound on the memory they held at any one moment.
    peak_rss_mib: float
    cpu_seconds: float  # user + system, helpers included: steadier than wall time
    returncode: int
    stdout: str
    stderr: str
    helpers_peak_rss_mib: float = 0.0  # the part of peak_rss_mib that its helpers held
    # The largest sum of the command's and its helpers' resident memory at one of the looks
    # (every 20 ms): a lower bound on that sum's peak, where peak_rss_mib is an upper one.
    # Pages the processes share (the same libraries) count in each, as in their peaks.
    together_rss_mib: float = 0.0


def process_cpu_seconds() -> float:
    """User + system CPU seconds of this process so far, every thread's (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _descendants(pid: int) -> list[int]:
    """The processes started by `pid` and by them (Linux /proc; none elsewhere)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """A process's (peak resident memory so far, resident memory now): VmHWM and VmRSS in
    KiB, zeros once it has gone."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return found.get("VmHWM", 0), found.get("VmRSS", 0)


class _Peaks:
    """Watches a command and its descendant processes every `every` seconds for their peaks.

    A process's peak (VmHWM) only grows, so any look after its peak sees it; a command's last
    moments (its exit) make no new peak. wait4's figure is not used where a look was taken:
    it is the largest peak among the command and its helpers, not their sum, and Linux starts
    it from the peak of the process that started the command (here, the benchmark or the
    test process) at exec.
    """

    def __init__(self, pid: int, every: float = 0.02):
        self.pid, self.every, self.own, self.helpers = pid, every, 0, {}
        self.together = 0  # the most the command and its helpers held at one look
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.wait(self.every):
            own, now = _memory_kib(self.pid)
            self.own = max(self.own, own)
            for helper in _descendants(self.pid):
                peak, held = _memory_kib(helper)
                self.helpers[helper] = max(self.helpers.get(helper, 0), peak)
                now += held
            self.together = max(self.together, now)

    def stop(self, waited_kib: int) -> tuple[float, float, float]:
        """(the command's own peak, its helpers' peaks summed, the most held together at one
        look), in MiB; wait4's figure stands for the command's own when no look was taken (a
        command of a few milliseconds)."""
        self.done.set()
        self.thread.join()
        return ((self.own or waited_kib) / 1024, sum(self.helpers.values()) / 1024,
                self.together / 1024)


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
    # A load validates its samples with Great Expectations unless a figure says otherwise,
    # whatever the caller's environment says.
    env.update({"RAPPORT_TZ": "UTC", "GX_ANALYTICS_ENABLED": "false", "PYTHONUNBUFFERED": "1",
                "RAPPORT_LOAD_GX": "sample"})
    env.update(extra or {})
    return env


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        check: bool = True, timeout: float | None = None) -> Run:
    """Run argv to completion; wall seconds, CPU seconds (wait4's rusage, which counts the
    helper processes the command waited for) and peak RSS (its own plus its helpers').

    Past `timeout` seconds the child is killed and BenchTimeout raised.
    """
    out_path, err_path = cwd / ".bench-stdout", cwd / ".bench-stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, env=env or bench_env(), stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
        peaks = _Peaks(child.pid)
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        own_mib, helpers_mib, together_mib = peaks.stop(usage.ru_maxrss)
        if timer:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    result = Run(seconds, own_mib + helpers_mib, usage.ru_utime + usage.ru_stime,
                 child.returncode, stdout, stderr, helpers_mib, together_mib)
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


def last_json(result: Run) -> Any:
    """The JSON document a measured helper command printed on its last line."""
    return json.loads(result.stdout.strip().splitlines()[-1])


def fresh_copy(source: Path, copy: Path) -> None:
    """Copy a DuckDB file to `copy`, leaving no earlier copy's files (its WAL) beside it."""
    remove_database(copy)
    shutil.copyfile(source, copy)


def remove_database(path: Path) -> None:
    """Remove a DuckDB file and the files DuckDB keeps beside it (its WAL)."""
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
