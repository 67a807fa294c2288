"""``kubelab grade`` end to end: real notebooks, re-executed in fresh kernels, hostile ones included."""
import csv
from pathlib import Path

import nbformat
import pytest
from classroom import FILES, HOSTILE, notebook, with_answer, with_cell, write

from kubelab.cli import main
from kubelab.grading import batch
from kubelab.grading.exercises import IDS
from kubelab.grading.notebook import exercise_of


def grade(tmp_path, *paths, timeout="20", extra=()):
    out = tmp_path / "gradebook.csv"
    code = main(["grade", *map(str, paths), "--out", str(out), "--timeout", timeout, *extra])
    with open(out) as f:
        rows = {(r["student"], r["exercise"]): r for r in csv.DictReader(f)}
    return code, rows


def feedback(tmp_path, student, exercise_id):
    return (tmp_path / "feedback" / student / Path(FILES[exercise_id]).with_suffix(".txt")).read_text()


@pytest.fixture(scope="module")
def solutions_and_stubs(tmp_path_factory):
    """Every reference solution and every untouched student notebook, graded in one batch."""
    tmp = tmp_path_factory.mktemp("class")
    for exercise_id, name in FILES.items():
        write(notebook(exercise_id, solution=True), tmp / "class" / "solution" / name)
        write(notebook(exercise_id, solution=False), tmp / "class" / "stub" / name)
    return (tmp, *grade(tmp, tmp / "class"))


def test_each_solution_gets_full_marks_in_a_fresh_kernel(solutions_and_stubs):
    tmp, code, rows = solutions_and_stubs
    assert code == 0
    for exercise_id in IDS:
        row = rows["solution", exercise_id]
        assert (row["status"], row["score"]) == ("ok", row["max"]), row
        assert feedback(tmp, "solution", exercise_id).splitlines()[4].startswith(f"✔ {exercise_id}")


def test_each_untouched_stub_gets_zero_and_feedback_with_hints(solutions_and_stubs):
    tmp, _, rows = solutions_and_stubs
    for exercise_id in IDS:
        assert (rows["stub", exercise_id]["status"], rows["stub", exercise_id]["score"]) == ("ok", "0")
        text = feedback(tmp, "stub", exercise_id)
        assert "not yet, 0 of" in text and "hint: " in text


def test_the_gradebook_has_a_column_per_check_marked_one_or_zero(solutions_and_stubs):
    tmp, _, rows = solutions_and_stubs
    row = rows["solution", "ex04.sidecar"]
    assert {k: v for k, v in row.items() if k.startswith("ex04.sidecar/")} == {
        "ex04.sidecar/runs": "1", "ex04.sidecar/shares-files": "1", "ex04.sidecar/localhost": "1",
        "ex04.sidecar/two-on-a-node": "1", "ex04.sidecar/private-files": "1"}
    assert row["ex05.reconcile/creates"] == ""                  # not this notebook's exercise
    assert rows["stub", "ex04.sidecar"]["ex04.sidecar/runs"] == "0"


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """Hostile edits of the GPU-plugin solution (a code answer), plus worse."""
    tmp = tmp_path_factory.mktemp("hostile")
    solution = notebook("ex06b.gpu", solution=True)
    for name, (edit, _) in HOSTILE.items():
        write(edit(solution), tmp / "class" / name / FILES["ex06b.gpu"])
    killer = solution.cells[[i for i, c in enumerate(solution.cells) if "answer" in c.metadata.get("tags", [])][0]]
    write(with_answer(solution, killer.source.replace("        asked = gpus_asked(pod)\n        if not asked:",
                                                      "        import os\n        os._exit(0)\n        if 0:", 1)),
          tmp / "class" / "kills-the-checks" / FILES["ex06b.gpu"])
    (tmp / "class" / "not-a-notebook").mkdir()
    (tmp / "class" / "not-a-notebook" / FILES["ex06b.gpu"]).write_text("{ this is not json")
    return (tmp, *grade(tmp, tmp / "class", timeout="10", extra=["--exercise", "ex06b.gpu"]))


@pytest.mark.parametrize("name", [n for n, (_, graded) in HOSTILE.items() if graded])
def test_a_hostile_notebook_is_still_graded_on_the_answer_it_defines(hostile_class, name):
    tmp, code, rows = hostile_class
    assert code == 0
    assert (rows[name, "ex06b.gpu"]["status"], rows[name, "ex06b.gpu"]["score"]) == ("ok", "5")


@pytest.mark.parametrize("name, note", [
    ("raises", "RuntimeError: boom"),
    ("endless-loop", "stopped after 10 s (interrupted)"),
    ("swallows-interrupts", "skipped, because it ran past 10 s and did not stop when interrupted"),
    ("os-exit", "skipped, because the kernel died while running it"),
])
def test_the_feedback_says_what_happened_to_the_notebooks_cells(hostile_class, name, note):
    tmp = hostile_class[0]
    assert note in feedback(tmp, name, "ex06b.gpu")


def test_printed_verdicts_and_patched_graders_in_the_notebook_do_not_count(hostile_class):
    tmp, _, rows = hostile_class
    # the same solution with its check cells faked: graded on its answer, neither more nor less
    assert rows["fake-verdict", "ex06b.gpu"]["score"] == rows["edited-check", "ex06b.gpu"]["score"] == "5"
    assert "✔ all checks pass" not in feedback(tmp, "fake-verdict", "ex06b.gpu")


def test_a_notebook_without_answer_an_answer_that_kills_the_checks_and_a_broken_file_score_zero(hostile_class):
    tmp, _, rows = hostile_class
    assert rows["deleted-answer", "ex06b.gpu"]["score"] == "0"
    assert "reason: the notebook defines no `answer`" in feedback(tmp, "deleted-answer", "ex06b.gpu")
    assert rows["kills-the-checks", "ex06b.gpu"]["score"] == "0"
    assert "running your answer stopped the checks (exit status 0)" in feedback(tmp, "kills-the-checks", "ex06b.gpu")
    assert rows["not-a-notebook", "ex06b.gpu"]["score"] == "0"
    assert "the file is not a readable notebook" in feedback(tmp, "not-a-notebook", "ex06b.gpu")


def test_a_change_to_the_grader_during_grading_stops_the_batch(tmp_path, monkeypatch):
    prints = iter(["before", "after"] + ["after"] * 10)
    monkeypatch.setattr(batch, "_fingerprint", lambda: next(prints))
    path = write(notebook("ex03.follow", solution=False), tmp_path / "a" / FILES["ex03.follow"])
    subs, intact = batch.grade_class([str(path)], timeout=20)
    assert not intact and subs[0].status.startswith("stopped: kubelab's grader changed")


def test_a_notebook_past_its_deadline_is_stopped_and_scores_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_allowed", lambda cells, timeout, checks: 3.0)
    sleepy = with_cell(notebook("ex04.sidecar", solution=True), "import time\ntime.sleep(60)")
    path = write(sleepy, tmp_path / "a" / FILES["ex04.sidecar"])
    subs, intact = batch.grade_class([str(path)], timeout=60)
    assert intact and subs[0].status == "deadline: grading took over 3 s" and subs[0].result.score == 0


@pytest.mark.parametrize("metadata, check_cell, filename, want", [
    ({"kubelab": {"exercise": "ex04.sidecar"}}, "", "x.ipynb", "ex04.sidecar"),
    ({}, 'kl.grading.check("ex06b.gpu", answer)', "x.ipynb", "ex06b.gpu"),
    ({}, "", "ex05b-rollout-alice.ipynb", "ex05b.rollout"),
    ({"kubelab": {"exercise": "ex99.nope"}}, "print('hi')", "homework.ipynb", None),
])
def test_which_exercise_a_notebook_is(metadata, check_cell, filename, want):
    nb = nbformat.v4.new_notebook(metadata=metadata, cells=[nbformat.v4.new_code_cell(check_cell)])
    assert exercise_of(nb, f"/class/{filename}", IDS) == want


@pytest.mark.parametrize("paths, students", [
    (["c/alice/ex04.ipynb", "c/bob/ex04.ipynb"], ["alice", "bob"]),
    (["c/alice/ps1/ex04.ipynb", "c/bob/ps1/ex04.ipynb"], ["alice", "bob"]),
    (["c/alice.ipynb", "c/bob.ipynb"], ["alice", "bob"]),
])
def test_who_a_notebook_belongs_to(tmp_path, paths, students):
    for p in paths:
        write(nbformat.v4.new_notebook(), tmp_path / p)
    subs = batch._identify([str(tmp_path / p) for p in paths], "ex04.sidecar")
    assert [s.student for s in subs] == students


def test_kubelab_grade_refuses_a_missing_path_and_an_unknown_exercise(tmp_path, capsys):
    out = str(tmp_path / "g.csv")
    assert main(["grade", str(tmp_path / "nope.ipynb"), "--out", out]) == 2
    assert "nope.ipynb: no such file or directory" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--out", out, "--exercise", "ex99.nope"]) == 2
    assert "no exercise 'ex99.nope'; the exercises are: ex01.priorities" in capsys.readouterr().err
