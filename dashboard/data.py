"""Cached access to the warehouse for the pages, keyed on a cheap data version, and plain errors."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboard import queries

log = logging.getLogger("rapport.dashboard")
TTL_SECONDS = 600
BUSY_WAIT_SECONDS = 5.0


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file (a load is writing)."""


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return any(sign in text for sign in ("Could not set lock", "Conflicting lock",
                                         "different configuration"))


def retry_busy(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call fn, retrying for a few seconds while a writer holds the DuckDB file."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(str(exc)) from exc
            time.sleep(0.25)


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def explain(exc: BaseException, url: str, doing: str) -> str:
    """A message that says what went wrong and what to do, never a traceback."""
    if type(exc).__name__ == "LoaderBusy":
        return (f"Another load is writing to this warehouse, so {doing} has to wait. "
                "Try again in a moment.")
    if isinstance(exc, WarehouseBusy) or _is_lock_error(exc):
        return (f"The warehouse is busy while {doing}: another process (probably a load) is "
                "writing to it. Wait a few seconds and reload the page.")
    text = str(exc)
    if isinstance(exc, sa.exc.OperationalError) and ("connect" in text.lower() or "refused" in text):
        return (f"Cannot reach the warehouse at {safe_url(url)} while {doing}. Check that the "
                "database is running and that RAPPORT_DB_URL (or --db) points to it.")
    if isinstance(exc, (sa.exc.ProgrammingError, sa.exc.OperationalError)) and (
            "does not exist" in text or "no such table" in text or "not found" in text.lower()):
        return (f"The warehouse at {safe_url(url)} does not have rapport's tables, or they are "
                f"from another version, so {doing} failed. Load data with `rapport load PATH` "
                "or start the demo with `rapport demo`.")
    if isinstance(exc, ValueError) and text:
        return f"{doing[:1].upper()}{doing[1:]} failed: {text}"
    return (f"Something went wrong while {doing}. The details are in the dashboard's log "
            "(the terminal running `rapport dashboard`); please report them if this persists.")


def report_error(exc: BaseException, url: str, doing: str) -> None:
    """Log the traceback for the operator and show the user what to do."""
    log.error("dashboard error while %s", doing, exc_info=exc)
    st.error(explain(exc, url, doing), icon=":material/error:")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def _cached(module: str, name: str, url: str, version: tuple, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(import_module(module), name)
    return retry_busy(fn, url, *args, **dict(kwargs))


def cached(fn: Callable[..., Any], url: str, version: tuple, *args: Any, **kwargs: Any) -> Any:
    """fn(url, *args, **kwargs), cached until the data version changes (or ten minutes pass)."""
    return _cached(fn.__module__, fn.__name__, url, version, args, tuple(sorted(kwargs.items())))


def version(url: str) -> tuple:
    """The current data version (uncached: it is what invalidates the cache)."""
    return retry_busy(queries.data_version, url)


@st.cache_resource(show_spinner=False)
def prepared(url: str) -> bool:
    """Create the canonical tables once per warehouse and process."""
    retry_busy(queries.ensure_schema, url)
    return True


@st.cache_data(show_spinner=False)
def catalog() -> pd.DataFrame:
    """The metric catalog as a table: name, label, family, unit, fmt, direction, description,
    definition, and the outcome a context metric is mistaken for."""
    from metrics import api

    return pd.DataFrame([{
        "name": m.name, "label": m.label, "family": m.family, "unit": m.unit, "fmt": m.fmt,
        "direction": m.direction, "description": m.description, "definition": m.definition,
        "mistaken_for": m.mistaken_for,
    } for m in api.catalog()])


TREND_WEEKS = 12


def metric_results(view: Any, weeks: int = TREND_WEEKS, platform: str | None | bool = True) -> pd.DataFrame:
    """Every metric for the `weeks` weeks ending with the view's week (the view's platform
    unless another one is given)."""
    from metrics import api

    chosen = view.platform if platform is True else platform
    return cached(api.compute, view.url, view.version, view.week, weeks=weeks,
                  platform=chosen, account=view.account, tz=view.tz)
