"""The process in which a load's Great Expectations validation runs, and the loader's handle on it.

`Worker` starts `python -m pipelines.quality.gx_worker` and talks to it over its standard input
and output: each message is a pickle behind its length. The loader sends (ticket, arguments
of `at_load.judge`) and reads (ticket, ok, result or error text) back when it needs a verdict.
A writer thread feeds the requests, so the loader never waits while the worker is still
importing GX. The worker is started on purpose, by command, not by `multiprocessing`: that
would run the loader's main script again in the child, which a script without a
`__name__ == "__main__"` guard does not survive.

Each load starts its own worker (`at_load.validating`) and ends it when done (`Worker.close`);
the worker lowers its own priority (`at_load.NICENESS`), and also ends at the end of its input,
should the loader's process end first.
"""
from __future__ import annotations

import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

_HEADER = struct.Struct("!Q")


class WorkerError(RuntimeError):
    """The worker could not give a result: its error text, or why it is gone."""


def _pickled(message: Any) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _send(stream: BinaryIO, data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    """The next message, or EOFError at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Worker:
    """One worker process, started at once; requests are answered in the order they are sent."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else "")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.quality.gx_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._answers: dict[int, tuple[bool, Any]] = {}
        self._tickets = itertools.count(1)
        self._reading = threading.Lock()
        self._writer = threading.Thread(target=self._write, name="gx-worker-feed", daemon=True)
        self._writer.start()

    def alive(self) -> bool:
        return self.process.poll() is None

    def submit(self, *arguments: Any) -> int:
        """Queue a request (pickled here, so that what cannot be sent fails here); its ticket."""
        ticket = next(self._tickets)
        self._outbox.put(_pickled((ticket, arguments)))
        return ticket

    def result(self, ticket: int) -> Any:
        """The answer to `ticket`, waiting for it; WorkerError if it failed or cannot come."""
        with self._reading:
            while ticket not in self._answers:
                try:
                    answer_ticket, ok, value = _receive(self.process.stdout)
                except EOFError:
                    code = self.process.wait()
                    raise WorkerError(f"the validating process ended (exit code {code}) "
                                      "before it answered") from None
                self._answers[answer_ticket] = (ok, value)
            ok, value = self._answers.pop(ticket)
        if not ok:
            raise WorkerError(value)
        return value

    def close(self) -> None:
        """End the worker now: what it has not answered is no longer awaited (a load waits for
        its answers before it ends), and a worker still importing GX need not finish."""
        self._outbox.put(None)
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()

    def _write(self) -> None:
        stream = self.process.stdin
        while True:
            item = self._outbox.get()
            if item is None:
                break
            try:
                _send(stream, item)
            except (BrokenPipeError, OSError):  # the worker is gone: `result` says so
                break
        try:
            stream.close()
        except OSError:
            pass


def main() -> None:
    """The worker: answer each request on stdin with `at_load.judge`, until the input ends."""
    from pipelines.quality import at_load

    # The answers get a descriptor of their own; whatever else writes to the standard output,
    # Python or a library's C code, goes where the standard error goes.
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    at_load.start_worker()
    while True:
        try:
            ticket, arguments = _receive(requests)
        except EOFError:
            break
        try:
            message = _pickled((ticket, True, at_load.judge(*arguments)))
        except Exception as exc:  # noqa: BLE001 - reported with the request's verdicts
            message = _pickled((ticket, False, f"{type(exc).__name__}: {str(exc)[:200]}"))
        try:
            _send(answers, message)
        except (BrokenPipeError, OSError):  # the loader is gone
            break
    # Skip module teardown, as the CLI does: DuckDB's bindings would report their leftover
    # objects on stderr once GX has been imported beside them.
    os._exit(0)


if __name__ == "__main__":
    main()
