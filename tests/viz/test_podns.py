"""Inside a Pod: which namespaces the pause container and the containers share.

Kubernetes' model (kubernetes.io, "Pods" and "Share Process Namespace between
Containers in a Pod"): the containers of a Pod share the sandbox's network, IPC
and UTS namespaces; each has its own mount namespace; the PID namespace is
shared only with ``shareProcessNamespace: true``; ``hostNetwork: true`` uses the
node's network namespace.
"""
import pytest

import kubelab as kl
from kubelab.node.sandbox import HOST_NAMESPACES


def two_container_pod(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "duo"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"},
                                    {"name": "side", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
                     **spec}}


@pytest.mark.parametrize("spec, shared", [
    ({}, ["net", "ipc", "uts"]),
    ({"shareProcessNamespace": True}, ["net", "ipc", "uts", "pid"]),
])
def test_containers_share_the_sandboxs_namespaces_except_mnt(spec, shared):
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(two_container_pod(**spec))
    c.run()
    ns = kl.viz.pod_namespaces(c, "duo")
    assert [m.name for m in ns.members] == ["pause", "web", "side"]
    assert ns.shared() == shared
    assert len({m.inodes["mnt"] for m in ns.members}) == 3       # a mount namespace each


def test_the_inodes_are_the_ones_readlink_reports_inside_each_container():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(two_container_pod())
    c.run()
    ns = kl.viz.pod_namespaces(c, "duo")
    out, code = c.api.exec("duo", "default", "side", ["readlink", "/proc/self/ns/net", "/proc/self/ns/mnt"])
    side = ns.members[2].inodes
    assert (out, code) == (f"net:[{side['net']}]\nmnt:[{side['mnt']}]\n", 0)


def test_a_host_network_pod_is_in_the_nodes_network_namespace():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(two_container_pod(hostNetwork=True))
    c.run()
    ns = kl.viz.pod_namespaces(c, "duo")
    assert {m.inodes["net"] for m in ns.members} == {HOST_NAMESPACES["net"]}


def test_a_container_that_is_not_running_has_no_inodes_to_show():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(two_container_pod())
    ns = kl.viz.pod_namespaces(c, "duo")           # scheduled, not started yet
    assert [m.inodes for m in ns.members] == [{}, {}, {}]
    assert ns.shared() == []


def test_the_text_and_the_diagram_name_every_inode():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply(two_container_pod())
    c.run()
    ns = kl.viz.pod_namespaces(c, "duo")
    source = kl.viz.pod_namespaces_diagram(ns).source
    net = ns.members[0].inodes["net"]
    assert str(ns).splitlines()[-1] == "shared by all: net, ipc, uts"
    assert f"net:[{net}]\\nshared" in source
    assert source.count(f"-> ns_net_{net}") == 3                  # pause and both containers
    for m in ns.members:
        assert f"ns_mnt_{m.inodes['mnt']} [label=\"mnt:[{m.inodes['mnt']}]\"" in source
