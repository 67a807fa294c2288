"""How an exercise is written: a ``prepare`` step and a list of checks.

An exercise module (``kubelab/grading/exercises/ex04_sidecar.py``) builds one
:class:`Exercise` and adds checks to it with a decorator::

    EXERCISE = Exercise("ex04.sidecar", "A sidecar that shares files and localhost",
                        prepare=load_pod)

    @EXERCISE.check("runs", "Pod web runs with both containers ready",
                    hint="Two servers in one Pod share one network namespace ...")
    def runs(pod):
        c = scenario.cluster()
        ...
        raise Fail("container stats is CrashLoopBackOff ...")   # the reason the learner sees

``prepare`` turns the raw answer into what the checks take (parsing, shape
checks), raising :class:`Fail` for a stub or a malformed answer; then every
check runs on its own fresh cluster. A check passes by returning and fails by
raising :class:`Fail` (a reason, and optionally a hint for this failure mode).
Any other exception comes from the learner's code and becomes the reason.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sysconfig
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .result import CheckResult, Result

__all__ = ["Exercise", "Check", "Fail", "CheckTimeout", "grade", "all_failed", "time_limit"]

#: wall-clock seconds one check may take before it fails (guards against endless loops)
CHECK_SECONDS = 30.0


class Fail(Exception):
    """A check failed: ``reason`` says what the cluster showed; ``hint`` (optional)
    replaces the check's default hint for this failure mode."""

    def __init__(self, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


class CheckTimeout(BaseException):
    """A check ran past its wall-clock limit (a BaseException, so ``except Exception``
    in the learner's code does not swallow it)."""


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[Any], None]
    hint: str
    hidden: bool = False


class Exercise:
    """One graded exercise: its id (``ex04.sidecar``), title, prepare step and checks."""

    def __init__(self, id: str, title: str, *, prepare: Callable[[Any], Any], chapter: str = "",
                 playground: Callable[[Any], Any] | None = None):
        self.id, self.title, self.chapter = id, title, chapter
        self.prepare, self.playground = prepare, playground
        self.checks: list[Check] = []

    def check(self, id: str, title: str, *, hint: str, hidden: bool = False):
        """Decorator: add ``fn(prepared_answer)`` as a check."""
        def add(fn):
            if any(c.id == id for c in self.checks):
                raise ValueError(f"{self.id}: duplicate check id {id!r}")
            self.checks.append(Check(id, title, fn, hint, hidden))
            return fn
        return add

    def __repr__(self) -> str:
        hidden = sum(c.hidden for c in self.checks)
        return f"<Exercise {self.id}: {len(self.checks)} checks ({hidden} hidden)>"


def grade(exercise: Exercise, answer, *, seconds: float = CHECK_SECONDS) -> Result:
    """Run every check of ``exercise`` on ``answer``; never raises for a wrong answer."""
    try:
        with time_limit(seconds):
            prepared = exercise.prepare(answer)
    except Fail as f:
        return all_failed(exercise, f.reason, f.hint)
    except CheckTimeout:
        return all_failed(exercise, f"reading the answer took longer than {seconds:g} s", None)
    except Exception as e:          # the learner's code, run while reading the answer
        return all_failed(exercise, f"your answer raised {describe_exception(e)}", None)
    return Result(exercise.id, exercise.title, tuple(_run(check, prepared, seconds) for check in exercise.checks))


def _run(check: Check, prepared, seconds: float) -> CheckResult:
    def failed(reason: str, hint: str | None = None) -> CheckResult:
        return CheckResult(check.id, check.title, False, check.hidden, reason, hint or check.hint)
    try:
        with time_limit(seconds):
            check.run(prepared)
    except Fail as f:
        return failed(f.reason, f.hint)
    except CheckTimeout:
        return failed(f"did not finish within {seconds:g} s (an endless loop in your code?)")
    except RecursionError:
        return failed("your code recursed without end (RecursionError)")
    except Exception as e:
        if not _learner_frames(e):
            return failed(f"the check itself failed (a kubelab bug: please report it): "
                          f"{type(e).__name__}: {e}", "This is not about your answer.")
        return failed(f"your code raised {describe_exception(e)}")
    return CheckResult(check.id, check.title, True, check.hidden)


def all_failed(exercise: Exercise, reason: str, hint: str | None) -> Result:
    return Result(exercise.id, exercise.title, tuple(
        CheckResult(c.id, c.title, False, c.hidden, reason, hint or c.hint) for c in exercise.checks))


def describe_exception(e: BaseException) -> str:
    """``KeyError: 'status'`` plus where in the learner's code, when the traceback says."""
    text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    frames = _learner_frames(e)
    return f"{text} (in {frames[-1]})" if frames else text


def _learner_frames(e: BaseException) -> list[str]:
    """``name(), line N`` of each traceback frame outside kubelab and the libraries."""
    tb, out = e.__traceback__, []
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(_LIBRARY_DIRS):
            out.append(f"{code.co_name}(), line {tb.tb_lineno}")
        tb = tb.tb_next
    return out


_LIBRARY_DIRS = tuple({os.path.dirname(os.path.dirname(__file__)), sysconfig.get_paths()["stdlib"],
                       sysconfig.get_paths()["purelib"], "<frozen"})


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise CheckTimeout in the main thread after ``seconds`` of wall time (Unix);
    elsewhere, a no-op: the batch grader's process deadline is the backstop."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
