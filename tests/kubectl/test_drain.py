"""kubectl drain against a whole lab cluster, with kubectl v1.32's wording
(k8s.io/kubectl/pkg/cmd/drain/drain.go, pkg/drain/drain.go and filters.go).

drain cordons the node, refuses to start if a Pod cannot be moved (DaemonSet Pods without
--ignore-daemonsets, emptyDir without --delete-emptydir-data, no controller without --force),
then evicts every Pod at once; a 429 from the Eviction API (a PodDisruptionBudget allows no
disruption) is retried every 5 s, and the node is "drained" once every evicted Pod is gone.
"""
import pytest

import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27", readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}}
"""


@pytest.fixture
def c():
    """Deployment web's two Pods on node-1 (node-2 was cordoned while they started)."""
    cluster = kl.Cluster(nodes=2, seed=0)
    cluster.kubectl("cordon node-2")
    cluster.apply(WEB)
    cluster.run(20)
    cluster.kubectl("uncordon node-2")
    return cluster


def pods_on(c, node):
    return sorted(p["metadata"]["name"] for p in c.get("pods") if p["spec"].get("nodeName") == node
                  and not p["metadata"].get("deletionTimestamp"))


def test_drain_cordons_evicts_waits_and_says_drained(c):
    before = pods_on(c, "node-1")
    out = c.kubectl("drain node-1")
    assert out.returncode == 0, out
    assert out.stdout.splitlines() == (["node/node-1 cordoned"] + [f"evicting pod default/{p}" for p in before]
                                       + [f"pod/{p} evicted" for p in before] + ["node/node-1 drained"])
    assert c.get("node", "node-1")["spec"]["unschedulable"] is True
    assert pods_on(c, "node-1") == []


def test_a_pod_without_a_controller_stops_the_drain_unless_forced(c):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lone"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "x", "image": "nginx:1.27"}]}})
    c.run(5)
    out = c.kubectl("drain node-1")
    assert out.returncode == 1
    assert out.stderr == ('error: unable to drain node "node-1", aborting command...\n\n'
                          "There are pending nodes to be drained:\n node-1\n"
                          "error: cannot delete Pods that declare no controller (use --force to override): "
                          "default/lone\n")
    assert "lone" in pods_on(c, "node-1")                    # nothing was evicted
    forced = c.kubectl("drain node-1 --force")
    assert forced.returncode == 0
    assert "Warning: deleting Pods that declare no controller: default/lone\n" in forced.stderr
    assert forced.stdout.splitlines()[0] == "node/node-1 already cordoned"


def test_daemonset_pods_need_ignore_daemonsets_and_stay(c):
    c.apply({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
             "spec": {"selector": {"matchLabels": {"app": "agent"}},
                      "template": {"metadata": {"labels": {"app": "agent"}},
                                   "spec": {"containers": [{"name": "a", "image": "registry.k8s.io/pause:3.10"}]}}}})
    c.run(10)
    agent = next(p for p in pods_on(c, "node-1") if p.startswith("agent-"))
    out = c.kubectl("drain node-1")
    assert out.stderr.splitlines()[-1] == ("error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets "
                                           f"to ignore): default/{agent}")
    out = c.kubectl("drain node-1 --ignore-daemonsets")
    assert out.returncode == 0
    assert f"Warning: ignoring DaemonSet-managed Pods: default/{agent}\n" in out.stderr
    assert pods_on(c, "node-1") == [agent]


def test_emptydir_data_needs_delete_emptydir_data(c):
    c.apply(WEB.replace("name: web", "name: cache").replace("app: web", "app: cache")
            .replace("    spec:\n      containers:", "    spec:\n      volumes: [{name: tmp, emptyDir: {}}]\n"
                     "      containers:"))
    c.run(20)
    out = c.kubectl("drain node-2")
    assert "error: cannot delete Pods with local storage (use --delete-emptydir-data to override): " \
        "default/cache-" in out.stderr
    assert c.kubectl("drain node-2 --delete-emptydir-data").returncode == 0


def test_a_budget_that_allows_no_disruption_makes_drain_retry_every_5s_until_its_timeout(c):
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
             "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}})
    c.run(2)
    pods = pods_on(c, "node-1")
    start = c.clock.seconds
    out = c.kubectl("drain node-1 --timeout=12s")
    assert out.returncode == 1
    for pod in pods:                                            # refused at 0, 5 and 10 s
        refused = (f'error when evicting pods/"{pod}" -n "default" (will retry after 5s): Cannot evict pod as it '
                   "would violate the pod's disruption budget.")
        assert out.stderr.splitlines().count(refused) == 3
    # two errors: cmdutil.CheckErr prints an aggregate one error a line, with no "error: " of its own
    assert out.stderr.splitlines()[-2:] == [
        f'error when evicting pods/"{pod}" -n "default": global timeout reached: 12s' for pod in pods]
    assert c.clock.seconds - start == 12
    assert len(pods_on(c, "node-1")) == 2


def test_a_budget_with_room_lets_drain_finish_once_replacements_are_ready(c):
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
             "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}})
    c.run(2)
    out = c.kubectl("drain node-1")
    assert out.returncode == 0
    assert "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget." in out.stderr
    assert out.stdout.splitlines()[-1] == "node/node-1 drained"
    assert len(pods_on(c, "node-2")) == 2


def test_disable_eviction_deletes_past_the_budget(c):
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
             "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}})
    c.run(2)
    out = c.kubectl("drain node-1 --disable-eviction")
    assert out.returncode == 0 and "evicting" not in out
    assert [line.split()[-1] for line in out.stdout.splitlines()[1:-1]] == ["deleted", "deleted"]


def test_drain_needs_a_node():
    c = kl.Cluster(nodes=1, seed=0)
    assert c.kubectl("drain").stderr == \
        "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n"
