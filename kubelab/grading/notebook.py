"""Executing a submitted notebook in a fresh kernel, whatever it does, and taking out its answer.

Every code cell runs in order with a wall-clock limit (nbclient; stored outputs
are discarded). A cell past the limit is interrupted and the run goes on; a
cell that kills the kernel (``os._exit``, a crash) or ignores the interrupt is
skipped: the notebook runs again from the top in a new kernel without it (at
most three times). Then one more cell, the grader's, asks the kernel for
``answer`` (see :mod:`.capture`). Errors in cells are kept as notes for the
learner's feedback; nothing the notebook printed is graded.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

__all__ = ["Execution", "execute", "exercise_of", "EXPORT_MARK"]

EXPORT_MARK = "KUBELAB-ANSWER "
MAX_RESTARTS = 3
_EXPORT_CELL = """\
import json as _kl_json, kubelab.grading.capture as _kl_capture
try:
    _kl_answer = _kl_capture.export(globals(), "answer")
except Exception as _kl_error:
    _kl_answer = {"kind": "error", "error": str(_kl_error)}
print("%s" + _kl_json.dumps(_kl_answer))
""" % EXPORT_MARK
_ALIVE = "print('kubelab-alive')"


@dataclass
class Execution:
    """The answer as exported by the kernel (see capture.export), and what happened on the way."""

    answer: dict
    notes: list[str] = field(default_factory=list)


class _Fatal(Exception):
    def __init__(self, index: int, why: str):
        super().__init__(why)
        self.index, self.why = index, why


def execute(nb, *, cwd: str, timeout: float) -> Execution:
    """Run ``nb`` (an nbformat NotebookNode) in fresh kernels until one run gets through."""
    skipped: dict[int, str] = {}
    for _ in range(MAX_RESTARTS + 1):
        try:
            return _run(nb, cwd=cwd, timeout=timeout, skipped=skipped)
        except _Fatal as fatal:
            if fatal.index < 0:         # while the grader read `answer`: nothing left to skip
                return Execution({"kind": "error", "error": "the kernel died while the grader read `answer`"},
                                 _skip_notes(nb, skipped))
            skipped[fatal.index] = fatal.why
    return Execution({"kind": "error", "error": "the kernel kept dying; gave up"}, _skip_notes(nb, skipped))


def _run(nb, *, cwd: str, timeout: float, skipped: dict[int, str]) -> Execution:
    import copy

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    work = copy.deepcopy(nb)
    client = NotebookClient(work, timeout=timeout, allow_errors=True, kernel_name="python3",
                            interrupt_on_timeout=True, shutdown_kernel="immediate",
                            error_on_timeout={"ename": "TimeoutError", "evalue": "interrupted", "traceback": []},
                            resources={"metadata": {"path": cwd}})
    notes = _skip_notes(nb, skipped)
    with client.setup_kernel():
        def run_cell(cell, index, limit=timeout):
            client.timeout = limit
            started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                raise _Fatal(index, "the kernel died while running it (os._exit, a crash, or "
                                    "running out of memory)") from None
            except CellTimeoutError:
                pass
            return time.monotonic() - started >= limit

        def run_extra(source: str, blame: int, limit: float):
            """A cell of the grader's own, run after the notebook's (nbclient wants it in the list)."""
            cell = nbformat.v4.new_code_cell(source)
            work.cells.append(cell)
            try:
                run_cell(cell, len(work.cells) - 1, limit)
            except _Fatal as fatal:
                raise _Fatal(blame, fatal.why) from None
            finally:
                work.cells.pop()
            return cell

        for index, cell in enumerate(list(work.cells)):
            if cell.cell_type != "code" or index in skipped:
                continue
            if run_cell(cell, index):
                probe = run_extra(_ALIVE, index, min(timeout, 10))
                if "kubelab-alive" not in _text(probe):
                    raise _Fatal(index, f"it ran past {timeout:g} s and did not stop when interrupted")
                notes.append(f"{_label(nb, index)}: stopped after {timeout:g} s (interrupted)")
            else:
                notes += [f"{_label(nb, index)}: {e}" for e in _errors(cell)]
        export = run_extra(_EXPORT_CELL, -1, max(timeout, 30))
    for line in _text(export).splitlines():
        if line.startswith(EXPORT_MARK):
            return Execution(json.loads(line[len(EXPORT_MARK):]), notes)
    return Execution({"kind": "error", "error": "the kernel did not hand over `answer`"}, notes)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _errors(cell) -> list[str]:
    return [f"{o.get('ename')}: {str(o.get('evalue', ''))[:200]}"
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _label(nb, index: int) -> str:
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index + 1} ({first[:40]}{'...' if len(first) > 40 else ''})"


def _skip_notes(nb, skipped: dict[int, str]) -> list[str]:
    return [f"{_label(nb, i)}: skipped, because {why}" for i, why in sorted(skipped.items())]


_CHECK_CALL = re.compile(r"""grading\.check\(\s*["']([\w.]+)["']""")


def exercise_of(nb, path: str, known) -> str | None:
    """Which exercise a notebook is: its ``kubelab.exercise`` metadata, else the id in its
    check cell, else its file name (``ex04-sidecar.ipynb`` -> ``ex04.sidecar``)."""
    meta = (nb.get("metadata") or {}).get("kubelab") or {}
    if meta.get("exercise") in known:
        return meta["exercise"]
    for cell in nb.cells:
        for match in _CHECK_CALL.finditer(cell.source if cell.cell_type == "code" else ""):
            if match.group(1) in known:
                return match.group(1)
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return next((i for i in known if stem.startswith(i.replace(".", "-"))), None)
