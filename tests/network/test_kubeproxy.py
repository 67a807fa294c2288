"""kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go): chain names, the rules it
writes, and the text iptables-save prints for them. Expected lines are written the way
iptables-save prints kube-proxy's rules on a kind/kubeadm node."""
import random

import pytest

import kubelab as kl
from kubelab.network.iptables import Packet, Walk, stored_probability
from kubelab.network.kubeproxy import build_tables, endpoint_chain, port_proto_hash


@pytest.mark.parametrize("port_name, protocol, chain", [
    # the chains every kubeadm/kind cluster has, as `iptables-save -t nat` shows them
    ("default/kubernetes:https", "tcp", "NPX46M4PTMTKRN6Y"),
    ("kube-system/kube-dns:dns", "udp", "TCOU7JCQXEZGVUNU"),
    ("kube-system/kube-dns:dns-tcp", "tcp", "ERIFXISQEP7F7OF4"),
    ("kube-system/kube-dns:metrics", "tcp", "JD5MR3NA4I4DYORP"),
])
def test_service_chain_names_are_the_ones_real_clusters_show(port_name, protocol, chain):
    assert port_proto_hash(port_name, protocol) == chain


@pytest.mark.parametrize("n, printed", [
    # kube-proxy writes "%0.10f" of 1/n; xt_statistic keeps lround(p * 2^31); iptables-save prints
    # that over 2^31 with "%.11f"
    (2, "0.50000000000"), (3, "0.33333333349"), (4, "0.25000000000"), (5, "0.20000000019"), (10, "0.10000000009"),
])
def test_probabilities_print_as_the_kernel_stores_them(n, printed):
    assert f"{stored_probability(float(f'{1 / n:0.10f}')):.11f}" == printed


def service(name="web", *, ports=None, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": "10.96.100.10", "type": "ClusterIP",
                     "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}], **spec}}


def endpoint_slice(svc, *endpoints, port=8080, port_name="http"):
    """endpoints: (ip, node, ready, serving, terminating)."""
    return {"metadata": {"name": f"{svc}-abcde", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "nodeName": node,
                           "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}
                          for ip, node, ready, serving, terminating in endpoints]}


def nat_rules(tables, prefix=""):
    return [line for line in tables[1].lines() if line.startswith("-A " + prefix)]


def test_three_endpoints_split_one_third_one_half_then_the_rest():
    ready = [(f"10.244.{i}.5", f"node-{i}", True, True, False) for i in (1, 2, 3)]
    tables = build_tables([service()], [endpoint_slice("web", *ready)], "node-1")
    svc = "KUBE-SVC-" + port_proto_hash("default/web:http", "tcp")
    seps = [endpoint_chain("default/web:http", "tcp", f"10.244.{i}.5:8080") for i in (1, 2, 3)]
    assert nat_rules(tables, "KUBE-SERVICES") == [
        f'-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web:http cluster IP" '
        f'-m tcp --dport 80 -j {svc}',
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule '
        'in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS']
    assert nat_rules(tables, svc) == [
        f'-A {svc} ! -s 10.244.0.0/16 -d 10.96.100.10/32 -p tcp -m comment --comment "default/web:http cluster IP" '
        f'-m tcp --dport 80 -j KUBE-MARK-MASQ',
        f'-A {svc} -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random '
        f'--probability 0.33333333349 -j {seps[0]}',
        f'-A {svc} -m comment --comment "default/web:http -> 10.244.2.5:8080" -m statistic --mode random '
        f'--probability 0.50000000000 -j {seps[1]}',
        f'-A {svc} -m comment --comment "default/web:http -> 10.244.3.5:8080" -j {seps[2]}']
    assert nat_rules(tables, seps[0]) == [
        f'-A {seps[0]} -s 10.244.1.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
        f'-A {seps[0]} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080']


def test_a_service_without_usable_endpoints_is_rejected_in_the_filter_table():
    tables = build_tables([service()], [endpoint_slice("web", ("10.244.1.5", "node-1", False, False, False))],
                          "node-1")
    assert ('-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web:http has no endpoints" '
            '-m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable') in tables[0].lines()
    assert not any("KUBE-SVC-" in line for line in tables[1].lines())


def test_terminating_endpoints_that_still_serve_are_used_only_when_none_is_ready():
    # CategorizeEndpoints: ready endpoints; else serving+terminating ones (ProxyTerminatingEndpoints)
    draining = ("10.244.1.5", "node-1", False, True, True)
    gone = ("10.244.2.5", "node-2", False, False, True)
    only_draining = nat_rules(build_tables([service()], [endpoint_slice("web", draining, gone)], "node-1"), "KUBE-SVC")
    assert [line.split('"')[1] for line in only_draining[1:]] == ["default/web:http -> 10.244.1.5:8080"]
    fresh = ("10.244.3.5", "node-3", True, True, False)
    with_ready = nat_rules(build_tables([service()], [endpoint_slice("web", draining, fresh)], "node-1"), "KUBE-SVC")
    assert [line.split('"')[1] for line in with_ready[1:]] == ["default/web:http -> 10.244.3.5:8080"]


def test_a_node_port_goes_through_the_external_chain_which_masquerades():
    svc_obj = service(type="NodePort", externalTrafficPolicy="Cluster",
                      ports=[{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080}])
    tables = build_tables([svc_obj], [endpoint_slice("web", ("10.244.1.5", "node-1", True, True, False))], "node-1")
    digest = port_proto_hash("default/web:http", "tcp")
    assert nat_rules(tables, "KUBE-NODEPORTS") == [
        f'-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-{digest}']
    assert nat_rules(tables, "KUBE-EXT") == [
        f'-A KUBE-EXT-{digest} -m comment --comment "masquerade traffic for default/web:http external destinations" '
        f'-j KUBE-MARK-MASQ',
        f'-A KUBE-EXT-{digest} -j KUBE-SVC-{digest}']


def test_client_ip_affinity_checks_recent_lists_before_the_split():
    tables = build_tables([service(sessionAffinity="ClientIP",
                                   sessionAffinityConfig={"clientIP": {"timeoutSeconds": 10800}})],
                          [endpoint_slice("web", ("10.244.1.5", "node-1", True, True, False),
                                          ("10.244.2.5", "node-2", True, True, False))], "node-1")
    sep = endpoint_chain("default/web:http", "tcp", "10.244.1.5:8080")
    svc = "KUBE-SVC-" + port_proto_hash("default/web:http", "tcp")
    assert nat_rules(tables, svc)[1] == (
        f'-A {svc} -m comment --comment "default/web:http -> 10.244.1.5:8080" -m recent --rcheck --seconds 10800 '
        f'--reap --name {sep} --mask 255.255.255.255 --rsource -j {sep}')
    assert nat_rules(tables, sep)[1] == (
        f'-A {sep} -p tcp -m comment --comment "default/web:http" -m recent --set --name {sep} '
        f'--mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.5:8080')


def test_internal_traffic_policy_local_uses_the_nodes_own_endpoints_or_drops():
    svc_obj = service(internalTrafficPolicy="Local")
    slice_ = endpoint_slice("web", ("10.244.2.5", "node-2", True, True, False))
    digest = port_proto_hash("default/web:http", "tcp")
    on_node_2 = build_tables([svc_obj], [slice_], "node-2")
    assert [line.split()[1] for line in nat_rules(on_node_2, "KUBE-SVL")][1:] == [f"KUBE-SVL-{digest}"]
    assert not nat_rules(on_node_2, "KUBE-SVC")
    on_node_1 = build_tables([svc_obj], [slice_], "node-1")
    assert ('-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web:http has no local '
            'endpoints" -m tcp --dport 80 -j DROP') in on_node_1[0].lines()


def test_a_packet_walks_the_rules_to_a_dnat_and_the_split_is_even():
    ready = [(f"10.244.{i}.5", f"node-{i}", True, True, False) for i in (1, 2, 3)]
    _, nat = build_tables([service()], [endpoint_slice("web", *ready)], "node-1")
    rng, hits = random.Random(3), {}
    for _ in range(3000):
        pkt = Packet("10.244.1.9", "10.96.100.10", 80)
        nat.traverse("PREROUTING", pkt, Walk(rng, 0.0, frozenset(), {}))
        hits[pkt.dnat] = hits.get(pkt.dnat, 0) + 1
    # three endpoints, 1000 expected each; a binomial standard deviation is about 26
    assert sorted(hits) == [(f"10.244.{i}.5", 8080) for i in (1, 2, 3)]
    assert all(900 < n < 1100 for n in hits.values())


def test_the_kubernetes_service_looks_as_it_does_in_a_kind_cluster():
    # a selectorless Service whose EndpointSlice someone else writes (here: as kube-apiserver does)
    c = kl.Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes"},
             "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "targetPort": 6443}]}})
    c.apply({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes"}},
             "addressType": "IPv4", "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
             "endpoints": [{"addresses": ["172.18.0.2"], "conditions": {"ready": True}}]})
    c.run()
    nat = c.iptables_save("node-1", "nat").splitlines()
    sep = endpoint_chain("default/kubernetes:https", "tcp", "172.18.0.2:6443")
    assert nat[0].startswith("# Generated by iptables-save v1.8.9")
    for line in [
        '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" '
        '-m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
        '-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment '
        '"default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ',
        f'-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 172.18.0.2:6443" -j {sep}',
        f'-A {sep} -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination '
        '172.18.0.2:6443',
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE '
        '--random-fully',
        '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    ]:
        assert line in nat
    assert nat[nat.index("*nat") + 1: nat.index("*nat") + 5] == [
        ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]


def test_kube_proxy_syncs_at_most_once_a_second_after_a_burst_of_two():
    # --iptables-min-sync-period=1s with BoundedFrequencyRunner's burst of 2
    c = kl.Cluster(nodes=1, seed=0)
    proxy = c.networking.proxies["node-1"]
    c.run(2)                  # let the boot-time syncs' burst budget refill
    before = proxy.syncs
    for i in range(3):
        c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}"},
                 "spec": {"ports": [{"port": 80}]}})
    assert proxy.syncs == before + 2
    assert "default/s2 has no endpoints" not in c.iptables_save("node-1", "filter")
    c.run(1)
    assert proxy.syncs == before + 3
    assert "default/s2 has no endpoints" in c.iptables_save("node-1", "filter")


def test_a_stopped_kube_proxy_leaves_its_last_rules_in_place_until_it_restarts():
    # the rules live in the node's kernel, not in kube-proxy: a dead kube-proxy means stale rules
    c = kl.Cluster(nodes=1, seed=0)
    proxy = c.networking.proxies["node-1"]
    proxy.stop()
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "late"}, "spec": {"ports": [{"port": 80}]}})
    c.run(5)
    assert "default/late" not in c.iptables_save("node-1")
    proxy.start()
    assert '"default/late has no endpoints"' in c.iptables_save("node-1")
