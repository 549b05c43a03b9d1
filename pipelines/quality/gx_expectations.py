"""Domain expectations for Great Expectations: named subclasses with a description.

Imported only when a validation runs (importing Great Expectations takes seconds). Most are
built-in expectations given a domain name and defaults; `ExpectAfterPlatformLaunch` is a new
column-pair expectation, because the earliest plausible time depends on the record's platform.
"""
from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from typing import Any, ClassVar, Dict, Tuple, Union  # noqa: E402

import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.execution_engine import PandasExecutionEngine  # noqa: E402
from great_expectations.expectations.expectation import ColumnPairMapExpectation  # noqa: E402
from great_expectations.expectations.metrics.map_metric_provider import (  # noqa: E402
    ColumnPairMapMetricProvider, column_pair_condition_partial,
)


class ExpectCountsNeverNegative(gxe.ExpectColumnValuesToBeBetween):
    """A count (followers, impressions, hours, a referral's value) is never negative."""

    min_value: Union[float, int, None] = 0
    description: Union[str, None] = "counts are never negative"


class ExpectNotInFuture(gxe.ExpectColumnValuesToBeBetween):
    """A time is not after the load's clock plus a day's tolerance (`max_value`)."""

    description: Union[str, None] = "times are not in the future (a day of tolerance)"


class ExpectCanonicalIds(gxe.ExpectColumnValuesToMatchRegex):
    """An id looks like `<platform>:<native id>`."""

    description: Union[str, None] = "ids look like <platform>:<native id>"


class ExpectRepliesToHaveThread(gxe.ExpectColumnValuesToNotBeNull):
    """A reply or comment belongs to a thread (its `row_condition` selects the replies)."""

    description: Union[str, None] = "a reply has a thread"


class ExpectKnownIds(gxe.ExpectColumnValuesToBeInSet):
    """An id refers to a record that exists (its value set is a suite parameter)."""

    description: Union[str, None] = "ids exist in the table they refer to"


class ColumnPairValuesAfterPlatformLaunch(ColumnPairMapMetricProvider):
    """Per record: is column_A (a time) on or after the launch of column_B (its platform)?"""

    condition_metric_name = "column_pair_values.after_platform_launch"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "row_condition",
                             "condition_parser", "ignore_row_if")
    condition_value_keys = ("launches", "earliest")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        launches = {p: pd.Timestamp(d) for p, d in kwargs["launches"].items()}
        earliest = pd.Timestamp(kwargs["earliest"])
        launch = column_B.map(launches).fillna(earliest)
        times = pd.to_datetime(column_A)
        # As SQL: an empty time is not judged here (presence is its own check).
        return times.isna() | (times >= pd.to_datetime(launch))


class ExpectAfterPlatformLaunch(ColumnPairMapExpectation):
    """A time is not before 2000 nor before its platform existed."""

    column_A: str
    column_B: str = "platform"
    launches: Dict[str, str]
    earliest: str
    ignore_row_if: str = "neither"
    description: Union[str, None] = "times are not before their platform existed"

    map_metric: ClassVar[str] = "column_pair_values.after_platform_launch"
    success_keys: ClassVar[Tuple[str, ...]] = ("column_A", "column_B", "launches", "earliest",
                                               "ignore_row_if", "mostly")
    args_keys: ClassVar[Tuple[str, ...]] = ("column_A", "column_B")
