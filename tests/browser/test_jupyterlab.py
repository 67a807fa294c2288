"""The widgets in a real JupyterLab 4, in headless Chromium.

Starts JupyterLab from this environment on a free loopback port with a token
and a temporary notebook folder, writes a notebook that uses the widgets, runs
all its cells through JupyterLab's Run menu, and checks what a learner would
see: the widgets' DOM, a graphviz SVG diagram, a button press changing what is
shown, and a browser console free of errors. A screenshot is saved in the
test's temporary folder.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (Debian: apt install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""

SETTINGS = {
    # keep every cell in the DOM (JupyterLab 4 otherwise detaches cells scrolled out of view)
    # and start the notebook's kernel without asking ("Always start the preferred kernel")
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
    # no "get notified about Jupyter news?" prompt over the page
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}

CELLS = [
    # Pods are created and bound, but their containers have not started yet
    f"import kubelab as kl\nfrom kubelab import widgets as kw\nc = kl.Cluster(nodes=2, seed=0)\nc.apply({WEB!r});",
    "view = kw.ClusterView(c)\nview",
    "timeline = kw.Timeline(c, step=10)\ntimeline",
    f"trace = kw.ArchitectureTrace(kl.Cluster(nodes=2, seed=1), {WEB.replace('web', 'api')!r})\n"
    "trace.run()\ntrace",
]


def notebook() -> dict:
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}},
            "cells": [{"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None,
                       "outputs": [], "source": source} for i, source in enumerate(CELLS)]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server of this environment: (base URL, token)."""
    notebooks, state = tmp_path / "notebooks", tmp_path / "jupyter"
    notebooks.mkdir()
    for plugin, settings in SETTINGS.items():
        path = state / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    (notebooks / "widgets.ipynb").write_text(json.dumps(notebook()))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_RUNTIME_DIR=str(state / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
               IPYTHONDIR=str(state / "ipython"))
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"] + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=notebooks)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text())
            time.sleep(0.25)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def kernel_started(base: str, token: str) -> bool:
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as r:
        return any(s["path"] == "widgets.ipynb" and s["kernel"]["execution_state"] == "idle" for s in json.load(r))


def run_all_cells(page, base: str, token: str) -> None:
    """Run > Run All Cells, once the notebook's kernel is up. The page shows "idle" before
    it has connected to the kernel too, so a click that ran nothing is tried again."""
    deadline = time.monotonic() + 40
    while not kernel_started(base, token):
        assert time.monotonic() < deadline, "the notebook's kernel did not start"
        time.sleep(0.25)
    first_prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    for _ in range(5):
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=40_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function("e => /\\[(\\*|\\d+)\\]/.test(e.textContent)", arg=first_prompt.element_handle(),
                                   timeout=5_000)
            return
        except sync_api.TimeoutError:
            continue
    raise AssertionError("Run All Cells never started the cells")


def test_the_widgets_render_and_respond_in_jupyterlab(jupyterlab, tmp_path):
    base, token = jupyterlab
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(f"{base}/lab/tree/widgets.ipynb?token={token}")
            idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            run_all_cells(page, base, token)

            pods = page.locator(".kl-clusterview .kl-pod")
            pods.first.wait_for()
            page.locator(".kl-trace svg").wait_for(timeout=40_000)
            idle.wait_for(timeout=40_000)
            page.wait_for_function(f"document.querySelectorAll('.jp-InputPrompt').length >= {len(CELLS)} && "
                                   "[...document.querySelectorAll('.jp-Cell .jp-InputPrompt')]"
                                   ".every(e => /\\[\\d+\\]/.test(e.textContent))")

            # the ClusterView: two Pods, not started yet
            assert pods.count() == 2
            assert [pods.nth(i).locator("small").inner_text() for i in range(2)] == ["ContainerCreating 0/1"] * 2
            # the trace: a graphviz SVG naming the components
            svg_text = page.locator(".kl-trace svg").text_content()
            for component in ("kubectl", "kube-apiserver", "deployment-controller", "kube-scheduler"):
                assert component in svg_text
            # pressing Step runs 10 simulated seconds: the Pods start, in both views
            clock = page.locator(".kl-timeline .widget-label").first
            before = clock.inner_text()
            page.locator(".kl-timeline button", has_text="Step").click()
            page.wait_for_function("[...document.querySelectorAll('.kl-clusterview .kl-pod small')]"
                                   ".every(e => e.textContent.startsWith('Running 1/1'))")
            assert clock.inner_text() != before
            assert page.locator(".kl-timeline .kl-pod.kl-ok").count() == 2
            # Play steps on the kernel's event loop until Pause, the notebook staying responsive
            page.locator(".kl-timeline button", has_text="Play").click()
            page.wait_for_function("e => /00:00:[2-5]0 \\(playing\\)/.test(e.textContent)", arg=clock.element_handle())
            page.locator(".kl-timeline button", has_text="Pause").click()
            page.wait_for_function("e => e.textContent.endsWith('(paused)')", arg=clock.element_handle())
        finally:
            page.screenshot(path=str(tmp_path / "jupyterlab.png"), full_page=True)     # also when it failed
            browser.close()
    assert (tmp_path / "jupyterlab.png").stat().st_size > 0
    assert problems == []
