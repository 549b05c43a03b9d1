"""One writer at a time, and readers never blocked: how a load reaches the warehouse.

The embedded DuckDB file allows one writer and blocks every other process while it writes. A
load therefore writes a copy of the file (`<db>.next`), checkpoints it and atomically renames it
over the live file; readers open short-lived read-only connections and see the old or the new
version, never a half-load. A killed load leaves the live file untouched. Other engines get
one transaction per file instead. Either way a lock file lets only one loader run at a time.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path
from typing import Iterator

import duckdb
import sqlalchemy as sa

from pipelines.warehouse import NO_PROGRESS_BAR, create_schema, duckdb_path, is_duckdb, \
    make_engine


class LoaderBusy(Exception):
    """Another load holds the warehouse."""


def lock_path(url: str) -> Path:
    if is_duckdb(url) and duckdb_path(url) != ":memory:":
        return Path(duckdb_path(url) + ".lock")
    name = sa.engine.make_url(url).render_as_string(hide_password=True)
    safe = "".join(ch if ch.isalnum() else "_" for ch in name)[:120]
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"rapport-{safe}.lock"


@contextlib.contextmanager
def loader_lock(url: str) -> Iterator[None]:
    """Hold the one-loader lock for `url`, or raise LoaderBusy naming the holder."""
    path = lock_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LoaderBusy(f"another load is writing this warehouse ({holder}); "
                             "wait for it to finish and run the command again") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _checkpoint_in_place(path: Path) -> None:
    """Fold a write-ahead log left by a killed writer into the file before copying it."""
    wal = Path(str(path) + ".wal")
    if not wal.exists():
        return
    for attempt in range(50):
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException:
            time.sleep(0.1 * (attempt + 1))
            continue
        try:
            con.execute(NO_PROGRESS_BAR)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return
    raise LoaderBusy(f"{path} is held open for writing by another process")


@contextlib.contextmanager
def writable(url: str) -> Iterator[str]:
    """Yield the URL to write this load to; publish it when the block ends without error."""
    with loader_lock(url):
        if not is_duckdb(url) or duckdb_path(url) == ":memory:":
            create_schema(make_engine(url))
            yield url
            return
        live = Path(duckdb_path(url)).resolve()
        live.parent.mkdir(parents=True, exist_ok=True)
        nxt = live.with_name(live.name + ".next")
        for leftover in (nxt, Path(str(nxt) + ".wal")):
            leftover.unlink(missing_ok=True)
        if live.exists():
            _checkpoint_in_place(live)
            shutil.copyfile(live, nxt)
        next_url = f"duckdb:///{nxt}"
        engine = make_engine(next_url)
        create_schema(engine)
        try:
            yield next_url
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")
            engine.dispose()
            os.replace(nxt, live)
            _fsync_dir(live.parent)
        finally:
            engine.dispose()
            for leftover in (nxt, Path(str(nxt) + ".wal")):
                leftover.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_warehouse(url: str) -> None:
    """Create an empty warehouse (published like a load) when there is none yet."""
    if is_duckdb(url) and duckdb_path(url) != ":memory:" and Path(duckdb_path(url)).exists():
        return
    with writable(url):
        pass
