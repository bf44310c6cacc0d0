"""Background work through one small interface: kinds of job, submission, runners.

A *kind* is a function registered with :func:`job_kind`; it receives the database, the job's
parameters and a ``progress(percent, message)`` callback, and returns the bytes it made, their
file name and media type. :func:`submit` records the job (the same kind and parameters make the
same job: asked twice, it is the existing one, retried only when it failed) and hands it to a
:class:`Runner`: :class:`InProcessRunner`, a small thread pool in the process (the default), or
:class:`RQRunner`, which queues it on Redis for ``clausier worker``. State, progress, error and
result live in the ``job`` table, each change written in its own short transaction, so any
process can report them.

Some kinds are heavy (a large delivery's validation takes a core and hundreds of megabytes for
a minute): :func:`limit_kind` bounds how many jobs of such a kind run at once on the machine,
whichever process runs them (the server's workers, ``clausier worker``), with the lock-file
slots of ``service.slots``. A job of a limited kind waits ``queued`` (its message says so) until
a slot is free; the process that frees a slot then runs the oldest job of that kind still
waiting, whichever process queued it, so that the queue is served in order.

A process that dies leaves its job ``queued`` or ``running`` for ever. There is no heartbeat:
a job still unfinished ``stale_after`` (the ``JOB_TIMEOUT`` setting) after it was queued or
started is taken as failed — :func:`get_job` records it so, and :func:`submit` starts it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import Database, utcnow
from service.errors import (
    ClausierError,
    JobNotFinished,
    JobNotFound,
    JobQueueUnavailable,
    UnknownJobKind,
)
from service.jobs_models import Job
from service.slots import Slots
from service.storage import StoredFile, read_file, store_file

LOGGER = logging.getLogger(__name__)

#: What a job reports as it goes: a percentage (0–100) and a short French message.
Progress = Callable[[int, str], None]
#: A kind of job: (database, parameters, progress) → (bytes, file name, media type).
JobFunction = Callable[[Database, dict[str, Any], Progress], tuple[bytes, str, str]]
#: Makes the context a job runs in (the app's ``app_context`` for kinds that render pages).
JobContext = Callable[[], AbstractContextManager[Any]]

#: Default time after which an unfinished job is taken as abandoned (``JOB_TIMEOUT``).
DEFAULT_STALE_AFTER = dt.timedelta(hours=1)
INTERNAL_ERROR = (
    "Le travail a échoué à cause d'une erreur interne ; elle a été consignée dans le journal "
    "du serveur. Vous pouvez le relancer."
)
ABANDONED = (
    "Le travail n'a pas abouti dans le délai prévu (le processus qui l'exécutait s'est sans "
    "doute arrêté). Demandez-le de nouveau pour le relancer."
)

_KINDS: dict[str, JobFunction] = {}
#: Kinds whose jobs run at most ``Slots.count`` at once on this machine (``limit_kind``), and
#: what a job waiting for its turn says.
_LIMITS: dict[str, tuple[Slots, str]] = {}
#: Seconds between two looks for a free slot by a job of a limited kind.
SLOT_POLL_SECONDS = 0.5
#: What a queued job says (see ``queued_message``).
QUEUED = "En attente"
WAITING_FOR_SLOT = "En attente de son tour : les travaux de ce type passent un à un, dans l'ordre."
#: The form of a job's identifier (``str(uuid4())``); anything else is not looked up.
_JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the kind of job ``name``."""

    def register(function: JobFunction) -> JobFunction:
        _KINDS[name] = function
        return function

    return register


def limit_kind(kind: str, slots: Slots, waiting: str = WAITING_FOR_SLOT) -> None:
    """Run at most ``slots.count`` jobs of ``kind`` at once across the processes that share
    ``slots.directory`` (0: no bound) — set by each process from its settings; ``waiting`` is
    the message of a job waiting for its turn."""
    _LIMITS[kind] = (slots, waiting)


def queued_message(kind: str) -> str:
    """What a queued job of ``kind`` says while it waits: why, for a kind run a few at a time
    (its page is read while it waits), else « En attente »."""
    _, waiting = _LIMITS.get(kind, (None, QUEUED))
    return waiting


def kind_limit(kind: str) -> Slots | None:
    """The slots bounding the jobs of ``kind`` in this process, if any."""
    slots, _ = _LIMITS.get(kind, (None, ""))
    return slots if slots is not None and slots.count > 0 else None


def job_key(kind: str, params: dict[str, Any], organisation_id: int | None = None) -> str:
    """The hash that makes the same work asked twice the same job — within one organisation:
    two organisations never share a job, nor its result."""
    canonical = json.dumps([kind, params, organisation_id], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Runner(Protocol):
    """Something that runs queued jobs somewhere: in this process, or in RQ workers."""

    def enqueue(self, db: Database, job_id: str) -> None:
        """Have the queued job ``job_id`` run (soon, elsewhere)."""


def submit(
    db: Database,
    kind: str,
    params: dict[str, Any],
    runner: Runner,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    organisation_id: int | None = None,
) -> Job:
    """The job doing ``kind`` with ``params`` for an organisation (None: the command line):
    the existing one, or a new one handed to ``runner``; a failed or abandoned job is queued
    again."""
    if kind not in _KINDS:
        raise UnknownJobKind(f"Type de travail inconnu : « {kind} ».")
    key = job_key(kind, params, organisation_id)
    with db.session() as session:
        job = session.scalars(select(Job).where(Job.key == key)).one_or_none()
        if job is None:
            job = _create(session, kind, key, params, organisation_id)
            start = job is not None
            if job is None:  # another process created it between our read and our insert
                job = session.scalars(select(Job).where(Job.key == key)).one()
        else:
            start = _requeue(session, job, stale_after)
    if start:
        try:
            runner.enqueue(db, job.id)
        except Exception as error:
            # Recorded as failed, so that the next request queues it again.
            LOGGER.exception("Travail %s : impossible de le mettre en file", job.id)
            detail = (
                "Le travail n'a pas pu être confié à la file d'attente (Redis injoignable ?). "
                "Réessayez dans un moment."
            )
            _fail(db, job.id, detail)
            raise JobQueueUnavailable(detail) from error
    return job


def _create(
    session: Session, kind: str, key: str, params: dict[str, Any], organisation_id: int | None
) -> Job | None:
    """Insert a queued job; None when the same key was inserted meanwhile."""
    job = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        key=key,
        params=params,
        state="queued",
        organisation_id=organisation_id,
    )
    job.progress, job.message = 0, queued_message(kind)
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return None
    return job


def _requeue(session: Session, job: Job, stale_after: dt.timedelta) -> bool:
    """Queue a failed or abandoned job again; True when this call did (so it must start it)."""
    if not (job.state == "failed" or is_stale(job, stale_after)):
        return False
    # Compare-and-set on the state and start we read: of two requests retrying the same job,
    # only one starts it.
    result = session.execute(
        update(Job)
        .where(
            Job.id == job.id,
            Job.state == job.state,
            Job.created_at == job.created_at,
            Job.started_at.is_not_distinct_from(job.started_at),
        )
        .values(
            state="queued",
            progress=0,
            message=queued_message(job.kind),
            error=None,
            created_at=utcnow(),
            started_at=None,
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    return result.rowcount == 1


def is_stale(job: Job, stale_after: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Whether an unfinished job has waited or run longer than ``stale_after``."""
    if job.state not in ("queued", "running"):
        return False
    since = job.started_at or job.created_at
    return (now or utcnow()) - since > stale_after


#: ``organisation_id`` of ``get_job`` for the command line: any job, whoever asked for it.
ANY_ORGANISATION = -1


def get_job(
    session: Session,
    job_id: str,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    organisation_id: int | None = ANY_ORGANISATION,
) -> Job:
    """One job — of the organisation, when one is given (another's is JobNotFound, as if it
    did not exist); an abandoned one is recorded as failed (the caller commits)."""
    job = session.get(Job, job_id) if _JOB_ID.fullmatch(job_id) else None
    if job is not None and organisation_id != ANY_ORGANISATION:
        job = job if job.organisation_id == organisation_id else None
    if job is None:
        raise JobNotFound("Aucun travail en arrière-plan ne porte cet identifiant.")
    if is_stale(job, stale_after):
        job.state, job.error, job.finished_at = "failed", ABANDONED, utcnow()
        session.flush()
    return job


def job_result(
    session: Session,
    job_id: str,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    organisation_id: int | None = ANY_ORGANISATION,
) -> tuple[Job, StoredFile]:
    """A finished job (of the organisation, when one is given) and the file it made."""
    job = get_job(session, job_id, stale_after=stale_after, organisation_id=organisation_id)
    if job.state != "done" or job.result_sha256 is None:
        raise JobNotFinished(
            "Le travail n'est pas terminé : son fichier n'est pas encore disponible."
            if job.state in ("queued", "running")
            else "Le travail a échoué : il n'a produit aucun fichier."
        )
    return job, read_file(session, job.result_sha256)


def execute(db: Database, job_id: str, context: JobContext = nullcontext) -> None:
    """Run one queued job to its end, recording progress, then its result or its error. A job
    of a limited kind first waits, still queued, for a free slot; holding it, this process then
    runs the kind's oldest waiting jobs too, until none is left."""
    kind = _kind_of(db, job_id)
    slots = kind_limit(kind) if kind is not None else None
    if slots is None:
        _execute(db, job_id, context)
        return
    held = _wait_for_slot(db, job_id, kind, slots)
    if held is None:  # taken by another process, or given up, while it waited
        return
    try:
        _execute(db, job_id, context)
        while (following := _oldest_waiting(db, kind)) is not None:
            _execute(db, following, context)
    finally:
        Slots.give_back(held)


def _kind_of(db: Database, job_id: str) -> str | None:
    with db.session() as session:
        return session.scalar(select(Job.kind).where(Job.id == job_id))


def _queued(db: Database, job_id: str) -> bool:
    with db.session() as session:
        return session.scalar(select(Job.state).where(Job.id == job_id)) == "queued"


def _wait_for_slot(db: Database, job_id: str, kind: str, slots: Slots) -> int | None:
    """A slot held for the job, or None once the job is no longer queued (another process
    took it; it was given up as abandoned)."""
    told = False
    while True:
        held = slots.take()
        if held is not None:
            return held
        if not _queued(db, job_id):
            return None
        if not told:
            with db.session() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == "queued")
                    .values(message=_LIMITS.get(kind, (slots, WAITING_FOR_SLOT))[1])
                )
            told = True
        time.sleep(SLOT_POLL_SECONDS)


def _oldest_waiting(db: Database, kind: str) -> str | None:
    """The job of ``kind`` queued first and still waiting (whichever process queued it)."""
    with db.session() as session:
        return session.scalar(
            select(Job.id)
            .where(Job.kind == kind, Job.state == "queued")
            .order_by(Job.created_at, Job.id)
            .limit(1)
        )


def _execute(db: Database, job_id: str, context: JobContext) -> None:
    """Claim the queued job and run it (nothing when another runner claimed it first)."""
    with db.session() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="running", started_at=utcnow(), progress=0, message="Démarrage")
            .execution_options(synchronize_session=False)
        ).rowcount
        job = session.get(Job, job_id) if claimed else None
    if job is None:  # unknown, or already taken by another runner
        return
    try:
        function = _KINDS.get(job.kind)
        if function is None:
            raise UnknownJobKind(f"Type de travail inconnu dans ce processus : « {job.kind} ».")
        with context():
            data, name, media_type = function(db, dict(job.params), _progress(db, job_id))
        with db.session() as session:
            stored = store_file(session, data, media_type)
            _finish(
                session,
                job_id,
                state="done",
                progress=100,
                message="Terminé",
                result_sha256=stored.sha256,
                result_name=name,
            )
    except ClausierError as error:
        _fail(db, job_id, error.detail)
    except Exception:
        LOGGER.exception("Travail %s (%s) en échec", job_id, job.kind)
        _fail(db, job_id, INTERNAL_ERROR)


def _progress(db: Database, job_id: str) -> Progress:
    """The callback a kind reports its progress through, each report committed at once."""

    def report(percent: int, message: str) -> None:
        with db.session() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == "running")
                .values(progress=max(0, min(99, int(percent))), message=message[:500])
            )

    return report


def _finish(session: Session, job_id: str, **values: Any) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(finished_at=utcnow(), **values))


def _fail(db: Database, job_id: str, detail: str) -> None:
    with db.session() as session:
        _finish(session, job_id, state="failed", error=detail, message="Échec")


class InProcessRunner:
    """Runs jobs in a small pool of threads of this process (the embedded default); the jobs
    of a limited kind in a pool of their own, as many threads as the kind has slots, so that
    those waiting for a slot hold none of the threads other jobs need."""

    def __init__(self, context: JobContext = nullcontext, workers: int = 2) -> None:
        self.context = context
        self.workers = workers
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()

    def enqueue(self, db: Database, job_id: str) -> None:
        """Run the job on one of its pool's threads (made on first use)."""
        kind = _kind_of(db, job_id)
        slots = kind_limit(kind) if kind is not None else None
        lane, size = (kind, slots.count) if slots is not None else ("", self.workers)
        with self._lock:
            pool = self._pools.get(lane)
            if pool is None:
                prefix = f"clausier-job-{lane}" if lane else "clausier-job"
                pool = self._pools[lane] = ThreadPoolExecutor(size, thread_name_prefix=prefix)
            pool.submit(execute, db, job_id, self.context)

    def after_fork(self) -> None:
        """In a forked process: the parent's threads are not here; make pools when needed."""
        self._lock = threading.Lock()
        self._pools = {}

    def shutdown(self) -> None:
        """Wait for the running jobs, then stop the threads."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True)


class RQRunner:
    """Queues jobs on Redis, where ``clausier worker`` (an RQ worker) runs them."""

    def __init__(self, redis_url: str, queue: str = "clausier", timeout: int = 3600) -> None:
        self.redis_url = redis_url
        self.queue = queue
        self.timeout = timeout

    def enqueue(self, db: Database, job_id: str) -> None:
        """Put the job on the RQ queue; the worker opens the database from its URL."""
        from redis import Redis
        from rq import Queue

        with Redis.from_url(self.redis_url) as connection:
            Queue(self.queue, connection=connection).enqueue_call(
                run_job,
                args=(job_id, db.url),
                timeout=self.timeout,
                result_ttl=0,  # the result lives in the database, not in Redis
                description=f"clausier job {job_id}",
            )


_worker_context: JobContext = nullcontext


def use_worker_context(context: JobContext) -> None:
    """Set the context RQ jobs of this process run in (``clausier worker`` gives the app's)."""
    global _worker_context
    _worker_context = context


def run_job(job_id: str, database_url: str) -> None:
    """What an RQ worker runs: open the job's database, run the job, close the database."""
    db = Database(database_url)
    try:
        execute(db, job_id, _worker_context)
    finally:
        db.dispose()
