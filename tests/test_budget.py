"""Heavy work under an operating-system budget (service/budget.py): the same answer as inline
when it fits, a clean refusal when it does not, and never a process taken down or a zombie
left behind."""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from service import budget
from service.errors import BudgetExceeded, InvalidValues, TemplateRejected, TemplateTooHeavy
from service.limits import DELIVERY_BACKGROUND_BUDGET, DELIVERY_BUDGET, Budget

#: Small in memory; in time, room for a child at a lower priority (``budget.NICENESS``) to
#: finish short work on a machine busy with other processes.
SMALL = Budget(memory_mb=64, seconds=10.0)
#: Short enough that a refusal for time comes in well under a second.
TIGHT = Budget(memory_mb=64, seconds=0.4)


@dataclass(frozen=True)
class Reading:
    """A result of the kind readers return: plain data in a dataclass."""

    words: list[str]
    pages: int


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids of the children forked during the test, each checked reaped at its end."""
    pids: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(budget.os, "fork", recording_fork)
    yield pids
    for pid in pids:
        with pytest.raises(ChildProcessError):  # reaped: no zombie, and not ours any more
            os.waitpid(pid, os.WNOHANG)
        assert not os.path.exists(f"/proc/{pid}") or _state(pid) != "Z"


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return budget.run(SMALL, TemplateTooHeavy, function, *args, **kwargs)


def run_tight(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return budget.run(TIGHT, TemplateTooHeavy, function, *args, **kwargs)


def read_words(source: str, *, pages: int) -> Reading:
    return Reading(source.split(), pages)


def test_a_call_within_its_budget_returns_what_it_would_inline(forked: list[int]) -> None:
    source = "Le titulaire restitue les données dans un format ouvert."
    assert run(read_words, source, pages=3) == read_words(source, pages=3)
    assert forked and forked[0] != os.getpid()


def test_a_large_answer_comes_back_whole(forked: list[int]) -> None:
    answer = run(os.urandom, 8 * 1024 * 1024)
    assert len(answer) == 8 * 1024 * 1024


def reject_template() -> None:
    raise TemplateRejected(
        "Modèle refusé : 1 problème(s).",
        errors=[{"message": "filtre non autorisé : « attr »."}],
    )


def test_an_error_of_the_tree_comes_back_as_itself(forked: list[int]) -> None:
    with pytest.raises(TemplateRejected) as raised:
        run(reject_template)
    assert raised.value.detail == "Modèle refusé : 1 problème(s)."
    assert raised.value.errors == [{"field": "", "message": "filtre non autorisé : « attr »."}]
    assert "reject_template" in str(raised.value.__cause__)  # the child's traceback


def refuse_values() -> None:
    # An error whose __init__ takes something else than its detail: rebuilt without it.
    from service.annexes.render import InvalidValue

    raise InvalidValues([InvalidValue("c", "duree", "Durée", "dix", "« dix » n'est pas un nombre")])


def test_an_error_built_from_other_arguments_comes_back_whole(forked: list[int]) -> None:
    with pytest.raises(InvalidValues) as raised:
        run(refuse_values)
    assert raised.value.invalid[0].name == "duree"
    assert raised.value.errors[0]["field"] == "values.duree"


def divide() -> float:
    return 1 / 0


def test_a_bug_in_the_work_is_the_same_bug_as_inline(forked: list[int]) -> None:
    with pytest.raises(ZeroDivisionError):
        run(divide)


def swallow_memory() -> bytes:
    return b"x" * (SMALL.memory_mb * 4 * 1024 * 1024)


def test_memory_beyond_the_budget_is_refused_and_the_process_survives(
    forked: list[int],
) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateTooHeavy) as raised:
        run(swallow_memory)
    assert raised.value.resource == "memory"
    assert "64 Mo de mémoire" in raised.value.detail
    assert raised.value.errors[0]["code"] == "memory"
    assert time.monotonic() - started < SMALL.seconds / 2  # refused at once, not at the deadline
    assert len(b"x" * (SMALL.memory_mb * 4 * 1024 * 1024)) > 0  # this process may, still


def damaged_by_memory() -> None:
    # What a reader does with any exception of its library: "the file is damaged".
    try:
        swallow_memory()
    except Exception as error:
        raise TemplateRejected("Le fichier est endommagé.") from error


def test_memory_turned_into_another_error_is_still_named_memory(forked: list[int]) -> None:
    with pytest.raises(TemplateTooHeavy) as raised:
        run(damaged_by_memory)
    assert raised.value.resource == "memory"


def spin() -> None:
    while True:
        pass


def wait_forever() -> None:
    time.sleep(3600)


@pytest.mark.parametrize("work", [spin, wait_forever], ids=["computing", "blocked"])
def test_work_past_its_deadline_is_killed_and_refused(
    forked: list[int], work: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    kills: list[tuple[float, int, int]] = []
    kill = os.kill

    def recording_kill(pid: int, sig: int) -> None:
        kills.append((time.monotonic(), pid, sig))
        kill(pid, sig)

    monkeypatch.setattr(budget.os, "kill", recording_kill)
    started = time.monotonic()
    with pytest.raises(TemplateTooHeavy) as raised:
        run_tight(work)
    elapsed = time.monotonic() - started
    assert raised.value.resource == "time"
    assert "a duré plus de 0.4 s" in raised.value.detail
    # The parent killed the child, once: neither work ends by itself (the computing one would
    # only at its CPU limit, by SIGXCPU, a second of CPU or more).
    assert [(pid, sig) for _, pid, sig in kills] == [(forked[0], signal.SIGKILL)]
    killed_after = kills[0][0] - started
    # At the deadline, not before; and the parent keeps the deadline at its own priority, so a
    # busy machine delays the kill little. What follows the kill (the kernel tearing down a
    # child forked from a large process, the reaping) takes what the machine gives it: the
    # refusal comes after the kill, and the fixture checks the child reaped.
    assert TIGHT.seconds <= killed_after < TIGHT.seconds + 0.5
    assert elapsed >= killed_after


def abort() -> None:
    faulthandler.disable()  # pytest's would print every thread's stack on the way out
    os.abort()


def leave(code: int) -> None:
    os._exit(code)


def test_a_child_that_crashes_is_a_clean_error(forked: list[int]) -> None:
    with pytest.raises(TemplateTooHeavy) as raised:
        run(abort)
    assert raised.value.resource == "crash"
    assert "SIGABRT" in raised.value.detail
    with pytest.raises(BudgetExceeded, match="code de sortie 3"):
        run(leave, 3)


def nested() -> tuple[int, int]:
    return os.getpid(), budget.run(SMALL, TemplateTooHeavy, os.getpid)


def test_budgeted_work_within_budgeted_work_runs_inline(forked: list[int]) -> None:
    outer, inner = run(nested)
    assert outer == inner != os.getpid()
    assert len(forked) == 1


def test_where_budgets_cannot_be_enforced_the_work_runs_inline_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, forked: list[int]
) -> None:
    monkeypatch.setattr(budget, "supported", lambda: False)
    monkeypatch.setattr(budget, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="service.budget"):
        assert run(os.getpid) == os.getpid()
        assert run(os.getpid) == os.getpid()
    assert forked == []
    warnings = [r for r in caplog.records if "cannot enforce" in r.getMessage()]
    assert len(warnings) == 1


def test_without_pidfd_the_child_is_watched_by_polling(
    monkeypatch: pytest.MonkeyPatch, forked: list[int]
) -> None:
    def no_pidfd(pid: int) -> int:
        raise OSError("pidfd_open refused")

    monkeypatch.setattr(budget.os, "pidfd_open", no_pidfd)
    assert run(read_words, "a b", pages=1) == Reading(["a", "b"], 1)
    with pytest.raises(TemplateTooHeavy, match="SIGABRT"):
        run(abort)
    with pytest.raises(TemplateTooHeavy, match="a duré"):
        run_tight(spin)


def collect_and_answer() -> int:
    # Whatever the work does to the objects it inherited, the parent's connection is not one
    # of them: a collection here finalizes nothing of the parent's.
    gc.collect()
    return 42


def test_the_parents_database_connection_is_untouched(db_session: Session) -> None:
    assert db_session.scalar(text("SELECT 1")) == 1
    assert run(collect_and_answer) == 42
    with pytest.raises(TemplateTooHeavy):
        run(abort)
    assert db_session.scalar(text("SELECT 2")) == 2


def test_a_signal_to_the_server_does_not_reach_the_child_handlers(forked: list[int]) -> None:
    # A server's handlers (gunicorn's SIGTERM) are the parent's: the child dies of the signal.
    def handler(signum: int, frame: Any) -> None:  # pragma: no cover - must not run
        raise AssertionError("the parent's handler ran in the child")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(TemplateTooHeavy, match="SIGTERM"):
            run(_terminate_self)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(1)


def _child_state() -> tuple[bool, bool]:
    return budget._in_child, signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_work_budgeted_from_a_thread_of_the_job_pool_runs_the_same(forked: list[int]) -> None:
    """The in-process job runner's threads fork too: the forking thread is the child's only
    one, and may reset its signals."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        busy = pool.submit(time.sleep, 0.3)  # another thread, alive while the fork happens
        assert pool.submit(run, _child_state).result() == (True, True)
        busy.result()


def _priorities() -> tuple[int, int]:
    return os.getpriority(os.PRIO_PROCESS, 0), os.getpid()


def test_the_child_runs_at_a_lower_priority_than_its_parent(forked: list[int]) -> None:
    """Heavy work yields the processor to the requests the server answers meanwhile."""
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    child, pid = run(_priorities)
    assert pid != os.getpid()
    assert child == min(19, parent + budget.NICENESS) > parent or parent == 19
    assert os.getpriority(os.PRIO_PROCESS, 0) == parent  # the parent's own is unchanged


def _scheduler() -> int:
    return os.sched_getscheduler(0)


def test_work_no_request_waits_for_runs_only_when_the_processor_is_idle(
    forked: list[int],
) -> None:
    """A background validation takes no processor time a request wants (Linux's idle
    class); work a request waits for stays in the normal class, only at a lower priority."""
    idle = replace(SMALL, idle=True)
    assert budget.run(idle, TemplateTooHeavy, _scheduler) == os.SCHED_IDLE
    assert run(_scheduler) == os.sched_getscheduler(0) == os.SCHED_OTHER
    assert DELIVERY_BACKGROUND_BUDGET.idle and not DELIVERY_BUDGET.idle


def _tell_and_sleep(path: str) -> None:
    with open(path, "w") as told:
        told.write(str(os.getpid()))
    time.sleep(60)


def _alive(pid: int) -> bool:
    """Whether a process still runs (a zombie nobody reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not budget.supported(), reason="budgets are enforced on Linux only")
def test_the_child_dies_with_its_parent(tmp_path: Any) -> None:
    """A worker killed (or a server stopped) while its child validates a large file leaves no
    child working on for nobody until its budget runs out."""
    told = tmp_path / "child.pid"
    parent = budget._fork()
    if parent == 0:  # a stand-in for a server's worker
        try:
            budget.run(
                Budget(memory_mb=64, seconds=60.0), BudgetExceeded, _tell_and_sleep, str(told)
            )
        finally:
            os._exit(0)
    deadline = time.monotonic() + 10
    while not (told.exists() and told.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int(told.read_text())
    assert _alive(child)
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)
