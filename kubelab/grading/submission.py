"""Grading one submission, in a process of its own (the batch grader forks one per notebook).

1. Copy the notebook into a fresh temporary directory (the kernel's working directory).
2. Execute it in a fresh kernel (:mod:`.notebook`), where ``check()`` only says
   that the grader runs the checks, and take out ``answer``.
3. Run the checks on that answer in a fresh child process (:mod:`.worker`).
4. Send back one report: the Result, notes on the run, the answer as taken.

The batch grader kills the process group (and so the kernel and the worker)
at a deadline.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile

from . import BATCH_ENV
from .exercises import load
from .framework import all_failed
from .result import Result

__all__ = ["grade_notebook", "grade_in_child", "context"]

#: the answer as the feedback file shows it (a few pages at most)
MAX_ANSWER_CHARS = 6000


def context():
    """Fork where the platform has it (children start with kubelab and nbclient already
    imported), spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def grade_notebook(path: str, exercise_id: str, *, timeout: float, check_seconds: float) -> dict:
    """The report for one notebook: {"result", "notes", "answer"}."""
    import nbformat

    from .notebook import execute

    exercise = load(exercise_id)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:   # not JSON, not a notebook: nbformat raises many kinds
        return _report(all_failed(exercise, f"the file is not a readable notebook: {e}", None), [], {})
    workdir = tempfile.mkdtemp(prefix="kubelab-grade-")
    try:
        shutil.copy(path, workdir)
        os.environ[BATCH_ENV] = "1"
        execution = execute(nb, cwd=workdir, timeout=timeout)
    finally:
        os.environ.pop(BATCH_ENV, None)
        shutil.rmtree(workdir, ignore_errors=True)
    return _report(_check(exercise, execution.answer, check_seconds), execution.notes, execution.answer)


def _check(exercise, answer: dict, seconds: float) -> Result:
    from .worker import check_in_child

    receive, send = multiprocessing.Pipe(duplex=False)
    child = context().Process(target=check_in_child, args=(send, exercise.id, answer, seconds), daemon=True)
    child.start()
    send.close()
    deadline = seconds * len(exercise.checks) + 30
    try:
        got = receive.recv() if receive.poll(deadline) else None
    except EOFError:                # the child died without a word
        got = None
    child.join(1)
    if child.is_alive():
        child.kill()
        child.join()
    if got is None:
        why = (f"the checks did not finish within {deadline:g} s" if child.exitcode in (None, -9) else
               f"running your answer stopped the checks (exit status {child.exitcode})")
        return all_failed(exercise, why, None)
    return Result.from_dict(got)


def _report(result: Result, notes: list[str], answer: dict) -> dict:
    shown = answer.get("source") or answer.get("repr") or answer.get("error") or ""
    if len(shown) > MAX_ANSWER_CHARS:
        shown = shown[:MAX_ANSWER_CHARS] + "\n... (cut)"
    return {"result": result.to_dict(), "notes": notes, "answer": shown}


def grade_in_child(conn, path: str, exercise_id: str, timeout: float, check_seconds: float) -> None:
    """Process target for the batch grader: a process group of its own (so a deadline
    kills the kernel and the worker with it), quiet output, the report through ``conn``."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))     # unwind: shut the kernel down
    conn.send(grade_notebook(path, exercise_id, timeout=timeout, check_seconds=check_seconds))
    conn.close()
