"""Crashed is not failed: real Great Expectations errors become `could_not_run`, with the error."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pandas as pd
import pytest

from pipelines.quality.checks import InSet, KnownIn, Matches, NeverNegative, NotNull, error, warning
from pipelines.quality.gx_run import _errors, validate_frame

NOW = datetime(2026, 11, 20)
FRAME = pd.DataFrame({"kind": ["post", "wave", None], "actor_id": ["x:a", "x:b", "x:c"]})


def test_a_passing_and_a_failing_check_are_told_apart() -> None:
    verdicts = validate_frame(FRAME, [error("t.kind_present", "kind is present", NotNull("kind")),
                                      error("t.actor_present", "actor is present", NotNull("actor_id"))],
                              NOW, name="told_apart")
    assert [(v.check, v.status, v.unexpected) for v in verdicts] == [
        ("t.kind_present", "failed", 1), ("t.actor_present", "passed", 0)]


def test_an_expectation_on_a_missing_column_could_not_run() -> None:
    checks = [error("t.kind_is_canonical", "kind is canonical", InSet("kind", ("post",))),
              error("t.thread_present", "thread is present", NotNull("thread_id"))]
    verdicts = {v.check: v for v in validate_frame(FRAME, checks, NOW, name="missing_column")}
    crashed = verdicts["t.thread_present"]
    assert crashed.status == "could_not_run"
    assert "thread_id" in crashed.error and "does not exist" in crashed.error
    # The crash does not hide or spoil the verdict of the others.
    assert (verdicts["t.kind_is_canonical"].status, verdicts["t.kind_is_canonical"].unexpected) == ("failed", 1)


def test_a_suite_parameter_that_was_not_given_could_not_run() -> None:
    check = warning("t.actor_in_people", "actors exist in people",
                    KnownIn("actor_id", "people", "person_id", "person_ids"))
    (verdict,) = validate_frame(FRAME, [check], NOW, name="no_parameter")
    assert verdict.status == "could_not_run" and verdict.error


def test_a_batch_that_cannot_be_read_could_not_run_for_every_check() -> None:
    checks = [error("t.kind_present", "kind is present", NotNull("kind")),
              error("t.actor_present", "actor is present", NotNull("actor_id"))]
    verdicts = validate_frame("not a DataFrame", checks, NOW, name="unreadable")
    assert [v.status for v in verdicts] == ["could_not_run", "could_not_run"]
    assert all(v.error for v in verdicts)


@pytest.mark.parametrize("check,message", [
    (error("t.n_not_negative", "n is never negative", NeverNegative("n")), "same type"),
    (error("t.kind_matches", "kind matches", Matches("kind", "[")), "regular expression"),
    (error("t.kind_is_canonical", "kind is canonical", InSet("kind", None)), "NoneType"),  # type: ignore[arg-type]
], ids=["a count stored as text", "an invalid pattern", "an expectation that cannot be built"])
def test_an_expectation_that_raises_could_not_run(check: object, message: str) -> None:
    frame = pd.DataFrame({"kind": ["post", "wave"], "n": ["1", "x"]})
    (verdict,) = validate_frame(frame, [check], NOW, name="raises")
    assert verdict.status == "could_not_run"
    assert message in verdict.error


@pytest.mark.parametrize("info,expected", [
    (None, []),
    ({"raised_exception": False, "exception_message": None}, []),
    ({"raised_exception": True, "exception_message": "boom"}, ["boom"]),
    ({"MetricConfigurationID(...)": {"raised_exception": True, "exception_message": "deep"}}, ["deep"]),
])
def test_exception_info_in_either_shape_is_read(info: object, expected: list[str]) -> None:
    assert _errors(info) == expected


def test_commands_that_do_not_validate_do_not_import_great_expectations() -> None:
    code = ("import sys, pipelines.cli, pipelines.load, pipelines.rules, pipelines.quality.cli, "
            "pipelines.quality.api, pipelines.quality.runner; "
            "sys.exit(1 if 'great_expectations' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
