"""Several API servers behind a load balancer: connections, failover and watches.

A client-go Reflector whose watch ends re-watches from the last resourceVersion it saw
on whatever server it reaches next; if that revision has been compacted the server
answers 410 Gone and the Reflector lists again.
"""
import pytest

import kubelab as kl
from kubelab import errors
from kubelab.apiserver.balancer import LoadBalancer
from kubelab.apiserver.server import APIServer


def servers(n=3):
    c = kl.Cluster(nodes=0)
    extra = [APIServer(c.store, clock=c.clock, rng=c.rng) for _ in range(n - 1)]
    return c, LoadBalancer([c.api, *extra])


def configmap(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_connections_are_spread_round_robin_and_stick_to_their_server():
    c, lb = servers()
    conns = [lb.connect(f"client-{i}") for i in range(4)]
    assert [x.server for x in conns] == [0, 1, 2, 0]
    conns[1].create(configmap("a"))
    conns[1].get("configmaps", "a")
    assert lb.requests == [0, 2, 0] and conns[1].requests == 2


def test_a_dead_servers_clients_reconnect_and_their_watches_miss_nothing():
    c, lb = servers()
    conn = lb.connect("informer")
    listed = conn.list("configmaps")
    watch = conn.watch("configmaps", resource_version=listed["metadata"]["resourceVersion"])
    conn.create(configmap("before"))
    lb.stop(0)                                  # the watch's events so far are kept
    assert conn.server == 1
    c.api.create(configmap("during"))           # written while the watch moved
    conn.create(configmap("after"))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in watch.take()] == \
        [("ADDED", "before"), ("ADDED", "during"), ("ADDED", "after")]


def test_a_watch_resumed_past_compaction_tells_its_reflector_to_list_again():
    c, lb = servers(2)
    conn = lb.connect("informer")
    watch = conn.watch("configmaps", resource_version=str(c.store.revision))
    conn.partition()                            # the client is cut off ...
    for i in range(3):
        c.api.create(configmap(f"cm-{i}"))
    c.store.compact(c.store.revision)           # ... while history it has not seen is compacted
    conn.heal()
    [event] = watch.take()
    assert event["type"] == "ERROR" and event["object"]["code"] == 410


def test_a_partitioned_client_is_refused_and_no_server_means_503():
    c, lb = servers(2)
    conn = lb.connect("scheduler")
    conn.partition()
    with pytest.raises(errors.ServiceUnavailable, match="was refused"):
        conn.list("pods")
    conn.heal()
    lb.stop(0)
    lb.stop(1)
    assert conn.server is None
    with pytest.raises(errors.ServiceUnavailable):
        conn.get("namespaces", "default", namespace=None)
    lb.start(1)
    assert conn.server == 1 and conn.get("namespaces", "default", namespace=None)["metadata"]["name"] == "default"
