"""Cluster DNS: the records CoreDNS's kubernetes plugin serves and how a Pod's resolver
searches for them (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/)."""
import pytest

import kubelab as kl
from kubelab.network.dns import candidates, search_path

APPS = """
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx, ports: [{name: web, containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: other}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Service
metadata: {name: search}
spec:
  type: ExternalName
  externalName: db.other.svc.cluster.local
"""


@pytest.fixture(scope="module")
def c():
    c = kl.Cluster(nodes=2, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    c.apply(APPS)
    c.run()
    return c


def ips(c, app):
    return sorted(p["status"]["podIP"] for p in c.get("pods", selector=f"app={app}"))


@pytest.mark.parametrize("name, tried", [
    # resolv.conf of a ClusterFirst Pod in "default": search default.svc.cluster.local svc.cluster.local
    # cluster.local, options ndots:5 (fewer than 5 dots: search list first; a trailing dot: as is)
    ("web", ["web.default.svc.cluster.local", "web.svc.cluster.local", "web.cluster.local", "web"]),
    ("db.other", ["db.other.default.svc.cluster.local", "db.other.svc.cluster.local", "db.other.cluster.local",
                  "db.other"]),
    ("a.b.c.d.e", ["a.b.c.d.e.default.svc.cluster.local", "a.b.c.d.e.svc.cluster.local",
                   "a.b.c.d.e.cluster.local", "a.b.c.d.e"]),
    ("a.b.c.d.e.f", ["a.b.c.d.e.f", "a.b.c.d.e.f.default.svc.cluster.local", "a.b.c.d.e.f.svc.cluster.local",
                     "a.b.c.d.e.f.cluster.local"]),
    ("web.default.svc.cluster.local.", ["web.default.svc.cluster.local"]),
])
def test_the_resolver_tries_the_search_path_as_ndots_5_says(name, tried):
    assert candidates(name, search_path("default")) == tried


def test_the_search_path_is_the_one_the_kubelet_writes_to_resolv_conf(c):
    pod = c.get("pod", "web-0")
    resolv = c.kubectl("exec web-0 -- cat /etc/resolv.conf")
    assert resolv.splitlines()[0] == "search " + " ".join(search_path(pod["metadata"]["namespace"]))
    assert "nameserver 10.96.0.10" in resolv and "options ndots:5" in resolv


def test_a_service_name_resolves_to_its_cluster_ip_from_its_namespace_and_across(c):
    ip = c.get("service", "db", namespace="other")["spec"]["clusterIP"]
    assert c.networking.lookup("db", "other").addresses == [ip]
    across = c.networking.lookup("db.other", "default")
    assert (across.fqdn, across.addresses) == ("db.other.svc.cluster.local", [ip])
    assert [q for q, _ in across.queries] == ["db.other.default.svc.cluster.local", "db.other.svc.cluster.local"]
    assert not c.networking.lookup("db", "default").found            # not in the Pod's own namespace


def test_a_headless_service_answers_with_its_ready_pods(c):
    assert sorted(c.networking.lookup("nginx").addresses) == ips(c, "nginx")


def test_statefulset_pods_get_stable_hostname_records(c):
    # <hostname>.<subdomain>.<namespace>.svc.cluster.local, from the endpoint's hostname
    for name in ("web-0", "web-1"):
        found = c.networking.lookup(f"{name}.nginx")
        assert (found.fqdn, found.addresses) == (f"{name}.nginx.default.svc.cluster.local",
                                                 [c.get("pod", name)["status"]["podIP"]])


def test_pod_a_records_are_the_address_with_dashes(c):
    ip = c.get("pod", "web-0")["status"]["podIP"]
    assert c.networking.lookup(ip.replace(".", "-") + ".default.pod.cluster.local").addresses == [ip]
    assert not c.networking.lookup(ip.replace(".", "-") + ".nowhere.pod.cluster.local").found


def test_an_external_name_service_is_a_cname(c):
    found = c.networking.lookup("search")
    assert found.queries[0] == ("search.default.svc.cluster.local", "CNAME db.other.svc.cluster.local")
    assert found.addresses == [c.get("service", "db", namespace="other")["spec"]["clusterIP"]]


def test_an_unknown_name_is_nxdomain_everywhere_on_the_search_path(c):
    found = c.networking.lookup("nope")
    assert not found.found and [a for _, a in found.queries] == ["NXDOMAIN"] * 4


def test_inside_a_pod_nslookup_and_wget_use_cluster_dns(c):
    out = c.kubectl("exec client -- nslookup web-1.nginx")
    assert f"Address: {c.get('pod', 'web-1')['status']['podIP']}" in out
    assert "Welcome to nginx!" in c.kubectl("exec client -- wget -qO- web-1.nginx")
    assert "bad address 'nope'" in c.kubectl("exec client -- wget -qO- nope")


def test_nslookup_of_a_headless_service_prints_every_ready_endpoint(c):
    # a headless Service's name has one A record per ready endpoint; busybox nslookup
    # prints a Name/Address pair for each record of the answer
    out = c.kubectl("exec client -- nslookup nginx")
    assert sorted(line.split()[1] for line in out.splitlines() if line.startswith("Address: ")) == ips(c, "nginx")
    assert out.count("Name:\tnginx\n") == 2
