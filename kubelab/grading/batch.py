"""``kubelab grade``: grade a class's notebooks into a gradebook and feedback files.

    kubelab grade submissions/*/ex04-sidecar.ipynb --out gradebook.csv --timeout 60

Each notebook is graded in its own process tree (:mod:`.submission`): a fresh
kernel re-executes it, ignoring stored outputs and printed verdicts, and a
fresh worker runs the exercise's checks on the ``answer`` it defines. Up to
``--jobs`` submissions (default: the CPU count) are graded at once; one that
outlives its deadline is killed with its kernel and scores 0.

Which exercise: ``--exercise``, else the notebook's ``kubelab.exercise``
metadata, else the id in its check cell, else its file name (``ex04-...``).
Who: the first directory below the one all submissions share
(``class/alice/ex04.ipynb`` is alice's), or the file name when they all sit in
one directory (``class/alice.ipynb``).

Out: ``--out`` (CSV, one row per notebook, one column per check: 1 or 0) and
one feedback file per notebook in ``--feedback-dir`` (default: ``feedback/``
beside the CSV): the verdict, what happened while running it, and the answer
as the grader took it. As a tripwire, the grader fingerprints its own source
(kubelab/grading) before and after each notebook and stops if one changed it.
"""
from __future__ import annotations

import csv
import hashlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .exercises import IDS, load
from .framework import all_failed
from .result import Result

__all__ = ["grade_class", "main"]


@dataclass
class Submission:
    path: str
    student: str
    exercise: str | None
    cells: int = 0
    result: Result | None = None
    notes: list[str] = field(default_factory=list)
    answer: str = ""
    status: str = "ok"


def main(args) -> int:
    """The ``kubelab grade`` command (arguments parsed by kubelab.cli)."""
    try:
        paths = _notebooks(args.submissions)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.exercise and args.exercise not in IDS:
        print(f"error: no exercise {args.exercise!r}; the exercises are: {', '.join(IDS)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    feedback = Path(args.feedback_dir) if args.feedback_dir else out.parent / "feedback"
    started = time.monotonic()
    subs, intact = grade_class(paths, timeout=args.timeout, jobs=args.jobs, exercise=args.exercise)
    write_gradebook(subs, out)
    write_feedback(subs, feedback)
    _summary(subs, out, feedback, time.monotonic() - started)
    if not intact:
        print("error: kubelab's grader changed during grading (see the gradebook's status column); "
              "reinstall kubelab and grade again", file=sys.stderr)
        return 1
    return 0


def grade_class(paths: list[str], *, timeout: float = 60, jobs: int | None = None,
                exercise: str | None = None) -> tuple[list[Submission], bool]:
    """Grade every notebook, ``jobs`` at a time; returns the submissions (results filled in)
    and whether the grader's source stayed unchanged throughout."""
    from multiprocessing.connection import wait

    import nbclient  # noqa: F401  (imported once here, inherited by every forked child)

    subs = _identify(paths, exercise)
    fingerprint, intact = _fingerprint(), True
    waiting = [s for s in subs if s.exercise is not None]
    for sub in subs:
        if sub.exercise is None:
            sub.status = "cannot tell which exercise this is (use --exercise)"
    running: dict = {}
    while waiting or running:
        while waiting and intact and len(running) < (jobs or os.cpu_count() or 2):
            sub = waiting.pop(0)
            running[sub.path] = _Running(sub, timeout)
        if not running:
            break
        deadline = min(r.deadline for r in running.values())
        wait([r.process.sentinel for r in running.values()] + [r.conn for r in running.values()],
             timeout=max(0.0, deadline - time.monotonic()))
        for key, r in list(running.items()):
            if r.process.exitcode is not None or time.monotonic() >= r.deadline or r.conn.poll():
                r.finish()
                del running[key]
                if _fingerprint() != fingerprint:
                    intact = False
                    r.sub.status = "stopped: kubelab's grader changed while this notebook was graded"
                    r.sub.result = all_failed(load(r.sub.exercise), r.sub.status, None)
    for sub in waiting:
        sub.status = "not graded: kubelab's grader changed during grading"
    return subs, intact


class _Running:
    """One submission's process (see submission.grade_in_child) and its deadline."""

    def __init__(self, sub: Submission, timeout: float):
        from .submission import context, grade_in_child

        self.sub, self.exercise = sub, load(sub.exercise)
        check_seconds = min(timeout, 20.0)
        self.allowed = _allowed(sub.cells, timeout, check_seconds * len(self.exercise.checks))
        self.started = time.monotonic()
        self.deadline = self.started + self.allowed
        self.conn, send = context().Pipe(duplex=False)
        self.process = context().Process(target=grade_in_child,
                                         args=(send, sub.path, sub.exercise, timeout, check_seconds))
        self.process.start()
        send.close()

    def finish(self) -> None:
        sub = self.sub
        report = None
        try:
            if self.conn.poll(0 if self.process.exitcode is not None else 1):
                report = self.conn.recv()
        except (EOFError, OSError):
            pass
        self.process.join(5 if report is not None else 0)
        if self.process.exitcode is None:
            _kill(self.process)
        if report is None:
            late = time.monotonic() - self.started >= self.allowed
            sub.status = (f"deadline: grading took over {self.allowed:g} s" if late else
                          f"grader error (exit status {self.process.exitcode})")
            sub.result = all_failed(self.exercise, "grading this notebook took too long and was stopped" if late
                                    else "the grader could not grade this notebook", None)
            return
        sub.result = Result.from_dict(report["result"])
        sub.notes, sub.answer = report["notes"], report["answer"]


def _notebooks(args: list[str]) -> list[str]:
    found = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found += [str(q) for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts]
        elif p.exists():
            found.append(str(p))
        else:
            raise FileNotFoundError(f"{arg}: no such file or directory")
    return sorted(dict.fromkeys(found))


def _identify(paths: list[str], exercise: str | None) -> list[Submission]:
    import nbformat

    from .notebook import exercise_of

    absolute = [os.path.abspath(p) for p in paths]
    root = os.path.commonpath([os.path.dirname(p) for p in absolute]) if absolute else ""
    subs = []
    for path, full in zip(paths, absolute):
        rel = Path(os.path.relpath(full, root)).parts
        student = rel[0] if len(rel) > 1 else Path(full).stem
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:       # unreadable: the submission process reports it
            nb = nbformat.v4.new_notebook()
        ex = exercise or exercise_of(nb, path, IDS)
        subs.append(Submission(path, student, ex, cells=sum(c.cell_type == "code" for c in nb.cells)))
    return subs


def _allowed(cells: int, timeout: float, checks: float) -> float:
    """A notebook's deadline: every cell at its limit, a few restarts, the checks, and slack."""
    return timeout * (cells + 4) + checks + 60


def _kill(process) -> None:
    """SIGTERM the submission's process group (it shuts its kernel down), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:      # not yet its own group leader
            os.kill(process.pid, sig)
        process.join(wait)
        if process.exitcode is not None:
            break


def _fingerprint() -> str:
    """A hash of the grader's source files, hidden checks included (the tripwire for
    notebooks that edit the grader; simplified: the rest of kubelab is not covered)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _columns(subs: list[Submission]) -> list[str]:
    seen = [i for i in IDS if any(s.exercise == i for s in subs)]
    return [f"{i}/{c.id}" for i in seen for c in load(i).checks]


def write_gradebook(subs: list[Submission], out: Path) -> None:
    """One row per notebook: who, which exercise, score, max, status, then 1/0 per check."""
    columns = _columns(subs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "notebook", "exercise", "score", "max", "status"] + columns)
        for sub in sorted(subs, key=lambda s: (s.student, s.path)):
            r = sub.result
            marks = {f"{r.exercise}/{c.id}": int(c.passed) for c in r.checks} if r else {}
            writer.writerow([sub.student, sub.path, sub.exercise or "", r.score if r else 0, r.max if r else "",
                             sub.status] + [marks.get(col, "") for col in columns])


def write_feedback(subs: list[Submission], directory: Path) -> None:
    """``DIR/<student>/<notebook>.txt``: the verdict, notes on the run, the answer as taken."""
    for sub in subs:
        target = directory / sub.student / (Path(sub.path).stem + ".txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"student: {sub.student}", f"notebook: {sub.path}", f"exercise: {sub.exercise or '?'}", ""]
        if sub.result:
            lines += [sub.result.verdict(), ""]
        if sub.status != "ok":
            lines += [f"status: {sub.status}", ""]
        if sub.notes:
            lines += ["While your notebook ran in a fresh kernel:"] + [f"  - {n}" for n in sub.notes] + [""]
        if sub.answer:
            lines += ["Your answer, as the grader took it from the notebook:", sub.answer]
        target.write_text("\n".join(lines) + "\n")


def _summary(subs: list[Submission], out: Path, feedback: Path, seconds: float) -> None:
    print("| student | exercise | score | status |")
    print("|---|---|---|---|")
    for sub in sorted(subs, key=lambda s: (s.student, s.path)):
        score = f"{sub.result.score}/{sub.result.max}" if sub.result else "-"
        print(f"| {sub.student} | {sub.exercise or '?'} | {score} | {sub.status} |")
    print(f"\n{len(subs)} notebooks graded in {seconds:.1f} s; gradebook: {out}; feedback: {feedback}/")
