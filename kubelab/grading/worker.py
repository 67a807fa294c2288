"""The process that runs one exercise's checks on an exported answer.

It is started fresh (forked) for each submission, after the notebook's kernel
has gone: the learner's code (a plugin, a reconcile function) runs here, away
from the batch grader, and whatever the notebook patched in its own kernel is
absent.
"""
from __future__ import annotations

from .capture import CaptureError, materialize
from .exercises import load
from .framework import CheckTimeout, Exercise, all_failed, describe_exception, grade, time_limit
from .result import Result

__all__ = ["run", "check_in_child"]


def run(exercise: Exercise, exported: dict, seconds: float) -> Result:
    """The Result for an exported answer (a missing or broken one fails every check)."""
    kind = exported.get("kind")
    if kind == "missing":
        return all_failed(exercise, "the notebook defines no `answer`",
                          "Keep the answer cell and set `answer` in it, as the notebook says.")
    if kind == "error":
        return all_failed(exercise, f"`answer` could not be taken out of the notebook: {exported['error']}",
                          "Define `answer` at the top level of a cell, from plain data or top-level "
                          "def/class statements.")
    try:
        with time_limit(seconds):
            answer = materialize(exported)
    except CaptureError as e:
        return all_failed(exercise, str(e), None)
    except CheckTimeout:
        return all_failed(exercise, f"rebuilding your answer took longer than {seconds:g} s", None)
    except Exception as e:          # the learner's code, run as it is rebuilt
        return all_failed(exercise, f"rebuilding your answer raised {describe_exception(e)}", None)
    return grade(exercise, answer, seconds=seconds)


def check_in_child(conn, exercise_id: str, exported: dict, seconds: float) -> None:
    """Process target: send the Result (as a dict) through ``conn``."""
    conn.send(run(load(exercise_id), exported, seconds).to_dict())
    conn.close()
