"""A three-member etcd cluster on loopback: what one, then two, stopped members do to the store.

Raft commits an entry once a quorum, floor(n/2) + 1 members, has it: 2 of 3
(etcd.io/docs/v3.4/faq: "a cluster of 3 members can tolerate 1 failure"). Each
request carries gRPC metadata hasleader=true, so a member without a leader
answers "etcdserver: no leader" (etcd api/v3rpc/rpctypes: ErrNoLeader).
"""
from __future__ import annotations

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.store import etcd_cluster
from kubelab.store.etcd import EtcdStore
from kubelab.store.etcd_cluster import EtcdCluster, available

pytestmark = pytest.mark.skipif(not available()[0], reason=f"needs a real etcd: {available()[1]}")

POD_A = "/registry/pods/default/a"
POD_B = "/registry/pods/default/b"
QUORUM_LOST = "etcd cluster is unavailable: quorum is lost: 1 of 3 members up, 2 needed ("


@pytest.fixture
def etcd():
    with EtcdCluster(3) as cluster:
        yield cluster


@pytest.fixture
def store(etcd):
    with EtcdStore(etcd.endpoints, timeout=1.0) as store:
        yield store


def member(etcd, role: str) -> int:
    """The index of the leader, or of a running follower."""
    return next(i for i, h in enumerate(etcd.health()) if h.up and h.leader == (role == "leader"))


def test_three_members_come_up_with_exactly_one_leader(etcd):
    health = etcd.health()
    assert [(h.name, h.up) for h in health] == [("m0", True), ("m1", True), ("m2", True)]
    assert sum(h.leader for h in health) == 1
    assert repr(etcd) == "<EtcdCluster 3 of 3 members up>"


@pytest.mark.parametrize("role", ["leader", "follower"])
def test_with_one_of_three_members_stopped_writes_still_succeed(etcd, store, role):
    # A stopped leader hands its leadership over first (etcdserver.Stop: "When stopping leader,
    # Stop transfers its leadership to one of its peers"); 2 of 3 are still a quorum.
    store.create(POD_A, 1)
    etcd.stop(member(etcd, role))
    assert store.update(POD_A, 2).version == 2
    assert store.create(POD_B, 1).mod_revision == 4
    assert sum(h.up for h in etcd.health()) == 2


def test_a_crashed_follower_does_not_interrupt_writes(etcd, store):
    store.create(POD_A, 1)
    etcd.kill(member(etcd, "follower"))
    assert store.update(POD_A, 2).version == 2


def test_with_two_of_three_members_stopped_writes_and_reads_fail_saying_the_quorum_is_lost(etcd, store):
    # Linearizable reads need the leader too (ReadIndex), so both are 503s.
    store.create(POD_A, 1)
    etcd.stop(member(etcd, "leader"))
    etcd.stop(member(etcd, "follower"))
    with pytest.raises(errors.ServiceUnavailable) as write:
        store.update(POD_A, 2)
    with pytest.raises(errors.ServiceUnavailable) as read:
        store.get(POD_A)
    assert write.value.code == read.value.code == 503
    assert write.value.message.startswith(QUORUM_LOST)
    assert read.value.message.startswith(QUORUM_LOST)


def test_restarting_crashed_members_restores_writes_and_keeps_the_data(etcd, store):
    store.create(POD_A, 1)
    etcd.kill(0)
    etcd.kill(1)
    with pytest.raises(errors.ServiceUnavailable):
        # A write that timed out may still commit once a quorum is back (raft keeps the
        # leader's proposal), so the message says so; this test does not rely on either fate.
        store.create(POD_B, 1)
    etcd.start(0)
    etcd.start(1)
    assert store.update(POD_A, 2).version == 2
    assert store.get(POD_A).value == 2
    assert [h.up for h in etcd.health()] == [True, True, True]


def test_a_watch_keeps_its_order_while_each_member_in_turn_stops_and_starts(etcd, store):
    # The watch's stream moves to another member and resumes from the next revision.
    watch = store.watch("/registry/pods/")
    for i in range(3):
        etcd.stop(i)
        store.create(f"/registry/pods/default/p{i}", i)
        etcd.start(i)
    store.create("/registry/pods/default/last", 3)
    assert [(e.kv.key, e.kv.mod_revision) for e in watch.take()] == [
        ("/registry/pods/default/p0", 2), ("/registry/pods/default/p1", 3),
        ("/registry/pods/default/p2", 4), ("/registry/pods/default/last", 5)]


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
      containers: [{name: web, image: nginx:1.27}]
"""


def test_a_lab_on_three_members_scales_with_one_down_and_kubectl_reports_a_lost_quorum(etcd, store):
    c = kl.Cluster(store=store)
    c.apply(WEB)
    c.run(30)
    etcd.stop(member(etcd, "leader"))
    c.kubectl("scale deployment web --replicas=3")
    c.run(30)
    assert c.kubectl("get deployment web").splitlines()[1].split()[1] == "3/3"
    etcd.stop(member(etcd, "follower"))
    assert c.kubectl("scale deployment web --replicas=4").startswith(
        "Error from server (ServiceUnavailable): " + QUORUM_LOST)


def test_available_names_the_etcd_it_found():
    ok, reason = available()
    assert ok
    assert reason.startswith("etcd 3.") and reason.endswith(" at /usr/bin/etcd")


def test_available_without_etcd_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(etcd_cluster, "_binary", lambda: None)
    assert available() == (False, "etcd is not installed (Debian/Ubuntu: apt-get install etcd-server)")
    with pytest.raises(RuntimeError, match="etcd is not installed"):
        EtcdCluster(3)
