"""The book builds as a static HTML site, offline, from its stored outputs (Jupyter Book 1.x)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BOOK = Path(__file__).resolve().parent.parent / "book"


def chapters():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    found = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        found += [c["file"] for c in part.get("chapters", [])]
    return found


def test_every_notebook_in_book_is_in_the_table_of_contents():
    listed = {Path(c).stem for c in chapters()}
    on_disk = {p.stem for p in BOOK.glob("*.ipynb")}
    assert on_disk <= listed, f"not in _toc.yml: {sorted(on_disk - listed)}"


def test_the_book_builds_to_html(tmp_path):
    jb = Path(sys.executable).parent / "jupyter-book"
    if not jb.exists():
        pytest.skip("jupyter-book is not installed (pip install -e .[docs])")
    src = tmp_path / "book"
    shutil.copytree(BOOK, src, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    out = subprocess.run([str(jb), "build", str(src), "--path-output", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    html = tmp_path / "out" / "_build" / "html"
    for chapter in chapters():
        page = html / (Path(chapter).with_suffix(".html"))
        assert page.exists(), f"{page.name} was not built"
    assert "kubelab" in (html / "index.html").read_text()
