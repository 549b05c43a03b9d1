"""RAPPORT_READ_MEMORY bounds DuckDB's memory on the connections that read a warehouse file.

Unbounded (the default), DuckDB may use most of the machine's memory for a large catalog; a
bound makes it spill to disk beside the file instead, slower and with the same answers.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from metrics.api import compute_records
from metrics.cli import out_of_memory
from metrics.synthetic import generate
from pipelines import warehouse
from pipelines.cli import app
from pipelines.load import load_memory
from pipelines.sources.base import SourceError

UNITS = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
         "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def _bytes(setting: str) -> float:
    """DuckDB's own text for a size, like "286.1 MiB", in bytes."""
    number, unit = re.fullmatch(r"([\d.]+)\s*(\w+)", setting.strip()).groups()
    return float(number) * UNITS[unit]


def _shows(setting: str, expected: float) -> bool:
    """Whether DuckDB's text for a size is `expected` bytes, to the one decimal it shows."""
    unit = re.fullmatch(r"[\d.]+\s*(\w+)", setting.strip()).group(1)
    return abs(_bytes(setting) - expected) < 0.1 * UNITS[unit]


def _limit(url: str) -> float:
    with warehouse.read_connection(url) as conn:
        return _bytes(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar())


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('read-memory') / 'warehouse.duckdb'}"
    generate(url, 20_000, people=500)
    return url


MACHINE = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@pytest.mark.parametrize("value, expected", [
    ("1G", 1e9), ("1.5GB", 1.5e9), ("512MiB", 512 * 2**20), ("2 GB", 2e9), ("300mb", 300e6),
    ("50%", MACHINE / 2),
])
def test_every_size_duckdb_understands_is_taken_as_meant(filled, monkeypatch, value, expected):
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, value)
    with warehouse.read_connection(filled) as conn:
        assert _shows(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar(),
                      expected)
    monkeypatch.setenv("RAPPORT_LOAD_MEMORY", value)
    assert load_memory() == value
    with duckdb.connect() as con:  # the loader's own connection takes it as well
        con.execute(f"SET memory_limit = '{load_memory()}'")
        assert _shows(con.execute("SELECT current_setting('memory_limit')").fetchone()[0],
                      expected)


def test_a_read_connection_takes_the_bound_and_only_when_asked(filled, monkeypatch):
    monkeypatch.delenv(warehouse.READ_MEMORY_ENV, raising=False)
    unbounded = _limit(filled)
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, "300MB")
    assert _limit(filled) == pytest.approx(300e6, rel=0.01)
    assert unbounded > 2 * 300e6  # DuckDB's own default is a share of the machine's memory
    # A connection that writes (a load, `rapport team`) keeps its own settings.
    engine = warehouse.make_engine(filled)
    try:
        with engine.connect() as conn:
            written = conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar()
    finally:
        engine.dispose()
    assert _bytes(written) == pytest.approx(unbounded, rel=0.01)


def test_a_bounded_reader_spills_to_its_own_folder_not_beside_the_warehouse(
        filled, monkeypatch, tmp_path):
    """A reader may have no right to write beside the warehouse (a read-only role, a shared
    folder): a bounded catalog still computes, with the same answers, from a folder it cannot
    write to, and its spill folder is this process's own under the temporary directory."""
    shutil.copytree(Path(warehouse.duckdb_path(filled)).parent, tmp_path / "shared")
    url = f"duckdb:///{tmp_path / 'shared' / 'warehouse.duckdb'}"
    monkeypatch.delenv(warehouse.READ_MEMORY_ENV, raising=False)
    free = compute_records(url, "2026-W20", 26, None, None)
    assert any(r["value"] for r in free)  # the warehouse has something to compute
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, "200MB")
    (tmp_path / "shared").chmod(0o555)
    try:
        assert compute_records(url, "2026-W20", 26, None, None) == free
        with warehouse.read_connection(url) as conn:
            spill = conn.exec_driver_sql("SELECT current_setting('temp_directory')").scalar()
    finally:
        (tmp_path / "shared").chmod(0o755)
    assert Path(spill) == Path(tempfile.gettempdir()) / f"rapport-spill-{os.getpid()}"
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["warehouse.duckdb"]


@pytest.mark.parametrize("value", ["lots", "2 gigabytes", "-1GB", "1GB; PRAGMA x", "1Gi", "%", "0GB", "0%", "150%", "١GB"])
def test_a_size_that_is_not_one_is_refused_naming_the_variable(filled, monkeypatch, value):
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, value)
    result = CliRunner().invoke(app, ["metrics", "--week", "2026-W20", "--db", filled])
    assert result.exit_code == 2
    assert f"RAPPORT_READ_MEMORY={value!r}: expected a size like 2GB" in result.stderr
    monkeypatch.setenv("RAPPORT_LOAD_MEMORY", value)
    with pytest.raises(SourceError, match="RAPPORT_LOAD_MEMORY="):
        load_memory()


def test_a_bound_too_small_for_the_catalog_says_so_instead_of_a_traceback(filled, monkeypatch):
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, "16MB")
    result = CliRunner().invoke(app, ["metrics", "--week", "2026-W20", "--weeks", "52",
                                      "--db", filled])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == ("error: DuckDB ran out of memory computing the metrics: "
                                     "raise RAPPORT_READ_MEMORY (it is 16MB) or unset it")


def test_without_a_bound_the_advice_is_to_set_one(monkeypatch):
    """DuckDB's own advice for running out of memory: a lower limit, so that it spills."""
    monkeypatch.delenv(warehouse.READ_MEMORY_ENV, raising=False)
    exc = sa.exc.OperationalError("SELECT 1", {}, duckdb.OutOfMemoryException("out of memory"))
    assert out_of_memory(exc) == ("DuckDB ran out of memory computing the metrics: set "
                                  "RAPPORT_READ_MEMORY (like 2GB) so that it spills to disk "
                                  "instead")
    assert out_of_memory(sa.exc.OperationalError("SELECT 1", {}, duckdb.IOException("disk"))) \
        is None
