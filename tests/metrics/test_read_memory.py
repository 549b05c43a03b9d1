"""RAPPORT_READ_MEMORY bounds DuckDB's memory on the connections that read a warehouse file.

Unbounded (the default), DuckDB may use most of the machine's memory for a large catalog; a
bound makes it spill to disk beside the file instead, slower and with the same answers.
"""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from metrics.api import compute_records
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


def _limit(url: str) -> float:
    with warehouse.read_connection(url) as conn:
        return _bytes(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar())


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('read-memory') / 'warehouse.duckdb'}"
    generate(url, 20_000, people=500)
    return url


@pytest.mark.parametrize("value", ["1G", "1.5GB", "512MiB", "2 GB", "50%"])
def test_every_size_duckdb_understands_is_taken(filled, monkeypatch, value):
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, value)
    assert _limit(filled) > 0
    monkeypatch.setenv("RAPPORT_LOAD_MEMORY", value)
    assert load_memory() == value


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


def test_a_bounded_catalog_gives_the_same_answers(filled, monkeypatch):
    monkeypatch.delenv(warehouse.READ_MEMORY_ENV, raising=False)
    free = compute_records(filled, "2026-W20", 26, None, None)
    monkeypatch.setenv(warehouse.READ_MEMORY_ENV, "200MB")
    bounded = compute_records(filled, "2026-W20", 26, None, None)
    assert bounded == free
    assert any(r["value"] for r in free)  # the warehouse has something to compute


@pytest.mark.parametrize("value", ["lots", "2 gigabytes", "-1GB", "1GB; PRAGMA x", "1Gi", "%"])
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
