"""Fixtures of the reliability tests: a warehouse that already holds a good export."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipelines.load import load_paths
from tests.reliability.hostile import baseline_export
from tests.reliability.state import canonical_state


@pytest.fixture(scope="session")
def baseline_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB warehouse file holding the baseline export (copy it before writing)."""
    folder = tmp_path_factory.mktemp("baseline")
    db = folder / "baseline.duckdb"
    summaries = load_paths([baseline_export(folder / "export")], f"duckdb:///{db}")
    assert {s.status for s in summaries} == {"loaded"}
    return db


@pytest.fixture(scope="session")
def baseline(baseline_db: Path) -> dict[str, Counter]:
    return canonical_state(f"duckdb:///{baseline_db}")
