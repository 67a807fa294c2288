"""%load_ext kubelab gives %kubectl and %%kubectl (the cell body is kubectl's stdin)."""
import pytest

IPython = pytest.importorskip("IPython")


def test_kubectl_magics_drive_the_most_recent_cluster():
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "kubelab")
    ip.run_cell("import kubelab as kl; c = kl.Cluster(nodes=1)")
    ip.run_cell_magic("kubectl", "apply -f -",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: '1'\n")
    assert ip.user_ns["c"].get("cm", "cfg")["data"] == {"a": "1"}
    out = ip.run_line_magic("kubectl", "get configmaps")
    assert out.splitlines()[0].split() == ["NAME", "DATA", "AGE"]
