"""The package's public face: light import, the contracts DESIGN.md §3 promises."""
import subprocess
import sys

import kubelab as kl


def test_importing_kubelab_does_not_pull_in_jupyter_widgets_or_graphviz():
    code = ("import sys, kubelab; heavy = [m for m in ('ipywidgets', 'IPython', 'graphviz', 'jupyterlab', "
            "'notebook') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_public_contracts_are_exported():
    assert set(kl.__all__) >= {"Cluster", "api", "errors"}
    assert kl.api.parse_quantity("1.5Gi") == kl.api.parse_quantity("1536Mi")
    assert kl.api.parse_selector("a in (x,y),!b").matches({"a": "x"})
    assert kl.api.tolerates({"key": "k", "operator": "Exists"}, {"key": "k", "effect": "NoSchedule"})
    for name in ("NotFound", "AlreadyExists", "Conflict", "Invalid", "Gone", "Forbidden"):
        assert issubclass(getattr(kl.errors, name), kl.errors.ApiError)


def test_the_same_seed_gives_the_same_cluster():
    def snapshot():
        c = kl.Cluster(nodes=2, seed=7)
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}})
        return [(o["metadata"]["name"], o["metadata"]["uid"]) for o in c.get("cm")]
    assert snapshot() == snapshot()


def test_the_kubelab_command_prints_its_version():
    out = subprocess.run([sys.executable, "-m", "kubelab.cli", "version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("kubelab 0.1.0")


def test_show_source_shows_the_engines_own_code():
    src = kl.show_source("kubelab.controllers.garbagecollector.GarbageCollector.sync")
    assert src.path == "kubelab/controllers/garbagecollector.py"
    assert src.text.lstrip().startswith("def sync(self, uid: str)")
    assert "```python" in src._repr_markdown_()


def test_apply_takes_a_namespace_and_its_contents_in_one_manifest():
    c = kl.Cluster(nodes=0)
    c.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: team}
""")
    assert c.get("cm", "cfg", namespace="team")["metadata"]["namespace"] == "team"


def test_a_bad_document_applies_nothing_and_names_the_document():
    c = kl.Cluster(nodes=0)
    bad = """
apiVersion: v1
kind: ConfigMap
metadata: {name: good}
---
apiVersion: v1
kind: Pod
metadata: {name: broken}
spec:
  containers: [{name: app}]
"""
    try:
        c.apply(bad)
    except kl.errors.Invalid as e:
        assert str(e).startswith("document 2 (Pod 'broken'): ")
        assert "spec.containers[0].image: Required value" in str(e)
    else:
        raise AssertionError("the broken Pod was accepted")
    assert c.get("cm") == []


def test_apply_takes_documents_in_order_so_later_ones_may_use_earlier_ones():
    # kubectl apply -f sends the documents one by one, in order
    c = kl.Cluster(nodes=0)
    c.apply("""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch}
value: 100
---
apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  priorityClassName: batch
  containers: [{name: app, image: busybox}]
""")
    assert c.get("pod", "job")["spec"]["priority"] == 100


def test_a_failed_apply_rolls_back_an_update_it_made_earlier():
    c = kl.Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"v": "1"}})
    try:
        c.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"v": "2"}},
                 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": []}}])
    except kl.errors.Invalid as e:
        assert "document 2 (Pod 'x')" in str(e)
    else:
        raise AssertionError("an invalid Pod was accepted")
    assert c.get("cm", "cfg")["data"] == {"v": "1"}
    assert [p["metadata"]["name"] for p in c.get("pods")] == []


def test_apply_updates_a_custom_resource_with_a_json_merge_patch():
    # custom resources have no strategic-merge metadata; kubectl apply sends a merge patch
    from kubelab.api.kinds import ResourceType
    c = kl.Cluster(nodes=0)
    podset = ResourceType("Gadget", "gadgets", "lab.example.com", "v1", custom=True)
    c.api.registry.register(podset)
    c.api.registry.register(podset)            # a second, identical registration is a no-op
    assert sum(1 for t in c.api.registry if t.kind == "Gadget") == 1
    doc = {"apiVersion": "lab.example.com/v1", "kind": "Gadget", "metadata": {"name": "web"},
           "spec": {"replicas": 2, "image": "nginx", "ports": [80, 443]}}
    c.apply(doc)
    doc["spec"] = {"replicas": 3, "ports": [80]}
    out = c.apply(doc)[0]
    assert out["spec"] == {"replicas": 3, "ports": [80]}    # image removed, list replaced whole


def test_a_custom_kind_registered_on_one_cluster_stays_in_that_cluster():
    from kubelab.api.kinds import ResourceType
    a, b = kl.Cluster(nodes=0), kl.Cluster(nodes=0)
    a.api.registry.register(ResourceType("Widget", "widgets", "lab.example.com", "v1", custom=True))
    assert a.api.resolve("widgets").kind == "Widget"
    try:
        b.api.resolve("widgets")
    except kl.errors.NotFound:
        pass
    else:
        raise AssertionError("the custom kind leaked into another cluster")
