"""Shared fixtures: real engines (a DuckDB file, a PostgreSQL database, a SQLite file)."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import warehouse

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Great Expectations' sample check at load adds a fixed ~6 s per load (mostly its import); the
# tests of that step turn it on themselves (tests/quality/test_load_quality.py).
os.environ.setdefault("RAPPORT_LOAD_GX", "off")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parents[1]
REALDATA = (REPO.parent / "shared" / "realdata").resolve()
# The admin URL of a PostgreSQL server where the test role may create databases.
PG_ADMIN_URL = os.environ.get(
    "RAPPORT_TEST_PG_URL", "postgresql+psycopg://rapport:rapport@127.0.0.1:5432/postgres"
)
CHROMIUM = Path("/usr/bin/chromium")


def end_export(url: str, platform: str, at) -> str | None:
    """Delete the platform's interactions from `at` (naive UTC) on, as if its export ended
    there; returns one of our accounts on that platform."""
    w = warehouse
    engine = w.make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.delete(w.interactions).where(w.interactions.c.platform == platform,
                                                         w.interactions.c.occurred_at >= at))
            return conn.execute(sa.select(w.people.c.person_id).where(
                w.people.c.platform == platform, w.people.c.is_ours.is_(True))).scalars().first()
    finally:
        engine.dispose()


def expected_provisional(url: str, week: str, platform: str | None = None) -> dict[str, str]:
    """metric → its provisional note for the week, against each platform's latest interaction
    (what the dashboard and the report should show)."""
    from dashboard.queries import latest_by_platform
    from metrics import provisional

    return provisional.notes(week, provisional.reference(latest_by_platform(url, platform), week))


def need(condition: bool, reason: str) -> None:
    """Skip outside CI when a real part is missing; fail inside CI, where it must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata() -> Path:
    need(REALDATA.is_dir(), f"real exports not found at {REALDATA}")
    return REALDATA


def _postgres_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, poolclass=sa.pool.NullPool)
        with engine.connect():
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    need(_postgres_reachable(), f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"rapport_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def duckdb_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


ENGINES = ["duckdb", "postgresql", "sqlite"]


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path: Path) -> str:
    """The same test on every engine rapport supports out of the box."""
    if request.param == "duckdb":
        return request.getfixturevalue("duckdb_url")
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def chromium() -> Path:
    need(CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None,
         "Debian chromium not installed (apt-get install chromium)")
    return CHROMIUM
