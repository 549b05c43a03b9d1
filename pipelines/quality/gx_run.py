"""Run the suites with Great Expectations on a pandas DataFrame, and read its verdicts honestly.

A crashed expectation is not a failed one: GX records an exception in a result's
`exception_info` (and reports `success=False`) instead of raising. Every such result, every
expectation GX could not even build, and a validation that raised, becomes a verdict with
status `could_not_run` and the error, never `passed` and never `failed`.

Great Expectations is imported here, lazily, when something is first validated: the commands
that never validate do not pay for its import.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.quality.checks import Check

PASSED, FAILED, COULD_NOT_RUN = "passed", "failed", "could_not_run"
MAX_OFFENDING = 20

_context: dict[str, Any] = {}


@dataclass
class Verdict:
    """What Great Expectations said about one check on one batch."""

    check: str
    severity: str
    status: str  # passed | failed | could_not_run
    unexpected: int | None = None
    rows: int = 0
    offending: list[str] = field(default_factory=list)
    error: str | None = None


def import_gx() -> None:
    """Import Great Expectations (with analytics off) and rapport's own expectations."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401

    from pipelines.quality import gx_expectations  # noqa: F401


def _batch_definition(name: str) -> Any:
    """A whole-DataFrame batch definition on a cached ephemeral context (nothing on disk)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if "context" not in _context:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _context["context"] = context
        _context["source"] = context.data_sources.add_pandas("rapport")
        _context["assets"] = {}
    assets = _context["assets"]
    if name not in assets:
        asset = _context["source"].add_dataframe_asset(name)
        assets[name] = asset.add_batch_definition_whole_dataframe(f"{name}-batch")
    return assets[name]


def _errors(info: Any) -> list[str]:
    """Error messages in an `exception_info` (flat, or keyed by metric), if any was raised."""
    if not isinstance(info, dict):
        return []
    if info.get("raised_exception"):
        return [str(info.get("exception_message") or "an exception was raised")]
    return [m for value in info.values() for m in _errors(value)]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def gx_expectations(checks: list[Check], now: datetime) -> tuple[list[Any], list[Verdict]]:
    """(GX expectations, verdicts for checks GX could not even build)."""
    built, broken = [], []
    for check in checks:
        try:
            built.append(check.expect.gx(check, now))
        except Exception as exc:  # an expectation GX rejects cannot run
            broken.append(Verdict(check.name, check.severity, COULD_NOT_RUN,
                                  error=f"{type(exc).__name__}: {_short(exc)}"))
    return built, broken


def validate_frame(frame: Any, checks: list[Check], now: datetime, *, name: str = "batch",
                   parameters: dict[str, Any] | None = None, index: list[str] | None = None,
                   complete: bool = False) -> list[Verdict]:
    """Validate a DataFrame against `checks` with Great Expectations; one verdict per check.

    With `index`, a verdict's `offending` names failing records by those columns (else by
    their values); up to MAX_OFFENDING of them, or all with `complete`.
    """
    import_gx()
    import great_expectations as gx

    expectations, verdicts = gx_expectations(checks, now)
    by_name = {c.name: c for c in checks}
    try:
        suite = gx.ExpectationSuite(name=f"rapport.{name}", expectations=expectations)
        batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": frame})
        result_format: dict[str, Any] = {"result_format": "COMPLETE" if complete else "BASIC",
                                         "partial_unexpected_count": MAX_OFFENDING}
        if index:
            result_format.update(result_format="COMPLETE" if complete else "SUMMARY",
                                 unexpected_index_column_names=list(index))
        result = batch.validate(suite, result_format=result_format,
                                expectation_parameters=parameters or {})
    except Exception as exc:
        error = f"{type(exc).__name__}: {_short(exc)}"
        return verdicts + [Verdict(e.meta["check"], by_name[e.meta["check"]].severity,
                                   COULD_NOT_RUN, error=error) for e in expectations]
    seen = {v.check for v in verdicts}
    for res in result.results:
        check = by_name[res.expectation_config.meta["check"]]
        seen.add(check.name)
        verdicts.append(_verdict(check, res, len(frame), index, complete))
    for check in checks:
        if check.name not in seen:
            verdicts.append(Verdict(check.name, check.severity, COULD_NOT_RUN, rows=len(frame),
                                    error="Great Expectations returned no result for it"))
    order = {c.name: i for i, c in enumerate(checks)}
    return sorted(verdicts, key=lambda v: order[v.check])


def _verdict(check: Check, res: Any, rows: int, index: list[str] | None = None,
             complete: bool = False) -> Verdict:
    errors = _errors(res.exception_info)
    if errors:
        return Verdict(check.name, check.severity, COULD_NOT_RUN, rows=rows,
                       error="; ".join(sorted(set(errors))))
    info = res.result or {}
    unexpected = info.get("unexpected_count")
    if index:
        found = info.get("unexpected_index_list" if complete else "partial_unexpected_index_list")
        offending = [" ".join(str(item.get(c)) for c in index) for item in found or []]
    else:
        offending = [_short(v) for v in (info.get("partial_unexpected_list") or [])]
    offending = offending if complete else offending[:MAX_OFFENDING]
    return Verdict(check.name, check.severity, PASSED if res.success else FAILED,
                   unexpected=unexpected, rows=rows, offending=offending)


def frame_for_gx(frame: Any) -> Any:
    """A DataFrame of staged records (Arrow or pandas) whose dates and times compare with GX bounds.

    Dates and times become datetime64[ns], which Great Expectations compares with datetimes.
    """
    import pandas as pd

    out = frame.to_pandas() if hasattr(frame, "to_pandas") else frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            out[name] = column.astype("datetime64[ns]")
        elif column.dtype == object and len(column.dropna()) and all(
                type(v).__name__ == "date" for v in column.dropna().head(50)):
            out[name] = pd.to_datetime(column).astype("datetime64[ns]")
    return out
