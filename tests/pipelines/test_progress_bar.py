"""DuckDB's own progress bar stays off: rapport reports progress itself.

DuckDB draws a bar for any statement that runs longer than `progress_bar_time` (two seconds by
default), terminal or not; in a command's output it would break `rapport metrics --format
json`, on stderr it runs across a load's progress lines. Whether it is on by default depends on
how the process was started (a command started from a shell has it on, pytest's own process
does not), so the connections are opened in a process started like a command.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
SETTING = "SELECT current_setting('enable_progress_bar')"
OPEN_EACH = f"""
import sys, duckdb
from pathlib import Path
from pipelines import load, warehouse
url = "duckdb:///" + sys.argv[1] + "/w.duckdb"
warehouse.create_schema(warehouse.make_engine(url))
for engine in (warehouse.make_engine(url), warehouse.make_engine(url, read_only=True)):
    with engine.connect() as conn:
        print("engine", conn.exec_driver_sql("{SETTING}").scalar())
    engine.dispose()
staging = load._scratch_duckdb(Path(sys.argv[1]))
print("staging", staging.execute("{SETTING}").fetchone()[0])
staging.close()
with duckdb.connect() as plain:
    print("plain", plain.execute("{SETTING}").fetchone()[0])
"""


def test_duckdb_draws_its_bar_where_it_is_on(capfd) -> None:
    with duckdb.connect() as con:
        con.execute("SET progress_bar_time = 0")  # (this also turns the bar on)
        con.execute("SELECT count(DISTINCT i % 100003) FROM range(40000000) t(i)").fetchall()
    out, err = capfd.readouterr()
    assert "▕" in out + err


def test_every_connection_rapport_opens_has_the_bar_off(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", OPEN_EACH, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = [line.split() for line in done.stdout.splitlines()]
    assert seen == [["engine", "False"], ["engine", "False"], ["staging", "False"],
                    ["plain", "True"]]  # the last: what they would have without it
