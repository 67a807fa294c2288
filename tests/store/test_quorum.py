"""QuorumStore: an etcd cluster of n members in memory, serving only while a quorum is up.

Raft commits an entry once a majority of the members has it and elects a leader only with a
majority of the votes, so a cluster of n members serves while floor(n/2) + 1 are up and
tolerates floor((n-1)/2) failures (etcd.io/docs/v3.5/faq, "What is failure tolerance?":
3 members tolerate 1, 4 tolerate 1, 5 tolerate 2). Its wording follows EtcdStore's
(test_etcd_cluster.py runs the same story on real etcd processes).
"""
from __future__ import annotations

import pytest

import kubelab as kl
from kubelab import errors
from kubelab.store.quorum import QuorumStore

KEY = "/registry/configmaps/default/a"


@pytest.mark.parametrize("members, quorum, tolerated", [
    # etcd FAQ's failure tolerance table
    (1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2), (6, 4, 2), (7, 4, 3),
])
def test_the_quorum_is_a_majority_and_the_rest_may_fail(members, quorum, tolerated):
    store = QuorumStore(members)
    assert (store.quorum, store.fault_tolerance) == (quorum, tolerated)
    for i in range(tolerated):
        store.stop(i)
        store.create(f"{KEY}{i}", {"n": i})             # still served
    store.stop(tolerated)
    with pytest.raises(errors.ServiceUnavailable) as e:
        store.create(KEY, {})
    assert str(e.value.message) == (f"etcd cluster is unavailable: quorum is lost: {members - tolerated - 1} of "
                                    f"{members} members up, {quorum} needed (etcdserver: no leader)")


def test_reads_need_the_quorum_too_and_nothing_is_lost_when_it_returns():
    # etcd's reads are linearizable by default: the leader must confirm with a quorum
    store = QuorumStore(3)
    store.create(KEY, {"v": 1})
    store.stop(0)
    store.stop(1)
    for read in (lambda: store.get(KEY), lambda: store.range("/registry/"), lambda: store.count("/registry/")):
        with pytest.raises(errors.ServiceUnavailable):
            read()
    store.start(1)
    assert store.get(KEY).value == {"v": 1}


def test_health_shows_who_is_up_and_who_leads():
    store = QuorumStore(3)
    assert [(h.name, h.up, h.leader) for h in store.health()] == [("m0", True, True), ("m1", True, False),
                                                                  ("m2", True, False)]
    store.stop(0)                                       # the leader goes: another takes over
    assert [(h.up, h.leader) for h in store.health()] == [(False, False), (True, True), (True, False)]
    store.stop(1)                                       # no quorum, no leader
    assert store.leader is None and repr(store) == "<QuorumStore 1 of 3 members up, quorum 2>"


def test_a_cluster_on_it_refuses_writes_once_the_quorum_is_lost():
    store = QuorumStore(3)
    c = kl.Cluster(nodes=1, seed=0, store=store)
    store.stop(2)
    assert str(c.kubectl("create configmap a --from-literal=k=v")) == "configmap/a created\n"
    store.stop(1)
    out = c.kubectl("create configmap b --from-literal=k=v")
    assert out.returncode == 1
    assert str(out) == ("Error from server (ServiceUnavailable): etcd cluster is unavailable: quorum is lost: "
                        "1 of 3 members up, 2 needed (etcdserver: no leader)\n")


@pytest.mark.parametrize("members", [0, -1, True, 2.5])
def test_a_cluster_needs_at_least_one_member(members):
    with pytest.raises(ValueError):
        QuorumStore(members)


def test_only_existing_members_can_be_stopped():
    with pytest.raises(IndexError, match="the members are 0..2"):
        QuorumStore(3).stop(3)
