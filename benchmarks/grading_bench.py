"""How long does ``kubelab grade`` take for a class? Target: 30 notebooks in under 2 minutes.

Run: ``python benchmarks/grading_bench.py`` (``--size N`` for another class size,
``--timeout S`` for the per-cell limit, default 10 s). It writes a class of
submissions to a temporary directory, cycling through the exercises:
reference solutions, untouched stubs, and hostile notebooks (a cell that
raises, an endless loop, a loop that swallows interrupts, sys.exit, os._exit,
a faked verdict with a patched grader, an edited check cell, writes outside
the notebook's directory, a deleted answer cell; see tests/grading/classroom.py).
Then it runs ``kubelab grade`` on them, once, as a teacher would, and reads
the gradebook back: every solution and every hostile notebook whose answer
survives must get full marks, every stub and deleted answer zero. Prints one
markdown table.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "grading"))

from classroom import HOSTILE, make_class  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubelab-grade-bench-") as tmp:
        made = make_class(Path(tmp) / "class", args.size)
        out = Path(tmp) / "gradebook.csv"
        command = [sys.executable, "-m", "kubelab.cli", "grade", str(Path(tmp) / "class"), "--out", str(out),
                   "--timeout", f"{args.timeout:g}"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        with open(out) as f:
            rows = {Path(r["notebook"]).resolve(): r for r in csv.DictReader(f)}
    right = 0
    for path, kind in made.items():
        row = rows[path.resolve()]
        full = kind == "solution" or (kind in HOSTILE and HOSTILE[kind][1])
        if row["score"] == (row["max"] if full else "0"):
            right += 1
        else:
            print(f"unexpected: {kind} {row['exercise']}: {row['score']}/{row['max']} ({row['status']})",
                  file=sys.stderr)
    kinds = Counter("hostile" if k in HOSTILE else k for k in made.values())
    print("| submissions | solutions | stubs | hostile | jobs | per-cell timeout | wall time | per notebook "
          "| graded as expected |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {len(made)} | {kinds['solution']} | {kinds['stub']} | {kinds['hostile']} | {os.cpu_count()} "
          f"| {args.timeout:g} s | {seconds:.1f} s | {seconds / len(made):.2f} s | {right}/{len(made)} |")
    return 0 if right == len(made) else 1


if __name__ == "__main__":
    sys.exit(main())
