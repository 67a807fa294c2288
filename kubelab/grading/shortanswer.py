"""Short-answer exercises: questions answered from what the cluster shows.

The answer is a dict, one key per question. The expected values are never
stored: each check computes them from a fresh run of the same seeded scenario
the notebook explores, so they stay right when the engine changes, and the
verdict never prints them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .framework import Exercise, Fail

__all__ = ["Question", "short_answer_exercise"]


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    hint: str


def short_answer_exercise(id: str, title: str, questions: list[Question], expected: Callable[[], dict],
                          *, chapter: str, playground: Callable[[Any], Any]) -> Exercise:
    """An Exercise with one check per question, comparing ``answer[key]`` with ``expected()[key]``."""
    keys = [q.key for q in questions]

    def prepare(answer) -> dict:
        if answer is None or answer is ...:
            raise Fail("`answer` is still the stub: there is nothing to check yet",
                       "Fill in the answer dict, run its cell, then run the check cell again.")
        if not isinstance(answer, dict):
            raise Fail(f"`answer` is a {type(answer).__name__}, not a dict",
                       f"answer = {{{', '.join(repr(k) + ': ...' for k in keys)}}}")
        return answer

    exercise = Exercise(id, title, prepare=prepare, chapter=chapter, playground=playground)
    for q in questions:
        exercise.check(q.key, q.text, hint=q.hint)(_checker(q.key, expected))
    return exercise


def _checker(key: str, expected: Callable[[], dict]):
    def check(answer: dict) -> None:
        given = answer.get(key)
        if given is None or given is ...:
            raise Fail(f"answer[{key!r}] is not filled in yet")
        if not same(given, expected()[key]):
            raise Fail(f"answer[{key!r}] = {given!r} is not what the cluster shows")
    return check


def same(given, want) -> bool:
    """Equal, allowing the natural spellings: ``"3"`` for 3, surrounding spaces in strings,
    a list in any order where the expected value is a set."""
    if isinstance(want, bool) or want is None:
        return given == want
    if isinstance(want, int):
        return isinstance(given, (int, str)) and not isinstance(given, bool) and str(given).strip() == str(want)
    if isinstance(want, str):
        return isinstance(given, str) and given.strip() == want
    if isinstance(want, (set, frozenset)):
        return isinstance(given, (list, tuple, set, frozenset)) and \
            sorted(str(g).strip() for g in given) == sorted(want) and len(set(given)) == len(given)
    if isinstance(want, dict):
        return isinstance(given, dict) and set(map(str, given)) == set(want) and \
            all(same(given.get(k), v) for k, v in want.items())
    return given == want
