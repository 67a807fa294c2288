"""Graded exercises: ``kl.grading.check(exercise_id, answer)`` in a notebook,
``kubelab grade`` for a class.

    import kubelab as kl
    answer = '''
    apiVersion: v1
    kind: Pod
    ...
    '''
    result = kl.grading.check("ex04.sidecar", answer)   # prints the verdict

``check`` runs the answer (a manifest, a plugin class, a reconcile function, a
dict of numbers or short answers) against the exercise's scenarios, each on a
fresh lab cluster, with failures injected where they matter (deleted Pods,
duplicated events, a controller restart, a node going away). It prints one
line per check, and under each failed one the reason, in Kubernetes' words,
and one hint. Hidden checks run too and count: the verdict is green only
when every check passes. What a hidden check tests is not shown: neither its
code nor its expected values are in the notebook or the feedback.

``kl.grading.playground(exercise_id, answer)`` returns a cluster set up like
the exercise's main scenario, to experiment with. ``kl.grading.list_exercises()``
lists the exercises. The batch grader is :mod:`kubelab.grading.batch`.
"""
from __future__ import annotations

import os

from .framework import Exercise, Fail, grade
from .result import CheckResult, Result

__all__ = ["check", "playground", "list_exercises", "Result", "CheckResult", "Exercise", "Fail", "BATCH_ENV"]

#: set by ``kubelab grade`` in the kernels it starts: ``check()`` then only says
#: that the grader runs the checks itself (it ignores what a notebook prints)
BATCH_ENV = "KUBELAB_GRADING_BATCH"


def check(exercise_id: str, answer) -> Result | None:
    """Grade ``answer`` for ``exercise_id``, print the verdict and return the Result."""
    from .exercises import load

    exercise = load(exercise_id)
    if os.environ.get(BATCH_ENV):
        print(f"{exercise_id}: kubelab grade runs the checks itself, on your `answer`.")
        return None
    result = grade(exercise, answer)
    note = _portability_note(answer)
    if note:
        result = Result(result.exercise, result.title, result.checks, result.notes + (note,))
    print(result.verdict())
    return result


def playground(exercise_id: str, answer=None):
    """A cluster set up like the exercise's main scenario (with ``answer`` applied or
    registered where the exercise allows), to experiment with."""
    from .exercises import load

    exercise = load(exercise_id)
    if exercise.playground is None:
        raise ValueError(f"{exercise_id} has no playground: use kl.Cluster() and apply your answer")
    return exercise.playground(answer)


def list_exercises() -> list[Exercise]:
    """Every exercise, in book order."""
    from .exercises import IDS, load

    return [load(i) for i in IDS]


def _portability_note(answer) -> str | None:
    """For code defined in a notebook: would the batch grader be able to carry it over?"""
    from .capture import CaptureError, export

    if not _defined_in_main(answer):
        return None
    import __main__

    try:
        export(vars(__main__), "answer", value=answer)
    except CaptureError as e:
        return f"kubelab grade could not take this answer out of the notebook: {e}"
    return None


def _defined_in_main(answer) -> bool:
    items = answer if isinstance(answer, (list, tuple)) else [answer]
    return any(callable(a) and getattr(a, "__module__", None) == "__main__" for a in items)
