"""Great Expectations at load time: the suite on a bounded sample, beside the SQL counts.

Every record of a load is checked by the loader's SQL rules (the suites rendered as DuckDB
predicates, `pipelines.rules`); that is what quarantines. Great Expectations then validates a
bounded sample of the staged batch (up to SAMPLE_ROWS records drawn at random plus up to
FAILING_ROWS records that broke an error rule) with the same suite, and the same checks are
counted in SQL on that very sample. Each check's stored result carries GX's verdict in its
details; one more result per table, `<table>.gx_suite`, says whether GX ran and agrees with
the rules (`passed`), disagrees (`failed`: the SQL rendering of a check is wrong), or could not
run (`could_not_run`, with GX's error).

Cost is bounded: the sample does not grow with the file. GX runs in a worker process started
at the beginning of the load (`validating`), which imports it while the loader stages; the loader
only draws each sample and hands it over, and the worker counts it in SQL, converts it and
validates it while the loader goes on. The worker runs at a lower priority (NICENESS): on a
machine whose cores the engine keeps busy, GX's import and validation take the time the loader
leaves idle (its Python steps, its writes to disk) instead of competing with it, and being
another process it never holds the loader's interpreter lock. The loader's own process imports
neither GX nor pandas. A file's transaction stores its SQL check results with a `could_not_run`
placeholder per sample (`placeholders`: what stays stored if the load stops before GX is done);
after the last file the loader ends the worker's input (`no_more_samples`), so that the worker
ends, and its memory is freed, as soon as it has answered; once, after the rollups, it waits
for the verdicts (`finish`) and stores them in their place. `RAPPORT_LOAD_GX=off` skips the step (the SQL rules still check every record).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator

from pipelines.quality import gx_worker
from pipelines.quality.checks import ERROR, LOAD, RECORD, Check
from pipelines.quality.gx_run import COULD_NOT_RUN, FAILED, PASSED, Verdict, import_gx
from pipelines.quality.suites import suite
from pipelines.warehouse import NATURAL_KEYS, canonical_columns

SAMPLE_ROWS = 2_000
FAILING_ROWS = 500
ENV = "RAPPORT_LOAD_GX"

# Backends Great Expectations imports whenever they are installed, though a load only ever
# validates a pandas DataFrame; the test extras install them (pyspark alone is about 1 s).
UNUSED_BACKENDS = ("pyspark", "py4j", "snowflake", "databricks", "trino", "sqlalchemy_bigquery",
                   "google.cloud", "google.api_core", "google.auth", "google.oauth2")
# Modules one GX expectation (KL divergence, which a load never runs) imports at module level:
# about a third of GX's import. The load's import leaves them unexecuted until first used.
DEFERRED = ("altair", "scipy.stats")

# How much lower than the loader the worker runs (os.nice): it gets a core when one is idle.
NICENESS = 10
# The current load's worker, or why it could not be started; set by `validating`.
_worker: contextvars.ContextVar[gx_worker.Worker | Exception | None] = contextvars.ContextVar(
    "rapport_gx_worker", default=None)
_PENDING = "_gx_pending"  # attribute of the load's summary holding its running validations


@dataclass
class _Pending:
    table: str
    checks: list[Check]
    sample_rows: int
    sql_counts: dict[str, int | str]  # filled when the worker is done
    answer: Callable[[], tuple[dict[str, int | str], list[Verdict]]]  # waits for the worker
    started: float


def enabled() -> bool:
    """Whether loads validate their sample with Great Expectations (RAPPORT_LOAD_GX, default on)."""
    value = os.environ.get(ENV, "sample").strip().lower()
    return value not in ("off", "0", "false", "no")


class _LoadImports(importlib.abc.MetaPathFinder):
    """For the worker process: UNUSED_BACKENDS unimportable, DEFERRED lazy.

    A DEFERRED module is the real one, loaded by `importlib.util.LazyLoader`: its code runs
    when an attribute of it is first read, by whichever code reads it.
    """

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if any(name == b or name.startswith(b + ".") for b in UNUSED_BACKENDS):
            raise ModuleNotFoundError(f"{name} is not used to validate at load", name=name)
        if name in DEFERRED:
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            if spec is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = importlib.util.LazyLoader(spec.loader)
            return spec
        return None


def start_worker() -> None:
    """The worker process's start: lower its priority, then import pandas and GX.

    GX's optional backends (Spark, BigQuery, Snowflake, Trino) are left out for the whole
    process: GX then sees them as not installed, which they need not be to validate a
    DataFrame. The DEFERRED modules are imported lazily.
    """
    try:
        os.nice(NICENESS)
    except (OSError, AttributeError):  # not allowed, or no os.nice: the loader's priority
        pass
    sys.meta_path.insert(0, _LoadImports())
    try:
        import pandas  # noqa: F401

        import_gx()
    except Exception:  # noqa: BLE001 - the validation imports it again and reports the error
        pass


@contextlib.contextmanager
def validating() -> Iterator[None]:
    """The GX worker of the load inside: started now when loads use Great Expectations, so that
    it imports GX (and pandas) while the load stages its first files; ended after it (the load
    has read every answer by then), so that no idle worker holds its memory. Each load, and
    each thread's load, has its own."""
    if not enabled():
        yield
        return
    try:
        worker: gx_worker.Worker | Exception = gx_worker.Worker()
    except Exception as exc:  # noqa: BLE001 - the load goes on; its samples say why GX did not run
        worker = exc
    token = _worker.set(worker)
    try:
        yield
    finally:
        _worker.reset(token)
        if isinstance(worker, gx_worker.Worker):
            worker.close()


def no_more_samples() -> None:
    """The load has handed over its last sample: its worker ends once it has answered them."""
    worker = _worker.get()
    if isinstance(worker, gx_worker.Worker):
        worker.end_input()


def load_checks(table: str) -> list[Check]:
    """The checks of a table's suite that a load can judge on its own records."""
    return [c for c in suite(table) if c.scope in (RECORD, LOAD)]


def _sample(dcon: Any, table: str) -> Any:
    """The sampled staged records of `table` as an Arrow table (one fixed, read-only query)."""
    columns = ", ".join(f'"{c}"' for c in canonical_columns(table))
    return dcon.sql(f"""SELECT {columns}, _seq FROM checked_{table} WHERE _seq IN (
        SELECT _seq FROM (SELECT _seq FROM checked_{table} USING SAMPLE reservoir({SAMPLE_ROWS} ROWS)
                          REPEATABLE (7))
        UNION
        SELECT _seq FROM (SELECT _seq FROM checked_{table} WHERE _error IS NOT NULL
                          ORDER BY _seq LIMIT {FAILING_ROWS}))
        ORDER BY _seq""").to_arrow_table()


def sql_counts(sample: Any, checks: list[Check], now: datetime) -> dict[str, int | str]:
    """Failing records per check in an Arrow `sample`, by the SQL rendering of each check.

    Counted in a private in-memory DuckDB, so that a check whose SQL fails (it names a
    column the batch lacks) cannot abort the load's transaction; its count is the error text.
    """
    import duckdb

    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    counts: dict[str, int | str] = {}
    con = duckdb.connect()
    try:
        con.register("sample", sample)
        for check in checks:
            query = check.expect.failing_count("sample").replace("{now}", stamp)
            try:
                counts[check.name] = con.execute(query).fetchall()[0][0]
            except duckdb.Error as exc:
                counts[check.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        con.close()
    return counts


def judge(sample: Any, checks: list[Check], now: datetime,
           table: str) -> tuple[dict[str, int | str], list[Verdict]]:
    """(the SQL counts, GX's verdicts) on one sample; runs in the worker process."""
    from pipelines.quality.gx_run import frame_for_gx, validate_frame

    counts = sql_counts(sample, checks, now)
    frame = frame_for_gx(sample.drop_columns(["_seq"]))
    return counts, validate_frame(frame, checks, now, name=table, index=list(NATURAL_KEYS[table]))


def start(dcon: Any, table: str, now: datetime, owner: object) -> None:
    """Sample the checked batch of `table`; count it in SQL and run GX on it in the background.

    Only the sample is taken here (it reads the load's open transaction); the rest runs in the
    worker process, off the loader's way.
    """
    if not enabled():
        return
    started = time.perf_counter()
    checks = load_checks(table)
    try:
        worker = _worker.get()
        if isinstance(worker, Exception):
            raise RuntimeError("the validating process could not be started "
                               f"({gx_worker.error_text(worker)})")
        if worker is None:
            raise RuntimeError("no Great Expectations worker: the load runs outside validating()")
        sample = _sample(dcon, table)
        answer = functools.partial(worker.result, worker.submit(sample, checks, now, table))
        rows = sample.num_rows
    except Exception as exc:  # noqa: BLE001 - stored as could_not_run by `finish`
        answer = functools.partial(_raise, exc)
        rows = 0
    if not hasattr(owner, _PENDING):
        setattr(owner, _PENDING, [])
    getattr(owner, _PENDING).append(_Pending(table, checks, rows, {}, answer, started))


def _raise(exc: Exception) -> Any:
    raise exc


PENDING_ERROR = "the load stopped before Great Expectations had validated the sample"


def placeholders(owner: object, make_check: Any) -> list[Any]:
    """A `could_not_run` `<table>.gx_suite` row per sample of `owner` still being validated."""
    return [make_check(check=f"{p.table}.gx_suite", severity=ERROR, status=COULD_NOT_RUN,
                       observed=0, offending=[],
                       details={"sample_rows": p.sample_rows, "error": PENDING_ERROR})
            for p in getattr(owner, _PENDING, [])]


def finish(owner: object, make_check: Any) -> list[Any]:
    """Wait for GX on `owner`'s tables; annotate its checks and return the `<table>.gx_suite` rows.

    `make_check(check=, severity=, status=, observed=, offending=, details=)` builds the loader's
    check summary; existing summaries in `owner.checks` get GX's verdict in their details.
    """
    rows = []
    pendings = getattr(owner, _PENDING, [])
    if hasattr(owner, _PENDING):
        delattr(owner, _PENDING)
    for pending in pendings:
        try:
            pending.sql_counts, verdicts = pending.answer()
        except Exception as exc:  # noqa: BLE001 - stored as could_not_run, with why
            # A WorkerError's text names the worker's error, or why the worker is gone.
            error = (str(exc) if isinstance(exc, gx_worker.WorkerError)
                     else gx_worker.error_text(exc))
            verdicts = [Verdict(c.name, c.severity, COULD_NOT_RUN, error=error) for c in pending.checks]
        seconds = round(time.perf_counter() - pending.started, 3)
        by_name = {v.check: v for v in verdicts}
        for summary in getattr(owner, "checks", []):
            verdict = by_name.get(summary.check)
            if verdict is not None:
                summary.details = {**(summary.details or {}), "gx": _gx_details(verdict, pending)}
        rows.append(_suite_row(pending, verdicts, seconds, make_check))
    return rows


def _gx_details(verdict: Verdict, pending: _Pending) -> dict[str, Any]:
    details: dict[str, Any] = {"status": verdict.status, "sample_rows": pending.sample_rows}
    if verdict.status == COULD_NOT_RUN:
        details["error"] = verdict.error
    else:
        details["unexpected"] = verdict.unexpected
        details["sql_unexpected"] = pending.sql_counts.get(verdict.check)
        if verdict.offending:
            details["offending"] = verdict.offending
    return details


def _suite_row(pending: _Pending, verdicts: list[Verdict], seconds: float, make_check: Any) -> Any:
    crashed = {v.check: v.error for v in verdicts if v.status == COULD_NOT_RUN}
    crashed.update({name: f"SQL rendering: {count}" for name, count in pending.sql_counts.items()
                    if isinstance(count, str) and name not in crashed})
    disagree = [v.check for v in verdicts if v.check not in crashed
                and v.unexpected != pending.sql_counts.get(v.check)]
    details: dict[str, Any] = {"sample_rows": pending.sample_rows, "seconds": seconds,
                               "checks": len(pending.checks),
                               "gx_failed": [v.check for v in verdicts if v.status == FAILED]}
    if crashed:
        details["errors"] = crashed
        status, names = COULD_NOT_RUN, sorted(crashed)
    elif disagree:
        details["disagreements"] = {n: {"gx": next(v.unexpected for v in verdicts if v.check == n),
                                        "sql": pending.sql_counts.get(n)} for n in disagree}
        status, names = FAILED, disagree
    else:
        status, names = PASSED, []
    return make_check(check=f"{pending.table}.gx_suite", severity=ERROR, status=status,
                      observed=len(names), offending=names, details=details)
