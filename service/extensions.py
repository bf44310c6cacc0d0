"""What one application instance holds: its database, its search index and the runner of its
background jobs, and the request-scoped session the views use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from service import jobs
from service.db import Database
from service.deliveries import pending
from service.jobs import InProcessRunner, RQRunner, Runner
from service.library.search import SearchIndex, keep_in_sync
from service.limits import DELIVERY_BACKGROUND_BUDGET
from service.slots import Slots


@dataclass
class Clausier:
    """The application's resources."""

    db: Database
    index: SearchIndex
    jobs: Runner

    def after_fork(self) -> None:
        """In a worker forked from the process that built the app: its own connections,
        index files and job threads, none of the parent's."""
        self.db.engine.dispose(close=False)
        self.index.after_fork()
        if isinstance(self.jobs, InProcessRunner):
            self.jobs.after_fork()


def init_app(app: Flask) -> None:
    """Open the database and the search index, and close the request session after each request."""
    database = Database(app.config["DATABASE_URL"])
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    keep_in_sync(database.sessions, index)
    app.extensions["clausier"] = Clausier(db=database, index=index, jobs=_runner(app))
    app.teardown_appcontext(_close_session)
    bound_validations(app)


def bound_validations(app: Flask) -> None:
    """How many background validations this process's jobs may run at once on the machine
    (``DELIVERY_VALIDATIONS``, lock files of the data directory) and what each may take
    (``DELIVERY_VALIDATION_MEMORY_MB``) — for the server's workers and ``clausier worker``
    alike, which both build the app."""
    slots = Slots(
        Path(app.config["CLAUSIER_DATA_DIR"]) / "validations",
        int(app.config["DELIVERY_VALIDATIONS"]),
    )
    count = "une" if slots.count == 1 else str(slots.count)
    jobs.limit_kind(pending.VALIDATION_JOB, slots, pending.WAITING.format(count=count))
    memory = int(app.config["DELIVERY_VALIDATION_MEMORY_MB"])
    pending.use_budget(replace(DELIVERY_BACKGROUND_BUDGET, memory_mb=memory))


def _runner(app: Flask) -> Runner:
    """RQ workers on Redis when ``REDIS_URL`` is set, else a thread pool in this process."""
    if app.config["REDIS_URL"]:
        return RQRunner(app.config["REDIS_URL"], app.config["JOB_QUEUE"], app.config["JOB_TIMEOUT"])
    return InProcessRunner(app.app_context)


def job_timeout() -> dt.timedelta:
    """How long a job may stay queued or running before it is taken as abandoned."""
    return dt.timedelta(seconds=int(current_app.config["JOB_TIMEOUT"]))


def state() -> Clausier:
    """Return the current application's resources."""
    return current_app.extensions["clausier"]


def db_session() -> Session:
    """Return the session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = state().db.sessions()
    return g.db_session


@contextmanager
def transaction() -> Iterator[Session]:
    """Yield the request session and commit when the block succeeds, roll back otherwise."""
    session = db_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
