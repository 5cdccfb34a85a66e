"""Long operations (flush, keeper run, deploy) as jobs: accepted at once (202 + ``Location``), run one at a time on a
worker thread through the same lock as every other library call, polled at ``GET /jobs/{id}``.

Jobs live in memory (the newest :data:`KEEP` are kept): a restarted server forgets them; the chain keeps what they did.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import NovaChainError
from ._errors import UnknownJobError

__all__ = ["Job", "JobRunner"]

KEEP = 200


@dataclass
class Job:
    """One long operation: ``status`` goes queued -> running -> succeeded | failed; ``result`` or ``error`` (a
    problem body) says how it ended."""

    job_id: str
    kind: str
    requested_by: str
    status: str = "queued"
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    result: Any = None
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "status": self.status,
            "requested_by": self.requested_by,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "result": self.result,
            "error": self.error,
        }


class JobRunner:
    """Runs submitted jobs one at a time on a daemon thread (started on first use)."""

    def __init__(self, problem: Callable[[BaseException, str], dict[str, Any]]) -> None:
        self._problem = problem
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[tuple[Job, Callable[[], Any]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, kind: str, fn: Callable[[], Any], requested_by: str) -> Job:
        """Queue ``fn`` (its return value must be JSON-ready) as a job of ``kind``; returns the queued job."""
        job = Job(secrets.token_hex(8), kind, requested_by)
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="novacron-api-jobs", daemon=True)
                self._thread.start()
        self._queue.put((job, fn))
        return job

    def get(self, job_id: str) -> Job:
        """The job of ``job_id``; :class:`UnknownJobError` if there is none."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJobError(job_id)
        return job

    def list(self) -> list[Job]:
        """Every job kept, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until the job has finished (tests, benchmarks) or ``timeout`` passed; returns it either way."""
        deadline = time.monotonic() + timeout
        job = self.get(job_id)
        while job.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def _work(self) -> None:
        while True:
            job, fn = self._queue.get()
            job.status, job.started_at = "running", time.time()
            try:
                job.result = fn()
                job.status = "succeeded"
            except NovaChainError as exc:
                from ._problems import problem_body

                job.error, job.status = problem_body(exc), "failed"
            except Exception as exc:
                job.error, job.status = self._problem(exc, f"job {job.kind} {job.job_id}"), "failed"
            job.finished_at = time.time()
