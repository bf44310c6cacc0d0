"""Heavy work under a budget the operating system enforces: a forked child process with
``RLIMIT_AS`` and ``RLIMIT_CPU``, and a wall-clock deadline kept by the parent.

Filling a template, validating a delivery and reading a PDF are pure functions of what was
sent; a hostile input can make any of them take gigabytes or minutes. :func:`run` calls such a
function in a child forked from the calling process, so it starts at once with everything
already imported and its arguments already in memory (nothing is pickled on the way in); only
the result, or the exception, comes back, pickled through a pipe. The child:

- may grow its address space by ``Budget.memory_mb`` beyond what the process held when it was
  forked (``RLIMIT_AS``: a ``MemoryError`` in Python, a failed allocation in C);
- may use about ``Budget.seconds`` of CPU (``RLIMIT_CPU``, in case the parent is gone) and is
  killed by the parent at ``Budget.seconds`` of wall-clock time, whatever it is doing;
- never touches the parent's database connections, sockets or files: it runs the one function,
  writes its answer and leaves with ``os._exit`` — no ``atexit``, no finalizer, no flush — and
  the objects it inherited are frozen out of its garbage collector;
- runs at a lower priority (``NICENESS`` more than its parent, or, for work no request waits
  for, in Linux's idle scheduling class), so that heavy work yields the processor to the
  requests the parent's siblings serve;
- writes no core file and leaves no zombie: the parent reaps it on every path, kills first if
  needed; and it dies with its parent (``PR_SET_PDEATHSIG``): a worker killed or recycled, a
  server stopped, leaves no child working on for nobody.

A ``ClausierError`` the function raises comes back as the same exception (the child's traceback
as its cause), so the faces answer it as they would have inline; running out of memory or time,
or a child dying of a signal, is the caller's ``BudgetExceeded`` kind.

Why fork is safe where this runs: gunicorn sync workers and RQ work horses are processes of one
thread, the CLI too. Where threads exist (the in-process job pool, a threaded development
server), only the forking thread lives on in the child: a lock another thread held at that moment
stays held there, and a child that needed it would wait — until its deadline, which the parent
keeps. The work itself (docxtpl, frictionless, pypdf) takes no lock shared with other threads'
work, and Python resets its own (imports, logging) after a fork.

The child is a bound on resources, not on privileges: it runs as the same user, with the same
files open, and the sandboxes of the work itself (Jinja's, the bounded readers of
``service.limits``) stay what stops a hostile input from doing more than costing.

Where the system cannot enforce a budget (not Linux), the function runs inline, and the log
says so once.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import math
import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from service.errors import BudgetExceeded, ServiceUnavailable
from service.limits import Budget

try:
    import resource
except ImportError:  # Windows: no limits, work runs inline (``supported``)
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MB = 1024 * 1024
#: The length of the answer, before it.
HEADER = struct.Struct("!Q")
#: Between two looks at a child whose exit cannot be watched (no pidfd).
POLL_SECONDS = 0.02
#: Outcomes the child writes.
OK, RAISED, MEMORY, CRASHED = "ok", "raised", "memory", "crashed"
#: Signals whose handlers the child puts back to the default: a server's own handlers (and
#: its wake-up pipe) are the parent's business.
RESET_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM")

#: How much lower than its parent's the child's scheduling priority is (``os.nice``): heavy
#: work gets the processor when normal requests leave it free. The kernel caps it at 19.
NICENESS = 10
#: prctl(2)'s option naming the signal a process gets when the thread that forked it dies.
PR_SET_PDEATHSIG = 1

#: True in a budgeted child: work nested in budgeted work runs inline, within the outer budget.
_in_child = False
_warned = False


class ChildTraceback(Exception):
    """The traceback of an exception raised in a budgeted child, kept as its cause."""

    def __str__(self) -> str:
        return f"\n\n(in the budgeted child process)\n{self.args[0]}"


def supported() -> bool:
    """Whether this system enforces budgets: Linux, with fork and address-space limits."""
    return sys.platform.startswith("linux") and resource is not None


def run(
    budget: Budget,
    refusal: type[BudgetExceeded],
    function: Callable[P, T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Return ``function(*args, **kwargs)``, computed in a child process held to ``budget``;
    raise ``refusal`` if it takes more memory or time, or dies; re-raise what it raised."""
    if _in_child:
        return function(*args, **kwargs)
    if not supported():
        _warn_inline()
        return function(*args, **kwargs)
    started, parent = time.monotonic(), os.getpid()
    try:
        read_end, write_end = os.pipe()
    except OSError as error:  # out of file descriptors
        raise _overloaded(function, error) from error
    try:
        pid = _fork()
    except OSError as error:  # out of processes or memory
        os.close(read_end)
        os.close(write_end)
        raise _overloaded(function, error) from error
    if pid == 0:  # the child: never returns
        _child(parent, read_end, write_end, budget, function, args, kwargs)
    os.close(write_end)
    try:
        child = _Child(pid)
        answer, timed_out = child.collect(read_end, started + budget.seconds)
    finally:
        os.close(read_end)
    return _outcome(answer, timed_out, child, budget, refusal, function, started)


def _overloaded(function: Callable[..., Any], error: OSError) -> ServiceUnavailable:
    log.error("budget: cannot fork for %s: %s", _name(function), error)
    return ServiceUnavailable(
        "Le service est momentanément surchargé : réessayez dans quelques instants."
    )


def _fork() -> int:
    # Python 3.12 warns when a process with threads forks (and the test suite makes warnings
    # errors, which would lose the child's pid); why it is fine here is in the docstring above.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return os.fork()


def _warn_inline() -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "budget: %s cannot enforce memory and time budgets; heavy work runs inline, unbounded",
            sys.platform,
        )


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


# -- the child ----------------------------------------------------------------------------


def _child(
    parent: int,
    read_end: int,
    write_end: int,
    budget: Budget,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Run the function within the budget, write its answer, and leave without cleaning up."""
    global _in_child
    code = 70  # EX_SOFTWARE: anything that stopped us from writing an answer
    try:
        os.close(read_end)
        _in_child = True
        # The parent's objects stay the parent's: not scanned (no copy-on-write of their
        # pages), never finalized here (a database connection's finalizer would speak on the
        # parent's socket).
        gc.freeze()
        _reset_signals()
        _die_with(parent)
        _lower_priority(budget)
        held = _address_space()
        _limit(budget, held)
        answer = _answer(function, args, kwargs, held)
        _write_all(write_end, HEADER.pack(len(answer)) + answer)
        code = 0
    finally:
        os._exit(code)


def _lower_priority(budget: Budget) -> None:
    """Yield the processor to the requests: ``NICENESS`` below the parent, or, for work no
    request waits for, Linux's idle class (it runs only when no other process wants the
    processor; an unprivileged process may enter it, never leave it)."""
    if budget.idle:
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return
        except (AttributeError, OSError):  # not Linux, or a kernel without the class
            pass
    os.nice(NICENESS)


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when the thread that forked it dies (Linux), and leave
    at once if it died already, before that was asked."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(70)


def _reset_signals() -> None:
    with contextlib.suppress(ValueError):  # only a main thread may; the forking one is, here
        signal.set_wakeup_fd(-1)
        for name in RESET_SIGNALS:
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _limit(budget: Budget, held: int) -> None:
    """Set the child's limits: address space, CPU time, no core file, an alarm if orphaned."""
    seconds = math.ceil(budget.seconds)
    _lower(resource.RLIMIT_CORE, 0, 0)
    _lower(resource.RLIMIT_AS, held + budget.memory_mb * MB)
    _lower(resource.RLIMIT_CPU, seconds + 1, seconds + 2)  # SIGXCPU, then SIGKILL
    # A child blocked on a lock uses no CPU: if its parent died before killing it, this ends it.
    signal.alarm(seconds + 2)


def _lower(kind: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to ``soft`` (and ``hard``), never above what the process already has."""
    _, current_hard = resource.getrlimit(kind)

    def capped(value: int, ceiling: int) -> int:
        return value if ceiling == resource.RLIM_INFINITY else min(value, ceiling)

    hard = capped(soft if hard is None else hard, current_hard)
    resource.setrlimit(kind, (capped(soft, hard), hard))


def _address_space() -> int:
    """The bytes of address space this process holds now (Linux: /proc/self/statm)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _peak_address_space() -> int:
    """The most address space this process has held (a forked child starts from its own)."""
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmPeak:"):
                return int(line.split()[1]) * 1024
    return 0


def _answer(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], held: int
) -> bytes:
    """The pickled outcome of the call: its value (and how much address space it took on top
    of what was held), or what it raised."""
    try:
        value = function(*args, **kwargs)
        grown = _peak_address_space() - held
        return pickle.dumps((OK, value, grown), pickle.HIGHEST_PROTOCOL)
    except BaseException as error:
        return _raised(error)


def _raised(error: BaseException) -> bytes:
    """An exception, pickled as its class, arguments and attributes (no ``__init__`` is run
    again to rebuild it, so any exception of the tree travels), with its traceback as text."""
    if _from_memory(error):
        return pickle.dumps((MEMORY,))
    if not isinstance(error, Exception):  # SystemExit, KeyboardInterrupt: not the parent's
        return pickle.dumps((CRASHED, type(error).__name__))
    try:
        text = "".join(traceback.format_exception(error))
    except MemoryError:
        return pickle.dumps((MEMORY,))
    for state in (dict(vars(error)), {}):
        with contextlib.suppress(Exception):
            return pickle.dumps((RAISED, type(error), error.args, state, text))
    return pickle.dumps((RAISED, RuntimeError, (f"{type(error).__name__}: {error}",), {}, text))


def _from_memory(error: BaseException) -> bool:
    """Whether the error is, or was caused by, running out of memory (a reader may have
    turned a ``MemoryError`` into "damaged file")."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# -- the parent ---------------------------------------------------------------------------


class _Child:
    """A forked child, watched through a pidfd where the kernel has them, and always reaped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: int | None = None
        self.usage: resource.struct_rusage | None = None
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # before Linux 5.3, or a sandbox refusing it
            self.pidfd = None

    def collect(self, read_end: int, deadline: float) -> tuple[bytes | None, bool]:
        """Read the child's answer until it is whole, the child is gone, or the deadline
        passes; then reap the child (killed first unless it answered). Return the answer
        (None if incomplete) and whether the deadline passed."""
        os.set_blocking(read_end, False)
        data = bytearray()
        timed_out, whole = False, False
        try:
            while not (whole := _whole(data)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                if not self._wait_readable(read_end, remaining):
                    continue
                chunk = _read_available(read_end)
                if chunk is None:  # nothing to read: the child is gone (pidfd readable)
                    break
                if chunk == b"":  # end of file: the child closed its end, by exiting
                    break
                data += chunk
        finally:
            self._reap(kill=not whole)
        return (bytes(data[HEADER.size :]) if whole else None), timed_out

    def _wait_readable(self, read_end: int, remaining: float) -> bool:
        """Wait for the pipe or the child's exit; True when there is something to look at."""
        if self.pidfd is not None:
            ready, _, _ = select.select([read_end, self.pidfd], [], [], remaining)
            return bool(ready)
        if self.status is not None:  # reaped by an earlier look: only the pipe is left
            return True
        ready, _, _ = select.select([read_end], [], [], min(remaining, POLL_SECONDS))
        if ready:
            return True
        pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        if pid:
            self.status, self.usage = status, usage
            return True
        return False

    def _reap(self, kill: bool) -> None:
        try:
            if self.status is None:
                if kill:
                    # Not reaped yet, so the pid is still this child's, even if it has exited.
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                _, self.status, self.usage = os.wait4(self.pid, 0)
        except ChildProcessError:  # someone reaped it for us (SIGCHLD ignored)
            self.status = 0
        finally:
            if self.pidfd is not None:
                os.close(self.pidfd)
                self.pidfd = None


def _whole(data: bytearray) -> bool:
    return len(data) >= HEADER.size and len(data) >= HEADER.size + HEADER.unpack_from(data)[0]


def _read_available(fd: int) -> bytes | None:
    """What the pipe holds now (b"" at end of file), or None if it holds nothing yet."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 1024 * 1024)
        except BlockingIOError:
            return b"".join(chunks) if chunks else None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _outcome(
    answer: bytes | None,
    timed_out: bool,
    child: _Child,
    budget: Budget,
    refusal: type[BudgetExceeded],
    function: Callable[..., Any],
    started: float,
) -> Any:
    """The value the child computed, or the exception to raise for what happened to it."""
    name, elapsed = _name(function), time.monotonic() - started
    memory, seconds = f"{budget.memory_mb} Mo", f"{budget.seconds:g} s"
    if answer is not None:
        try:
            outcome = pickle.loads(answer)
        except Exception as error:  # a damaged answer: a failed child
            log.error("budget: %s: unreadable answer (%s)", name, error)
            raise refusal("crash", cause="réponse illisible") from error
        kind = outcome[0]
        if kind == OK:
            grown_mb = outcome[2] / MB
            # Page faults: mostly the copies of the parent's pages the work wrote to.
            faults = child.usage.ru_minflt if child.usage else 0
            log.debug(
                "budget: %s done in %.3f s, %.0f MB of %s, %d page faults",
                name,
                elapsed,
                grown_mb,
                memory,
                faults,
                extra={
                    "budget_seconds": elapsed,
                    "budget_grown_mb": grown_mb,
                    "budget_faults": faults,
                },
            )
            return outcome[1]
        if kind == RAISED:
            raise _rebuilt(*outcome[1:])
        if kind == MEMORY:
            log.warning("budget: %s stopped: more than %s of memory", name, memory)
            raise refusal("memory", memory)
        log.error("budget: %s: the child raised %s", name, outcome[1])
        raise refusal("crash", cause=outcome[1])
    status = child.status or 0
    cpu = child.usage.ru_utime + child.usage.ru_stime if child.usage else 0.0
    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU):
        log.warning("budget: %s stopped after %.1f s (budget %s)", name, elapsed, seconds)
        raise refusal("time", seconds)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        # Not ours (we kill only at the deadline): the CPU limit's hard stop, or the kernel's
        # out-of-memory killer.
        if cpu >= math.ceil(budget.seconds):
            raise refusal("time", seconds)
        log.warning("budget: %s killed by the system (out of memory?)", name)
        raise refusal("memory", memory)
    cause = (
        f"signal {signal.Signals(os.WTERMSIG(status)).name}"
        if os.WIFSIGNALED(status)
        else f"code de sortie {os.WEXITSTATUS(status)}"
    )
    log.error("budget: %s: the child died (%s)", name, cause)
    raise refusal("crash", cause=cause)


def _rebuilt(
    kind: type[BaseException], args: tuple[Any, ...], state: dict[str, Any], text: str
) -> BaseException:
    """The child's exception, as it was, with the child's traceback as its cause."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    error.__cause__ = ChildTraceback(text)
    return error
