"""The ``kubelab serve`` command: it serves on loopback, writes the kubeconfig it announces,
and stops cleanly on Ctrl-C."""
import json
import signal
import subprocess
import sys
import urllib.request

import yaml


def test_kubelab_serve_writes_a_kubeconfig_for_the_server_it_starts_and_stops_on_ctrl_c(tmp_path):
    kubeconfig = tmp_path / "lab.kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "kubelab.cli", "serve", "--port", "0", "--nodes", "1",
                             "--kubeconfig", str(kubeconfig)], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("kubelab: a 1-node lab cluster is serving the Kubernetes API at http://127.0.0.1:")
        url = first.split(" at ")[1].split()[0]
        assert f"  export KUBECONFIG={kubeconfig}\n" == proc.stdout.readline()
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["current-context"] == "kubelab"
        assert config["clusters"] == [{"name": "kubelab", "cluster": {"server": url}}]
        assert kubeconfig.stat().st_mode & 0o077 == 0            # owner-only, as kubectl writes its own
        with urllib.request.urlopen(url + "/api/v1/nodes") as r:
            assert [n["metadata"]["name"] for n in json.loads(r.read())["items"]] == ["node-1"]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
