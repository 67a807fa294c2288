"""ClusterIP and NodePort allocation, as kube-apiserver's Service storage does it
(pkg/registry/core/service/storage/alloc.go, ipallocator, portallocator; KEP-3070 and
KEP-3668 for the static/dynamic bands)."""
import ipaddress
import random

import pytest

import kubelab as kl
from kubelab.network.ipam import AllocationError, NodePortRange, ServiceIPRange


def svc(name, **spec):
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


@pytest.fixture(scope="module")
def c():
    return kl.Cluster(nodes=0, seed=0)


def test_a_service_gets_a_cluster_ip_from_the_dynamic_band_of_the_service_cidr(c):
    # 10.96.0.0/12 (kubeadm's default): the lower 256 addresses are kept for users (KEP-3070),
    # so an automatic ClusterIP is at least 10.96.1.1, and clusterIPs mirrors clusterIP.
    spec = c.api.create(svc("auto"))["spec"]
    ip = ipaddress.ip_address(spec["clusterIP"])
    assert ip in ipaddress.ip_network("10.96.0.0/12") and ip >= ipaddress.ip_address("10.96.1.1")
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")


def test_a_requested_cluster_ip_is_honoured_and_a_second_request_for_it_is_refused(c):
    assert c.api.create(svc("fixed", clusterIP="10.96.0.100"))["spec"]["clusterIPs"] == ["10.96.0.100"]
    with pytest.raises(kl.errors.Invalid) as e:
        c.api.create(svc("again", clusterIP="10.96.0.100"))
    # the exact text kube-apiserver returns (field.Invalid on spec.clusterIPs, ipallocator.ErrAllocated)
    assert e.value.message == ('Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.100"}: '
                               'failed to allocate IP 10.96.0.100: provided IP is already allocated')


@pytest.mark.parametrize("ip", ["10.0.0.1", "10.96.0.0", "10.111.255.255"])
def test_a_cluster_ip_outside_the_range_is_refused(c, ip):
    # the network and broadcast addresses are never handed out (ipallocator.New: base+1, max-1)
    with pytest.raises(kl.errors.Invalid) as e:
        c.api.create(svc("outside", clusterIP=ip))
    assert e.value.message.endswith(f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid "
                                    "range. The range of valid IPs is 10.96.0.0/12")


def test_headless_and_external_name_services_get_no_cluster_ip(c):
    assert c.api.create(svc("headless", clusterIP="None"))["spec"]["clusterIPs"] == ["None"]
    ext = c.api.create(svc("ext", type="ExternalName", externalName="example.com", ports=None))
    assert "clusterIP" not in ext["spec"]


def test_deleting_a_service_frees_its_cluster_ip(c):
    ip = c.api.create(svc("short-lived"))["spec"]["clusterIP"]
    c.api.delete("services", "short-lived")
    assert c.api.create(svc("heir", clusterIP=ip))["spec"]["clusterIP"] == ip


def test_a_node_port_comes_from_the_dynamic_band_of_30000_32767(c):
    # portallocator: the first min(max(16, 2768/32), 128) = 86 ports are the static band
    port = c.api.create(svc("np", type="NodePort"))["spec"]["ports"][0]["nodePort"]
    assert 30086 <= port <= 32767


def test_a_taken_node_port_is_refused(c):
    c.api.create(svc("np-fixed", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    with pytest.raises(kl.errors.Invalid) as e:
        c.api.create(svc("np-again", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert e.value.message == ('Service "np-again" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                               'provided port is already allocated')


@pytest.mark.parametrize("port", [80, 29999, 32768])
def test_a_node_port_outside_the_range_is_refused(c, port):
    with pytest.raises(kl.errors.Invalid) as e:
        c.api.create(svc("np-out", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
    assert e.value.message == (f'Service "np-out" is invalid: spec.ports[0].nodePort: Invalid value: {port}: '
                               'provided port is not in the valid range. The range of valid ports is 30000-32767')


def test_tcp_and_udp_ports_with_one_number_share_a_node_port(c):
    # initNodePorts: svcPortToNodePort keys the allocation by the service port number (DNS on 53)
    ports = c.api.create(svc("dns", type="NodePort", ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                           {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]))
    first, second = (p["nodePort"] for p in ports["spec"]["ports"])
    assert first == second


def test_an_update_that_leaves_allocations_out_keeps_them(c):
    # patchAllocatedValues: a PUT without clusterIP or nodePort keeps what was allocated
    created = c.api.create(svc("keep", type="NodePort", ports=[{"name": "http", "port": 80}]))
    replacement = svc("keep", type="NodePort", ports=[{"name": "http", "port": 80}])
    replacement["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    updated = c.api.update(replacement)
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert updated["spec"]["ports"][0]["nodePort"] == created["spec"]["ports"][0]["nodePort"]


def test_changing_the_type_gives_node_ports_up_and_takes_new_ones(c):
    # dropTypeDependentFields (NodePort -> ClusterIP) then txnUpdateNodePorts (ClusterIP -> NodePort)
    created = c.api.create(svc("flip", type="NodePort", ports=[{"port": 80, "nodePort": 30099}]))
    as_cluster_ip = c.api.patch("services", "flip", {"spec": {"type": "ClusterIP"}})
    assert "nodePort" not in as_cluster_ip["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in as_cluster_ip["spec"]
    assert as_cluster_ip["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    c.api.create(svc("taker", type="NodePort", ports=[{"port": 80, "nodePort": 30099}]))   # 30099 is free again
    back = c.api.patch("services", "flip", {"spec": {"type": "NodePort"}})
    assert 30086 <= back["spec"]["ports"][0]["nodePort"] <= 32767


def test_a_dry_run_reserves_nothing():
    c = kl.Cluster(nodes=0, seed=1)
    dry = c.api.create(svc("web", clusterIP="10.96.0.50"), dry_run=True)
    assert dry["spec"]["clusterIP"] == "10.96.0.50"
    assert c.api.create(svc("web", clusterIP="10.96.0.50"))["spec"]["clusterIP"] == "10.96.0.50"


def test_the_same_seed_allocates_the_same_addresses():
    def ips(seed):
        c = kl.Cluster(nodes=0, seed=seed)
        return [c.api.create(svc(f"s{i}"))["spec"]["clusterIP"] for i in range(3)]
    assert ips(7) == ips(7) != ips(8)


@pytest.mark.parametrize("cidr, band", [
    # calculateRangeOffset: min(max(16, size/16), 256), 0 for ranges of 16 addresses or fewer
    ("10.96.0.0/12", 256), ("10.0.0.0/20", 256), ("10.0.0.0/21", 128), ("10.0.0.0/24", 16),
    ("10.0.0.0/27", 16), ("10.0.0.0/28", 0),
])
def test_the_static_band_of_an_ip_range_grows_with_the_range(cidr, band):
    assert ServiceIPRange(cidr).offset == band


@pytest.mark.parametrize("first, last, band", [
    # portallocator's calculateRangeOffset: min(max(16, size/32), 128)
    (30000, 32767, 86), (30000, 30999, 31), (30000, 30015, 0), (30000, 39999, 128),
])
def test_the_static_band_of_a_port_range_grows_with_the_range(first, last, band):
    assert NodePortRange(first, last).offset == band


def test_automatic_allocation_fills_the_dynamic_band_before_the_static_one_then_is_full():
    # randomScanStrategyWithOffset: upper band first, then the lower band, then ErrFull
    r, rng, used = ServiceIPRange("10.0.0.0/27"), random.Random(0), set()
    order = []
    for _ in range(r.size):
        ip = r.next(used, rng)
        used.add(ip)
        order.append(int(ipaddress.ip_address(ip)) - int(ipaddress.ip_address("10.0.0.1")))
    assert sorted(order[:r.size - r.offset]) == list(range(r.offset, r.size))
    assert sorted(order[r.size - r.offset:]) == list(range(r.offset))
    with pytest.raises(AllocationError, match="range is full"):
        r.next(used, rng)
