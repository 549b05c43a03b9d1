"""Fixtures for the dashboard tests: a demo warehouse loaded the way a user loads one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import warehouse as wh

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
PAGES = ["views/weekly.py", "views/relationships.py", "views/roi.py", "views/quality.py",
         "views/sources.py"]


def build_demo(folder: Path) -> str:
    """Write the demo CSVs and load them with the real loader into a DuckDB file."""
    from pipelines.demo import write_demo
    from pipelines.load import load_paths

    csvs = folder / "csv"
    csvs.mkdir(parents=True)
    write_demo(csvs)
    url = f"duckdb:///{folder / 'demo.duckdb'}"
    summaries = load_paths([csvs], url)
    assert [s.status for s in summaries] == ["loaded"] * len(summaries), summaries
    return url


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo warehouse, shared by a module's read-only tests."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_copy(demo_url: str, tmp_path: Path) -> str:
    """A private copy of the demo warehouse for a test that writes."""
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(wh.duckdb_path(demo_url), target)
    return f"duckdb:///{target}"


def open_app(url: str, monkeypatch: pytest.MonkeyPatch, page: str | None = None,
             params: dict[str, str] | None = None) -> AppTest:
    """Run the dashboard against `url` (optionally on a page, with URL query parameters)."""
    monkeypatch.setenv("RAPPORT_DB_URL", url)
    monkeypatch.delenv("RAPPORT_TZ", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def shown_errors(at: AppTest) -> list[str]:
    """Exceptions and error messages on the page, as text."""
    return [e.value for e in at.exception] + [e.value for e in at.error]
