"""Loading canonical CSVs with injected bad records: what loads, what is quarantined, what is said."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines import warehouse
from pipelines.load import load_paths
from pipelines.quality import suites
from pipelines.quality.checks import NotNull, error

NOW = datetime(2026, 11, 20, 12, 0)


@pytest.fixture(autouse=True)
def great_expectations_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the load-time check, Great Expectations included."""
    monkeypatch.setenv("RAPPORT_LOAD_GX", "sample")
PEOPLE = """person_id,platform,handle,display_name,is_ours
x:acme,x,acme,Acme,true
x:bea,x,bea,Bea,false
"""
INTERACTIONS = """interaction_id,platform,occurred_at,actor_id,target_id,kind,thread_id,in_reply_to,automated
x:1,x,2026-11-10T10:00:00Z,x:acme,x:bea,dm,x:d1,,false
x:2,x,2026-11-10T11:00:00Z,x:bea,x:acme,dm,x:d1,x:1,false
x:3,x,2026-11-10T12:00:00Z,x:ghost,x:acme,reply,x:d1,x:2,false
x:4,x,2026-11-10T12:30:00Z,x:bea,x:acme,wave,x:d1,,false
x:5,x,2099-01-01T00:00:00Z,x:bea,x:acme,dm,x:d1,,false
x:6,x,2026-11-10T13:00:00Z,,x:acme,dm,x:d1,,false
x:7,x,2026-11-10T14:00:00Z,x:bea,x:acme,comment,,,false
"""
AUDIENCE = """platform,account_id,day,followers,following,impressions,reach,engagements,likes,page_views,members
x,x:acme,2026-11-09,100,5,1000,,,,,
x,x:acme,2026-11-10,101,5,-3,,,,,
"""
REFERRALS = """referral_id,occurred_at,platform,referrer_id,stage,value,currency
crm:1,2026-11-10T09:00:00Z,x,x:bea,won,100,EUR
crm:2,2026-11-11T09:00:00Z,x,x:bea,won,50,USD
"""


def write_folder(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def query(url: str, sql: str) -> list[tuple]:
    engine = warehouse.make_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


@pytest.fixture
def loaded(request: pytest.FixtureRequest, tmp_path: Path):
    url = request.getfixturevalue(request.param)
    folder = write_folder(tmp_path / "export", people=PEOPLE, interactions=INTERACTIONS,
                          audience_daily=AUDIENCE, referrals=REFERRALS)
    summaries = load_paths([folder], url, now=NOW)
    return url, {Path(s.file).stem: s for s in summaries}


@pytest.mark.parametrize("loaded", ["duckdb_url", "pg_url"], indirect=True)
def test_good_records_load_and_bad_ones_are_quarantined_by_check_name(loaded) -> None:
    url, by_table = loaded
    s = by_table["interactions"]
    assert (s.status, s.rows_read, s.loaded, s.quarantined) == ("loaded", 7, 4, 3)
    assert query(url, "SELECT interaction_id FROM interactions ORDER BY 1") == [
        ("x:1",), ("x:2",), ("x:3",), ("x:7",)]  # x:3's actor is not in people: a warning, loaded
    reasons = dict(query(url, "SELECT line, reason FROM quarantine WHERE \"table\" = 'interactions'"))
    assert sorted(reasons) == [5, 6, 7]
    assert reasons[5].startswith("interactions.kind_is_canonical: kind is one of the canonical kinds")
    assert reasons[6].startswith("interactions.occurred_at_not_in_future")
    assert reasons[7].startswith("interactions.actor_id_present")
    audience = by_table["audience_daily"]
    assert (audience.loaded, audience.quarantined) == (1, 1)
    assert "audience_daily.impressions_not_negative" in query(
        url, "SELECT reason FROM quarantine WHERE \"table\" = 'audience_daily'")[0][0]


@pytest.mark.parametrize("loaded", ["duckdb_url", "pg_url"], indirect=True)
def test_the_load_summary_and_quality_results_list_every_check(loaded) -> None:
    url, by_table = loaded
    s = by_table["interactions"]
    checks = {c.check: c for c in s.checks}
    assert {n for n, c in checks.items() if c.status == "failed"} == {
        "interactions.kind_is_canonical", "interactions.occurred_at_not_in_future",
        "interactions.actor_id_present", "interactions.reply_has_thread"}
    assert checks["interactions.kind_is_canonical"].offending == ["x:4"]
    assert checks["interactions.reply_has_thread"].severity == "warning"
    # Great Expectations ran on the (whole, small) batch and agrees with every SQL rule.
    suite = checks["interactions.gx_suite"]
    assert (suite.status, suite.details["sample_rows"]) == ("passed", 7)
    gx = checks["interactions.kind_is_canonical"].details["gx"]
    assert gx == {"status": "failed", "sample_rows": 7, "unexpected": 1, "sql_unexpected": 1,
                  "offending": ["x:4"]}
    stored = {row[0]: row[1:] for row in query(url, f"""SELECT "check", severity, status, observed,
        offending, details FROM quality_results WHERE load_id = '{s.load_id}'""")}
    assert set(stored) == set(checks)
    assert stored["interactions.kind_is_canonical"][:4] == ("error", "failed", "1", '["x:4"]')
    assert json.loads(stored["interactions.kind_is_canonical"][4])["gx"]["status"] == "failed"
    assert stored["interactions.gx_suite"][:2] == ("error", "passed")


@pytest.mark.parametrize("loaded", ["duckdb_url"], indirect=True)
def test_warehouse_checks_run_after_the_load_for_the_default_week(loaded) -> None:
    url, _ = loaded
    rows = {(c, p): (sev, status, offending) for c, p, sev, status, offending in query(url, """
        SELECT "check", platform, severity, status, offending FROM quality_results
        WHERE week = '2026-W46' AND load_id IS NULL""")}
    assert rows[("referrals.currencies_mixed", None)][:2] == ("error", "failed")
    assert rows[("interactions.actor_in_people", "x")] == (
        "warning", "failed", '["x:3 (actor_id x:ghost)"]')
    assert rows[("warehouse.freshness", "x")][1] == "passed"


def test_a_great_expectations_crash_inside_a_check_is_stored_as_could_not_run(
        duckdb_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real failure: an expectation on a column the batch does not have.
    original = suites.SUITES["interactions"]
    broken = error("interactions.thread_title_present", "thread titles are present",
                   NotNull("thread_title"))
    monkeypatch.setitem(suites.SUITES, "interactions", lambda: [*original(), broken])
    folder = write_folder(tmp_path / "export", interactions=INTERACTIONS)
    (s,) = load_paths([folder], duckdb_url, now=NOW)
    assert (s.loaded, s.quarantined) == (4, 3)  # the records are still judged by the SQL rules
    suite = next(c for c in s.checks if c.check == "interactions.gx_suite")
    assert suite.status == "could_not_run"
    assert suite.offending == ["interactions.thread_title_present"]
    assert "thread_title" in suite.details["errors"]["interactions.thread_title_present"]
    assert query(duckdb_url, "SELECT status, details FROM quality_results "
                             "WHERE \"check\" = 'interactions.gx_suite'")[0][0] == "could_not_run"
    # The other expectations ran: their verdicts are kept beside the SQL counts.
    kind = next(c for c in s.checks if c.check == "interactions.kind_is_canonical")
    assert kind.details["gx"]["status"] == "failed"


def test_loads_can_skip_great_expectations(duckdb_url: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_LOAD_GX", "off")
    (s,) = load_paths([write_folder(tmp_path / "export", interactions=INTERACTIONS)], duckdb_url,
                      now=NOW)
    assert (s.loaded, s.quarantined) == (4, 3)
    assert not [c for c in s.checks if c.check.endswith("gx_suite")]
    assert all(c.details is None for c in s.checks)


@pytest.mark.parametrize("url_fixture", ["duckdb_url", "pg_url"])
def test_a_file_commits_its_sample_as_not_yet_validated_until_gx_has_run(
        url_fixture: str, request: pytest.FixtureRequest, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GX is joined once after the files' transactions: what each file committed says so."""
    from pipelines import load
    from pipelines.quality import at_load

    url = request.getfixturevalue(url_fixture)
    seen: dict[str, list[tuple]] = {}
    store = load._store_great_expectations

    def look_then_store(engine: sa.Engine, summaries: list) -> None:
        with engine.connect() as conn:  # what a load stopped here would leave
            seen["committed"] = [tuple(r) for r in conn.execute(sa.text(
                "SELECT \"check\", status, details FROM quality_results "
                "WHERE \"check\" LIKE '%.gx_suite' ORDER BY 1"))]
        store(engine, summaries)

    monkeypatch.setattr(load, "_store_great_expectations", look_then_store)
    folder = write_folder(tmp_path / "export", people=PEOPLE, interactions=INTERACTIONS)
    load_paths([folder], url, now=NOW)
    assert [(c, s) for c, s, _ in seen["committed"]] == [
        ("interactions.gx_suite", "could_not_run"), ("people.gx_suite", "could_not_run")]
    assert all(json.loads(d)["error"] == at_load.PENDING_ERROR for _, _, d in seen["committed"])
    assert query(url, "SELECT \"check\", status FROM quality_results "
                      "WHERE \"check\" LIKE '%.gx_suite' ORDER BY 1") == [
        ("interactions.gx_suite", "passed"), ("people.gx_suite", "passed")]
    (kind,) = query(url, "SELECT details FROM quality_results "
                         "WHERE \"check\" = 'interactions.kind_is_canonical'")
    assert json.loads(kind[0])["gx"]["status"] == "failed"


def test_the_worker_imports_great_expectations_without_backends_it_does_not_use() -> None:
    """Spark (installed for the test suite) stays out of the validating process's GX import."""
    import importlib.util
    import subprocess
    import sys

    from tests.conftest import need

    need(importlib.util.find_spec("pyspark") is not None, "pyspark (a test extra) is installed")
    code = ("import sys\n"
            "from pipelines.quality import at_load\n"
            "at_load.start_worker()\n"
            "from great_expectations.compatibility import pyspark as gx_spark\n"
            "print('great_expectations' in sys.modules, 'pyspark' in sys.modules, "
            "type(gx_spark.pyspark).__name__)\n"
            "try:\n    import pyspark\nexcept ModuleNotFoundError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["True False NotImported",
                                          "pyspark is not used to validate at load"]


def test_the_worker_defers_the_modules_one_unused_expectation_imports() -> None:
    """altair and scipy.stats are imported by the worker's GX import but not run until used; GX
    still validates, and the modules work when something reads them."""
    import subprocess
    import sys

    code = ("import math, sys\n"
            "from pipelines.quality import at_load\n"
            "at_load.start_worker()\n"
            "print('altair' in sys.modules, 'altair.vegalite' in sys.modules, "
            "'scipy.stats' in sys.modules, 'scipy.stats._distn_infrastructure' in sys.modules)\n"
            "from scipy import stats\n"
            "print(math.isclose(stats.entropy([0.5, 0.5]), math.log(2)), "
            "'scipy.stats._distn_infrastructure' in sys.modules)\n"
            "import altair; print(altair.Chart.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["True False True False", "True True", "Chart"]


def test_great_expectations_validates_in_a_worker_process_at_a_lower_priority(
        tmp_path: Path) -> None:
    """The loading process imports neither GX nor pandas; its worker, niced, gives the verdicts.
    Once handed the last sample it ends by itself (exit code 0) before the rollups start, so
    its memory is not held beside theirs.

    Run in a new process: the test process has imported both long before.
    """
    import subprocess
    import sys

    from pipelines.quality import at_load

    folder = write_folder(tmp_path / "export", people=PEOPLE, interactions=INTERACTIONS)
    code = ("import json, os, sys\n"
            "from datetime import datetime\n"
            "from pathlib import Path\n"
            "from pipelines.load import load_paths\n"
            "from pipelines.quality import at_load\n"
            "seen, no_more = {}, at_load.no_more_samples\n"
            "def look_then_end_input():\n"
            "    worker = at_load._worker.get()\n"
            "    with worker._arrived:  # both samples answered: up, niced, and still alive\n"
            "        worker._arrived.wait_for(lambda: len(worker._answers) == 2, 120)\n"
            "    seen['worker'] = worker.process\n"
            "    seen['nice'] = [os.getpriority(os.PRIO_PROCESS, p) for p in (0, worker.process.pid)]\n"
            "    no_more()\n"
            "at_load.no_more_samples = look_then_end_input\n"
            "from metrics import rollup\n"
            "refresh = rollup.refresh_after_load\n"
            "def wait_then_refresh(*args, **kwargs):  # its input ended after the last sample\n"
            "    seen['alone'] = at_load._worker.get().process.wait(timeout=120)\n"
            "    return refresh(*args, **kwargs)\n"
            "rollup.refresh_after_load = wait_then_refresh\n"
            f"summaries = load_paths([Path({str(folder)!r})], "
            f"{'duckdb:///' + str(tmp_path / 'w.duckdb')!r}, now=datetime(2026, 11, 20, 12))\n"
            "print(json.dumps({'gx': 'great_expectations' in sys.modules,\n"
            "    'pandas': 'pandas' in sys.modules, 'nice': seen['nice'], 'alone': seen['alone'],\n"
            "    'ended': seen['worker'].poll() is not None,\n"
            "    'suites': sorted((c.check, c.status) for s in summaries for c in s.checks\n"
            "                     if c.check.endswith('gx_suite'))}))\n")
    env = {**os.environ, "RAPPORT_LOAD_GX": "sample"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    ours, workers = seen.pop("nice")
    assert workers == min(ours + at_load.NICENESS, 19)
    assert seen == {"gx": False, "pandas": False, "ended": True, "alone": 0,
                    "suites": [["interactions.gx_suite", "passed"], ["people.gx_suite", "passed"]]}


def test_a_worker_that_ends_before_answering_leaves_the_load_whole(
        duckdb_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker is killed right after the first sample is handed over: that file's data is
    loaded, its GX suite is stored as could_not_run naming why, and the next load (with a
    worker of its own) validates."""
    from pipelines.quality import at_load

    start = at_load.start
    killed: list[int] = []

    def start_then_kill(dcon, table, now, owner) -> None:
        start(dcon, table, now, owner)
        if not killed:  # the load's new worker is still importing GX
            process = at_load._worker.get().process
            process.kill()
            killed.append(process.wait())

    monkeypatch.setattr(at_load, "start", start_then_kill)
    folder = write_folder(tmp_path / "export", interactions=INTERACTIONS)
    (s,) = load_paths([folder], duckdb_url, now=NOW)
    assert (s.loaded, s.quarantined) == (4, 3)
    suite = next(c for c in s.checks if c.check == "interactions.gx_suite")
    assert suite.status == "could_not_run"
    assert killed == [-9]
    assert {e for e in suite.details["errors"].values()} == {
        "the validating process ended (exit code -9) before it answered"}
    assert query(duckdb_url, "SELECT count(*) FROM interactions") == [(4,)]

    monkeypatch.setattr(at_load, "start", start)
    again = write_folder(tmp_path / "again", people=PEOPLE)
    (s,) = load_paths([again], duckdb_url, now=NOW)
    assert next(c for c in s.checks if c.check == "people.gx_suite").status == "passed"


def test_closing_the_worker_ends_it_without_waiting_for_its_import() -> None:
    """A load that validated nothing (every file refused) must not wait at exit for the worker
    to finish importing GX: closing ends it at once."""
    import signal

    from pipelines.quality import gx_worker

    worker = gx_worker.Worker()  # just started: still importing
    worker.close()
    assert worker.process.returncode == -signal.SIGTERM


def test_loads_in_two_threads_each_validate_with_a_worker_of_their_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As two dashboard sessions uploading at once: each load's samples go to its own worker,
    and one load ending (and ending its worker) does not cut the other's answers off."""
    import threading

    from pipelines.quality import at_load

    workers: dict[str, int] = {}
    finish = at_load.finish
    both = threading.Barrier(2, timeout=120)

    def note_then_finish(owner, make_check):
        workers[threading.current_thread().name] = at_load._worker.get().process.pid
        both.wait()  # both loads wait for their verdicts at once
        return finish(owner, make_check)

    results: dict[str, list] = {}

    def load(name: str, files: dict[str, str]) -> None:
        folder = write_folder(tmp_path / name, **files)
        results[name] = load_paths([folder], f"duckdb:///{tmp_path / name}.duckdb", now=NOW)

    monkeypatch.setattr(at_load, "finish", note_then_finish)
    threads = [threading.Thread(target=load, name=n, args=(n, f)) for n, f in
               (("first", {"people": PEOPLE}), ("second", {"interactions": INTERACTIONS}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(workers.values())) == 2 and set(workers) == {"first", "second"}
    suites = {n: [(c.check, c.status) for s in r for c in s.checks if c.check.endswith("gx_suite")]
              for n, r in results.items()}
    assert suites == {"first": [("people.gx_suite", "passed")],
                      "second": [("interactions.gx_suite", "passed")]}


def test_what_the_worker_prints_does_not_reach_its_answers(tmp_path: Path) -> None:
    """Output written to the worker's standard output, by Python or below it, goes elsewhere:
    the answers stay readable."""
    import subprocess
    import sys

    from pipelines.quality import gx_worker

    code = ("import os, sys\n"
            "from pipelines.quality import at_load, gx_worker\n"
            "def judge(*arguments):\n"
            "    print('from python'); sys.stdout.flush(); os.write(1, b'from below python')\n"
            "    return arguments\n"
            "at_load.judge = judge\n"
            "at_load.start_worker = lambda: None\n"
            "gx_worker.main()\n")
    request = gx_worker._pickled(("a", 2))
    done = subprocess.run([sys.executable, "-c", code], input=gx_worker._FRAME.pack(
        7, len(request)) + request, capture_output=True, check=True)
    header = gx_worker._FRAME.size
    ticket, size = gx_worker._FRAME.unpack(done.stdout[:header])
    assert ticket == 7
    assert gx_worker.pickle.loads(done.stdout[header:header + size]) == (True, ("a", 2))
    assert done.stdout[header + size:] == b""
    assert b"from python" in done.stderr and b"from below python" in done.stderr


def test_a_worker_that_cannot_start_leaves_the_load_whole(
        duckdb_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.quality import gx_worker

    class CannotStart(gx_worker.Worker):
        def __init__(self) -> None:
            raise OSError("no more processes")

    monkeypatch.setattr(gx_worker, "Worker", CannotStart)
    (s,) = load_paths([write_folder(tmp_path / "export", interactions=INTERACTIONS)], duckdb_url,
                      now=NOW)
    assert (s.loaded, s.quarantined) == (4, 3)
    suite = next(c for c in s.checks if c.check == "interactions.gx_suite")
    assert suite.status == "could_not_run"
    assert set(suite.details["errors"].values()) == {
        "RuntimeError: the validating process could not be started (OSError: no more processes)"}


def test_a_request_the_worker_cannot_read_fails_alone() -> None:
    """A frame whose pickle is broken is answered with its error; the next one still works."""
    import subprocess
    import sys

    from pipelines.quality import gx_worker

    code = ("from pipelines.quality import at_load, gx_worker\n"
            "at_load.judge = lambda *arguments: sum(arguments)\n"
            "at_load.start_worker = lambda: None\n"
            "gx_worker.main()\n")
    good = gx_worker._pickled((1, 2))
    frames = (gx_worker._FRAME.pack(3, 4) + b"junk" +
              gx_worker._FRAME.pack(4, len(good)) + good)
    done = subprocess.run([sys.executable, "-c", code], input=frames, capture_output=True,
                          check=True)
    answers, rest = [], done.stdout
    while rest:
        ticket, size = gx_worker._FRAME.unpack(rest[:gx_worker._FRAME.size])
        body = rest[gx_worker._FRAME.size:gx_worker._FRAME.size + size]
        answers.append((ticket, *gx_worker.pickle.loads(body)))
        rest = rest[gx_worker._FRAME.size + size:]
    assert [(t, ok) for t, ok, _ in answers] == [(3, False), (4, True)]
    assert answers[0][2].startswith("UnpicklingError") and answers[1][2] == 3
