"""What a warehouse holds, as comparable values: the reliability tests' notion of "state"."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from pipelines.warehouse import CANONICAL_TABLES, make_engine, metadata, query

# Columns that differ between two loads of the same data by design.
VOLATILE = {"load_id", "quarantine_id", "quarantined_at"}


def _rows(conn: sa.Connection, table: str) -> Counter:
    columns = [c for c in metadata.tables[table].columns if c.name not in VOLATILE]
    rows = conn.execute(sa.select(*columns)).all()
    return Counter(tuple(r) for r in rows)


def canonical_state(url: str) -> dict[str, Counter]:
    """Every canonical table's full contents (minus load_id), as multisets of rows."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return {t: _rows(conn, t) for t in CANONICAL_TABLES}
    finally:
        engine.dispose()


def quarantine_state(url: str) -> set[tuple]:
    """Distinct quarantined records (file, line, table, reason, raw)."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return set(_rows(conn, "quarantine"))
    finally:
        engine.dispose()


def orphans(url: str) -> int:
    """Canonical rows whose load is not recorded as loaded (a half-finished load shown as done)."""
    total = 0
    for table in CANONICAL_TABLES:
        total += query(url, f"""SELECT count(*) FROM {table} t WHERE t.load_id IS NULL OR NOT EXISTS
            (SELECT 1 FROM loads l WHERE l.load_id = t.load_id AND l.status = 'loaded')""")[0][0]
    return total
