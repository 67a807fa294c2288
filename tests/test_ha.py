"""A highly available control plane: leader-elected schedulers and controller managers,
several API servers behind a load balancer.

kube-scheduler and kube-controller-manager run with --leader-elect (Lease locks
kube-system/kube-scheduler and kube-system/kube-controller-manager; 15 s / 10 s / 2 s);
only the leader runs informers and workers.
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.client.leaderelection import JITTER_FACTOR, LEASE_DURATION, RETRY_PERIOD

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

#: the latest a follower can notice a dead leader: it sees the last renewal up to one
#: jittered retry period late, and the expiry up to one more (2 s * (1 + 1.2) each)
WORST_TAKEOVER = LEASE_DURATION + 2 * RETRY_PERIOD * (1 + JITTER_FACTOR)


def ha_cluster(seed=0):
    c = kl.Cluster(nodes=3, control_plane_replicas=3, seed=seed)
    c.apply(WEB)
    c.run(30)
    return c


def lease(c, name):
    return c.get("lease", name, namespace="kube-system")["spec"]


def pod_creates(c, since_revision):
    return [a for a in c.api.audit if a.verb == "create" and a.resource == "pods" and a.revision > since_revision]


def live_pods(c):
    return [p for p in c.get("pods") if not p["metadata"].get("deletionTimestamp")]


def test_a_default_cluster_runs_one_of_each_component_without_leader_election():
    c = kl.Cluster(nodes=1)
    assert c.get("leases", namespace="kube-system") == []
    assert {"kube-controller-manager", "kube-scheduler"} <= set(c.components)
    assert c.apiservers == [c.api]


def test_each_component_elects_one_leader_and_the_others_follow():
    c = ha_cluster()
    assert c.control_plane.leader("kube-controller-manager") == "kube-controller-manager-0"
    assert c.control_plane.leader("kube-scheduler") == "kube-scheduler-0"
    assert lease(c, "kube-scheduler")["holderIdentity"].startswith("kube-scheduler-0_")
    assert [r.name for r in c.control_plane.replicas.values() if r.component.running] == \
        ["kube-controller-manager-0", "kube-scheduler-0"]
    assert len(live_pods(c)) == 3
    assert "kube-controller-manager-1   Running   follower" in c.control_plane.table()


def test_a_killed_controller_manager_leader_is_replaced_and_the_work_is_done_once():
    c = ha_cluster()
    last_renew = c.clock.seconds
    before = c.store.revision
    c.stop("kube-controller-manager-0")
    c.kubectl("scale deployment web --replicas=6")     # nobody reconciles until a follower leads
    c.run(10)
    assert c.control_plane.leader("kube-controller-manager") is None and len(live_pods(c)) == 3
    c.run(WORST_TAKEOVER)
    new = c.control_plane.leader("kube-controller-manager")
    assert new in ("kube-controller-manager-1", "kube-controller-manager-2")
    [(took, who, _)] = [h for h in c.control_plane.history if h[2] == "started leading" and h[0] > last_renew]
    assert who == new and LEASE_DURATION <= took - last_renew <= WORST_TAKEOVER
    assert lease(c, "kube-controller-manager")["leaseTransitions"] == 1
    assert any(e["message"].startswith(new + "_") and e["message"].endswith(" became leader")
               for e in c.events("kube-system") if e["reason"] == "LeaderElection")
    c.run(10)
    # the new leader's informers list what exists; its ReplicaSet controller creates only the missing 3
    assert len(pod_creates(c, before)) == 3 and len(live_pods(c)) == 6


def test_a_partitioned_leader_steps_down_before_a_follower_takes_over():
    c = ha_cluster()
    before = c.store.revision
    c.control_plane.partition("kube-controller-manager-0")
    c.kubectl("scale deployment web --replicas=5")
    c.run(60)
    starts = [h for h in c.control_plane.history if h[2] == "started leading" and h[0] > 30]
    stops = [h for h in c.control_plane.history if h[2] == "stopped leading"]
    # renewDeadline (10 s) < leaseDuration (15 s): the old leader stops first, never two at once
    assert [h[1] for h in stops] == ["kube-controller-manager-0"]
    assert len(starts) == 1 and stops[0][0] < starts[0][0]
    assert len(pod_creates(c, before)) == 2 and len(live_pods(c)) == 5
    c.control_plane.heal("kube-controller-manager-0")
    c.run(30)
    # it came back as a new process (a new identity) and follows
    assert c.control_plane.replicas["kube-controller-manager-0"].running
    assert c.control_plane.leader("kube-controller-manager") == starts[0][1]


def test_a_killed_scheduler_leader_is_replaced_and_each_pod_is_bound_once():
    c = ha_cluster()
    before = c.store.revision
    c.stop("kube-scheduler-0")
    c.kubectl("scale deployment web --replicas=5")
    c.run(10)
    assert [p["spec"].get("nodeName") for p in live_pods(c)].count(None) == 2
    c.run(WORST_TAKEOVER + 5)
    bindings = [a for a in c.api.audit if a.resource == "pods/binding" and a.revision > before]
    assert len(bindings) == 2 and all(p["spec"].get("nodeName") for p in live_pods(c))


def test_a_dead_api_server_loses_its_clients_to_the_others_and_the_cluster_keeps_reconciling():
    c = ha_cluster()
    balancer = c.control_plane.balancer
    informer = c.controller_manager["replicaset-controller"].pods.informer
    relists = informer.relists
    on_zero = [conn.name for conn in balancer.connections if conn.server == 0]
    assert on_zero, "round robin put some connections on kube-apiserver-0"
    c.stop("kube-apiserver-0")
    served = balancer.requests[0]
    c.kubectl("scale deployment web --replicas=5")
    c.run(30)
    assert len(live_pods(c)) == 5 and all(p["status"].get("phase") == "Running" for p in live_pods(c))
    assert balancer.requests[0] == served                       # nothing reached the dead server
    assert all(conn.server in (1, 2) for conn in balancer.connections)
    # the watches resumed on the other servers from their last resourceVersion: no relist
    assert informer.relists == relists


def test_with_every_api_server_down_requests_are_refused_until_one_returns():
    c = ha_cluster()
    for i in range(3):
        c.stop(f"kube-apiserver-{i}")
    with pytest.raises(errors.ServiceUnavailable, match="was refused"):
        c.get("pods")
    c.start("kube-apiserver-2")
    assert len(c.get("pods")) == 3
