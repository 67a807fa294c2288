"""Failure injection, and the cluster converging again, as a real cluster would."""
import pytest

import kubelab as kl
from kubelab import errors

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def running(c):
    return sorted((p["metadata"]["name"], p["spec"].get("nodeName")) for p in c.get("pods")
                  if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"))


def ready(node):
    return next(x["status"] for x in node["status"]["conditions"] if x["type"] == "Ready")


def test_a_failed_nodes_pods_come_back_elsewhere_after_about_350_seconds():
    # node-monitor-grace-period 50 s (v1.32, kubernetes#126287) -> Unknown + unreachable:NoExecute
    # taint; every Pod tolerates it for 300 s (DefaultTolerationSeconds); then the ReplicaSet
    # replaces them
    c = kl.Cluster(nodes=3, seed=1)
    c.apply(WEB)
    c.run(30)
    victims = [n for n, node in running(c) if node == "node-1"]
    assert victims, "the scenario needs a Pod on node-1"
    c.fail_node("node-1")
    c.run(45)
    assert ready(c.get("node", "node-1")) == "True"       # 45 s: still within the grace period
    c.run(15)
    node = c.get("node", "node-1")
    assert ready(node) == "Unknown"
    assert {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}.items() <= \
        next(t for t in node["spec"]["taints"] if t["effect"] == "NoExecute").items()
    c.run(240)                                 # 300 s after the failure: not yet evicted
    assert set(victims) <= {p["metadata"]["name"] for p in c.get("pods")}
    assert not any(p["metadata"].get("deletionTimestamp") for p in c.get("pods"))
    c.run(60)                                  # 360 s: evicted and replaced on healthy nodes
    now_running = running(c)
    assert len([n for n, node in now_running if node != "node-1"]) == 3
    evicted = [e for e in c.events() if e["reason"] == "TaintManagerEviction"]
    assert sorted(e["involvedObject"]["name"] for e in evicted) == sorted(victims)


def test_a_healed_partition_lets_the_kubelet_finish_what_the_control_plane_decided():
    c = kl.Cluster(nodes=2, seed=1)
    c.apply(WEB)
    c.run(30)
    c.partition_node("node-2")
    c.run(400)
    terminating = [p for p in c.get("pods") if p["metadata"].get("deletionTimestamp")]
    assert all(p["spec"]["nodeName"] == "node-2" for p in terminating)
    c.heal_node("node-2")
    c.run(60)
    assert ready(c.get("node", "node-2")) == "True"
    assert not [p for p in c.get("pods") if p["metadata"].get("deletionTimestamp")]
    assert len(running(c)) == 3


def test_a_killed_container_is_restarted_by_the_kubelet():
    c = kl.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    c.run(30)
    c.kill_container("web")
    c.run(30)
    status = c.get("pod", "web")["status"]["containerStatuses"][0]
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 137
    with pytest.raises(errors.BadRequest, match="container sidecar is not valid for pod web"):
        c.kill_container("web", "sidecar")


def test_a_stopped_scheduler_leaves_pods_pending_until_it_restarts():
    c = kl.Cluster(nodes=1)
    c.stop("kube-scheduler")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    c.run(60)
    assert c.get("pod", "web")["spec"].get("nodeName") is None
    c.start("kube-scheduler")
    c.run(30)
    assert c.get("pod", "web")["status"]["phase"] == "Running"
    with pytest.raises(ValueError, match="no component 'etcd'"):
        c.stop("etcd")


def test_a_restarted_controller_manager_catches_up_on_what_it_missed():
    c = kl.Cluster(nodes=2)
    c.apply(WEB)
    c.run(30)
    c.stop("kube-controller-manager")
    c.api.patch("deployments", "web", {"spec": {"replicas": 5}})
    c.run(30)
    assert len(c.get("pods")) == 3
    c.start("kube-controller-manager")
    c.run(30)
    assert len(running(c)) == 5


def test_a_new_node_joins_with_its_kubelet():
    c = kl.Cluster(nodes=1)
    node = c.add_node()
    assert node["metadata"]["name"] == "node-2"
    c.run(15)
    assert ready(c.get("node", "node-2")) == "True"
    assert "node-2" in c.kubelets


def test_a_new_node_gets_its_kube_proxy_and_serves_requests():
    c = kl.Cluster(nodes=1)
    c.add_node()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
             "spec": {"nodeName": "node-2", "containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    c.run(10)
    assert "KUBE-SVC-" in c.iptables_save("node-2")
    reply = c.curl("http://web", node="node-2")
    assert reply.status == 200 and reply.pod == "default/web"


def test_a_kubelet_rides_out_an_unreachable_api_server():
    # the kubelet retries its heartbeat next period instead of crashing
    c = kl.Cluster(nodes=1)
    real = c.api.update

    def down(*args, **kwargs):
        raise errors.ServiceUnavailable("the server is currently unable to handle the request")
    c.api.update = down
    c.run(25)
    c.api.update = real
    c.run(15)
    renewed = c.get("lease", "node-1", namespace="kube-node-lease")["spec"]["renewTime"]
    assert renewed[:19] >= "2025-01-01T00:00:30"        # renewed again once the server answered
