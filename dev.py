#!/usr/bin/env python3
"""One script, two jobs, on a fresh machine with nothing but Python 3.10+:

    python3 dev.py book    # set everything up, then open the book in JupyterLab
    python3 dev.py test    # set everything up, then run the whole test suite

(and ``bench`` runs the benchmarks, ``book-html`` builds the static site into book/_build)

Set-up creates ./.venv, installs kubelab with what the book and the tests need,
and installs the system tools they use where this machine allows it (graphviz's
``dot``; for the tests also etcd and Chromium) — on Debian/Ubuntu as root via
apt-get, on macOS via Homebrew — and otherwise says what is missing and why.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

#: system tool -> (Debian package, Homebrew formula, what needs it)
TOOLS = {
    "dot": ("graphviz", "graphviz", "diagrams (without it they fall back to HTML)"),
    "etcd": ("etcd-server", "etcd", "the real-etcd store tests"),
    "chromium": ("chromium", None, "the JupyterLab browser test"),
}


def say(msg: str) -> None:
    print(f"[kubelab] {msg}", flush=True)


def sh(*cmd, **kw) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv(extra: str) -> None:
    if sys.version_info < (3, 10):
        sys.exit(f"kubelab needs Python 3.10 or newer; this is {platform.python_version()}")
    if not PY.exists():
        say(f"creating a virtual environment in {VENV}")
        sh(sys.executable, "-m", "venv", VENV)
    stamp = VENV / f".installed-{extra}"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    say(f"installing kubelab[{extra}] and its dependencies (first run only; a few minutes)")
    sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extra}]")
    stamp.write_text(want)


def ensure_tools(names: list[str]) -> None:
    missing = [n for n in names if not shutil.which(n) and not (n == "chromium" and shutil.which("chromium-browser"))]
    if not missing:
        return
    apt = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    brew = shutil.which("brew")
    if apt:
        pkgs = [TOOLS[n][0] for n in missing]
        if "chromium" in pkgs:
            pkgs.append("chromium-driver")
        say(f"installing {' '.join(pkgs)} with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", *pkgs, env=env, stdout=subprocess.DEVNULL)
        return
    for name in missing:
        pkg, formula, why = TOOLS[name]
        if brew and formula:
            say(f"installing {formula} with Homebrew")
            sh(brew, "install", formula)
        else:
            say(f"'{name}' is not installed, so {why} will be skipped. Install it with your package "
                f"manager (Debian/Ubuntu: sudo apt-get install {pkg}; conda: see environment.yml).")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("book", "test", "bench", "book-html"):
        print(__doc__)
        return 2
    job, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if job == "book":
        ensure_venv("book")
        ensure_tools(["dot"])
        say("starting JupyterLab on the book (Ctrl-C to stop)")
        os.execv(str(BIN / "jupyter"), [str(BIN / "jupyter"), "lab", "book/00-start-here.ipynb", *rest])
    ensure_venv("test")
    if job == "book-html":
        ensure_tools(["dot"])
        return subprocess.call([str(BIN / "jupyter-book"), "build", "book", *rest])
    if job == "bench":
        for script in sorted((ROOT / "benchmarks").glob("*_bench.py")):
            sh(PY, script)
        return 0
    ensure_tools(list(TOOLS))
    return subprocess.call([str(PY), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
