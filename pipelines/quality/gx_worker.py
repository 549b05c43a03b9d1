"""The process in which a load's Great Expectations validation runs, and the loader's handle on it.

`Worker` starts `python -P -m pipelines.quality.gx_worker` and talks to it over its standard
input and output. Each message is a frame: its ticket and its length, then a pickle. The loader
sends the arguments of `at_load.judge` under a new ticket; the worker answers each ticket with
(True, result) or (False, error text). A writer thread feeds the requests, so the loader never
waits while the worker is still importing GX; a reader thread collects the answers as they
come, so the worker never waits for the loader to read. The worker is started by command, not
by `multiprocessing`: that would run the loader's main script again in the child, which a
script without a `__name__ == "__main__"` guard does not survive.

Each load starts its own worker (`at_load.validating`). After its last sample the loader ends
the worker's input (`end_input`): the worker answers what it has and ends, freeing its memory
while the load computes its rollups. `close` ends it at once. The worker lowers its own
priority (`at_load.NICENESS`).
"""
from __future__ import annotations

import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, BinaryIO

_FRAME = struct.Struct("!QQ")  # ticket, length of the pickle that follows
ANSWER_SECONDS = 600.0  # how long the loader waits for one answer before it gives up


class WorkerError(RuntimeError):
    """The worker could not give a result: its error text, or why it is gone."""


def error_text(exc: BaseException) -> str:
    """An exception as stored with a verdict: its kind and the start of its message."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _pickled(message: Any) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _send(stream: BinaryIO, ticket: int, data: bytes) -> None:
    stream.write(_FRAME.pack(ticket, len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> tuple[int, bytes]:
    """The next frame's ticket and pickle, or EOFError at the end of the stream."""
    frame = stream.read(_FRAME.size)
    if len(frame) < _FRAME.size:
        raise EOFError
    ticket, size = _FRAME.unpack(frame)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return ticket, data


class Worker:
    """One worker process, started at once."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else "")}
        self._errors = tempfile.TemporaryFile()  # the worker's stderr, quoted if it dies
        # -P: a folder named like this package in the current directory cannot shadow it.
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "pipelines.quality.gx_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._errors, env=env)
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._answers: dict[int, tuple[bool, Any]] = {}
        self._ended = False  # the worker's output has ended: no more answers will come
        self._arrived = threading.Condition()
        self._tickets = itertools.count(1)
        try:
            for target, name in ((self._write, "gx-worker-feed"), (self._read, "gx-worker-answers")):
                threading.Thread(target=target, name=name, daemon=True).start()
        except BaseException:
            self.close()
            raise

    def submit(self, *arguments: Any) -> int:
        """Queue a request (pickled here, so that what cannot be sent fails here); its ticket."""
        ticket = next(self._tickets)
        self._outbox.put((ticket, _pickled(arguments)))
        return ticket

    def end_input(self) -> None:
        """No more requests: the worker answers those it has, then ends."""
        self._outbox.put(None)

    def result(self, ticket: int, timeout: float = ANSWER_SECONDS) -> Any:
        """The answer to `ticket`, waiting for it; WorkerError if it failed or cannot come."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: ticket in self._answers or self._ended,
                                          timeout):
                self.close()
                raise WorkerError(f"the validating process did not answer within {timeout:.0f} s")
            if ticket not in self._answers:
                raise WorkerError(f"the validating process ended (exit code "
                                  f"{self.process.wait()}) before it answered{self._last_error()}")
            ok, value = self._answers.pop(ticket)
        if not ok:
            raise WorkerError(value)
        return value

    def close(self) -> None:
        """End the worker now: what it has not answered is no longer awaited, and a worker still
        importing GX need not finish."""
        self._outbox.put(None)
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()
        self._errors.close()

    def _last_error(self) -> str:
        """The last line the worker wrote on its standard error, as ': line', if any."""
        try:
            self._errors.seek(0, os.SEEK_END)
            self._errors.seek(max(0, self._errors.tell() - 2000))
            lines = [line for line in self._errors.read().decode(errors="replace").splitlines()
                     if line.strip()]
        except (OSError, ValueError):
            return ""
        return f": {lines[-1].strip()[:300]}" if lines else ""

    def _write(self) -> None:
        stream = self.process.stdin
        while (item := self._outbox.get()) is not None:
            try:
                _send(stream, *item)
            except (BrokenPipeError, OSError, ValueError):  # the worker is gone: `result` says so
                break
        try:
            stream.close()
        except OSError:
            pass

    def _read(self) -> None:
        stream = self.process.stdout
        try:
            while True:
                ticket, data = _receive(stream)
                answer = pickle.loads(data)
                with self._arrived:
                    self._answers[ticket] = answer
                    self._arrived.notify_all()
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass
        finally:
            stream.close()
            with self._arrived:
                self._ended = True
                self._arrived.notify_all()


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
            ticket, data = _receive(requests)
        except EOFError:
            break
        try:
            answer = _pickled((True, at_load.judge(*pickle.loads(data))))
        except Exception as exc:  # noqa: BLE001 - reported with the request's verdicts
            answer = _pickled((False, error_text(exc)))
        try:
            _send(answers, ticket, answer)
        except (BrokenPipeError, OSError):  # the loader is gone
            break
    answers.close()
    # Skip module teardown, as the CLI does: DuckDB's bindings would write their leftover
    # objects to stderr, which the loader quotes when the worker dies.
    os._exit(0)


if __name__ == "__main__":
    main()
