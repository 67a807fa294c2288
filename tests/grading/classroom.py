"""Submissions for grading tests and the grading benchmark: the repository's exercise
notebooks, edited the way learners (and hostile learners) edit them."""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "exercises"
FILES = {nb["metadata"]["kubelab"]["exercise"]: path.name
         for path in sorted(EXERCISES.glob("*.ipynb"))
         for nb in [nbformat.read(path, as_version=4)]}


def notebook(exercise_id: str, *, solution: bool) -> nbformat.NotebookNode:
    folder = EXERCISES / "solutions" if solution else EXERCISES
    return nbformat.read(folder / FILES[exercise_id], as_version=4)


def tagged(nb, tag: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if tag in c.metadata.get("tags", []))


def with_answer(nb, source: str):
    """The notebook with its answer cell's code replaced."""
    out = copy.deepcopy(nb)
    out.cells[tagged(out, "answer")].source = source
    return out


def with_cell(nb, source: str, *, after: str = "answer"):
    """The notebook with one more code cell after the tagged one."""
    out = copy.deepcopy(nb)
    out.cells.insert(tagged(out, after) + 1, nbformat.v4.new_code_cell(source))
    return out


def without_answer(nb):
    out = copy.deepcopy(nb)
    del out.cells[tagged(out, "answer")]
    return out


FAKE_VERDICT = "print('✔ all checks pass')"

#: hostile edits: name -> (edit, whether the answer still gets graded as it is)
HOSTILE = {
    "raises": (lambda nb: with_cell(nb, "raise RuntimeError('boom')"), True),
    "endless-loop": (lambda nb: with_cell(nb, "while True:\n    pass"), True),
    "swallows-interrupts": (lambda nb: with_cell(nb, "import time\nwhile True:\n    try:\n"
                                                     "        time.sleep(0.01)\n    except BaseException:\n"
                                                     "        pass"), True),
    "sys-exit": (lambda nb: with_cell(nb, "import sys\nsys.exit(0)"), True),
    "os-exit": (lambda nb: with_cell(nb, "import os\nos._exit(3)"), True),
    "fake-verdict": (lambda nb: with_cell(with_cell(nb, FAKE_VERDICT, after="check"),
                                          "import kubelab.grading as g\n"
                                          "g.check = lambda *a, **k: print('✔ all checks pass')\n"
                                          "import kubelab.grading.framework as f\n"
                                          "f.grade = None"), True),
    "edited-check": (lambda nb: _replace_check(nb, FAKE_VERDICT), True),
    "writes-outside": (lambda nb: with_cell(nb, "open('../kubelab-outside.txt', 'w').write('x')\n"
                                                "open('/tmp/kubelab-hostile-write.txt', 'w').write('x')"), True),
    "deleted-answer": (without_answer, False),
}


def _replace_check(nb, source: str):
    out = copy.deepcopy(nb)
    out.cells[tagged(out, "check")].source = source
    return out


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_class(directory: Path, size: int = 30) -> dict[Path, str]:
    """``size`` submissions under ``directory/<student>/``: solutions, untouched stubs and
    hostile notebooks, cycling through the exercises. Returns path -> what it is."""
    ids, hostile = list(FILES), list(HOSTILE)
    made = {}
    for i in range(size):                   # a third each: solutions, stubs, hostile edits
        exercise = ids[i % len(ids)]
        kind = ("solution", "stub", hostile[(i // 3) % len(hostile)])[i % 3]
        nb = notebook(exercise, solution=kind != "stub")
        if kind in HOSTILE:
            nb = HOSTILE[kind][0](nb)
        path = write(nb, directory / f"student{i:02d}" / FILES[exercise])
        made[path] = kind
    return made
