"""Record-level rules applied to every load, as data: name, table, severity, SQL.

The rules are the record-scope checks of the expectation suites (`pipelines.quality.suites`),
rendered as DuckDB predicates; the same checks build the Great Expectations suites.

An **error** makes a record unusable: it goes to quarantine with the rule's name. A
**warning** marks data that still loads. Each rule's `bad` is a DuckDB SQL predicate over the
typed staging columns of its table (see `pipelines.stage`); it is TRUE for a failing record.
`{now}` is replaced with the load's clock (UTC, naive).
"""
from __future__ import annotations

from dataclasses import dataclass

from pipelines.quality.checks import (  # noqa: F401 (re-exported: the domain's dates and patterns)
    EARLIEST, ERROR, ID_PATTERN, PLATFORM_LAUNCH, PLATFORM_PATTERN, RECORD, WARNING,
)
from pipelines.quality.suites import all_checks


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    severity: str
    description: str
    bad: str  # DuckDB SQL predicate, TRUE when the record breaks the rule

    def sql(self, now: str) -> str:
        return self.bad.replace("{now}", now)


# Derived from the expectation suites (pipelines/quality/suites.py), the one place a check is
# defined: add or change a record check there, never here.
RULES: list[Rule] = [
    Rule(c.name, c.table, c.severity, c.description, c.expect.duckdb())
    for c in all_checks() if c.scope == RECORD
]


def rules_for(table: str, severity: str | None = None) -> list[Rule]:
    return [r for r in RULES if r.table == table and (severity is None or r.severity == severity)]
