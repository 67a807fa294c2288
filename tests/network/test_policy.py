"""NetworkPolicy: who may connect to whom (https://kubernetes.io/docs/concepts/services-networking/
network-policies/). The server ``prod/api`` runs on node-1 with HTTP on 8080 (named ``http``) and
9376; clients run on node-2 (prod) and node-3 (dev)."""
import pytest

import kubelab as kl

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.39"


def pod(name, namespace, node, labels, containers):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": node, "containers": containers}}


def client(name, namespace, node, role):
    return pod(name, namespace, node, {"role": role}, [{"name": "c", "image": "busybox", "command": ["sleep", "1h"]}])


@pytest.fixture(scope="module")
def c():
    c = kl.Cluster(nodes=3, seed=0)
    for ns in ("prod", "dev"):
        c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"env": ns}}})
    c.apply([
        pod("api", "prod", "node-1", {"app": "api"}, [
            {"name": "http", "image": AGNHOST, "args": ["netexec", "--http-port=8080"],
             "ports": [{"name": "http", "containerPort": 8080}]},
            {"name": "hostname", "image": AGNHOST, "args": ["serve-hostname", "--port=9376"]}]),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "prod"},
         "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 8080}]}},
        client("frontend", "prod", "node-2", "frontend"), client("other", "prod", "node-2", "other"),
        client("frontend", "dev", "node-3", "frontend"), client("other", "dev", "node-3", "other"),
    ])
    c.run(30)
    return c


@pytest.fixture
def policies(c):
    """Apply NetworkPolicies (name -> spec) in ``prod`` for one test, then remove them."""
    names = []

    def apply(**specs):
        for name, spec in specs.items():
            c.apply({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": name, "namespace": "prod"}, "spec": spec})
            names.append(name)
        c.run(1)
    yield apply
    for name in names:
        c.delete("networkpolicy", name, namespace="prod")


def api_ip(c):
    return c.get("pod", "api", namespace="prod")["status"]["podIP"]


def reach(c, who, port=8080):
    """Whether ``who`` ("namespace/name" of a client) gets an answer from prod/api on ``port``."""
    namespace, name = who.split("/")
    r = c.curl(f"http://{api_ip(c)}:{port}/", from_pod=name, namespace=namespace)
    assert r.exit_code in (0, 28), r.error           # allowed, or dropped (never refused)
    return r.ok


CLIENTS = ["prod/frontend", "prod/other", "dev/frontend", "dev/other"]
FRONTEND = {"podSelector": {"matchLabels": {"role": "frontend"}}}
DEV = {"namespaceSelector": {"matchLabels": {"env": "dev"}}}


@pytest.mark.parametrize("ingress, allowed", [
    # the docs' table of peers: no policy; deny all; podSelector (the policy's namespace only);
    # namespaceSelector (all Pods there); both in one peer (AND); two peers (OR)
    (None, CLIENTS),
    ([], []),
    ([{"from": [FRONTEND]}], ["prod/frontend"]),
    ([{"from": [DEV]}], ["dev/frontend", "dev/other"]),
    ([{"from": [{**DEV, **FRONTEND}]}], ["dev/frontend"]),
    ([{"from": [DEV, FRONTEND]}], ["prod/frontend", "dev/frontend", "dev/other"]),
    ([{}], CLIENTS),                                    # one empty rule allows everything
])
def test_ingress_peers_decide_which_clients_get_through(c, policies, ingress, allowed):
    if ingress is not None:
        policies(api={"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"], "ingress": ingress})
    assert [who for who in CLIENTS if reach(c, who)] == allowed


def test_an_ip_block_with_an_exception(c, policies):
    node_3_pods = c.networking.nodes["node-3"].pod_cidr          # where the dev clients live
    policies(api={"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.0/16",
                                                                       "except": [node_3_pods]}}]}]})
    assert [who for who in CLIENTS if reach(c, who)] == ["prod/frontend", "prod/other"]


@pytest.mark.parametrize("ports, open_ports", [
    ([{"port": 8080}], [8080]),
    ([{"port": "http"}], [8080]),                       # a named port of the destination Pod
    ([{"port": 9000, "endPort": 9500}], [9376]),
    ([{"port": 8080, "protocol": "UDP"}], []),
])
def test_rule_ports_limit_what_is_allowed(c, policies, ports, open_ports):
    policies(api={"podSelector": {}, "ingress": [{"ports": ports}]})
    assert [p for p in (8080, 9376) if reach(c, "prod/frontend", p)] == open_ports


def test_a_denied_connection_times_out_and_says_which_policy_denied_it(c, policies):
    policies(**{"deny-all": {"podSelector": {}}})
    r = c.curl("http://api.prod/", from_pod="frontend", namespace="dev")
    assert r.exit_code == 28 and r.error.startswith("curl: (28) Failed to connect to api.prod port 80 after")
    assert "ingress to prod/api denied by NetworkPolicy prod/deny-all" in r.path


def test_policies_add_up_any_one_allowing_is_enough(c, policies):
    policies(**{"deny-all": {"podSelector": {}},
                "allow-frontend": {"podSelector": {}, "ingress": [{"from": [FRONTEND]}]}})
    r = c.curl(f"http://{api_ip(c)}:8080/", from_pod="frontend", namespace="prod")
    assert r.ok and "ingress to prod/api allowed by NetworkPolicy prod/allow-frontend" in r.path
    r = c.curl(f"http://{api_ip(c)}:8080/", from_pod="other", namespace="prod")
    assert "ingress to prod/api denied by NetworkPolicies prod/allow-frontend, prod/deny-all" in r.path


def test_egress_deny_all_breaks_dns_until_dns_is_allowed(c, policies):
    # the usual surprise: default-deny egress also blocks the Pod's queries to CoreDNS
    policies(**{"deny-egress": {"podSelector": {"matchLabels": {"role": "frontend"}}, "policyTypes": ["Egress"]}})
    r = c.curl("http://api/", from_pod="frontend", namespace="prod")
    assert (r.exit_code, r.error) == (6, "curl: (6) Could not resolve host: api")
    assert not c.curl(f"http://{api_ip(c)}:8080/", from_pod="frontend", namespace="prod").ok
    policies(**{"allow-dns-and-api": {"podSelector": {"matchLabels": {"role": "frontend"}}, "policyTypes": ["Egress"],
                                      "egress": [{"to": [{"namespaceSelector": {}, "podSelector": {
                                                     "matchLabels": {"k8s-app": "kube-dns"}}}],
                                                  "ports": [{"port": 53, "protocol": "UDP"}]},
                                                 {"to": [{"podSelector": {"matchLabels": {"app": "api"}}}]}]}})
    assert c.curl("http://api/", from_pod="frontend", namespace="prod").ok


def test_traffic_from_the_pods_own_node_is_always_allowed(c, policies):
    policies(**{"deny-all": {"podSelector": {}}})
    assert c.curl(f"http://{api_ip(c)}:8080/", node="node-1").ok           # api runs on node-1
    assert c.curl(f"http://{api_ip(c)}:8080/", node="node-2").exit_code == 28


def test_a_pod_cannot_block_itself_even_through_its_service(c, policies):
    # (the Pod's own name is in its /etc/hosts, so ask for the Service by its longer name)
    policies(**{"deny-all": {"podSelector": {}}})
    r = c.curl("http://api.prod.svc/", from_pod="api", namespace="prod")
    assert r.ok and r.pod == "prod/api" and "a Pod cannot block itself" in r.path
