"""Requests through Services: DNS, kube-proxy's rules, the backend that answers, and how
requests fail the way they fail in a real cluster (curl's exit codes and messages)."""
import collections

import pytest

import kubelab as kl

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.39"
APPS = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: echo}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: echo}}}}
  template:
    metadata: {{labels: {{app: echo}}}}
    spec:
      containers:
      - {{name: netexec, image: "{AGNHOST}", args: [netexec, --http-port=8080],
         ports: [{{name: http, containerPort: 8080}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: echo}}
spec:
  selector: {{app: echo}}
  ports: [{{name: http, port: 80, targetPort: http}}]
---
apiVersion: v1
kind: Service
metadata: {{name: sticky}}
spec:
  selector: {{app: echo}}
  sessionAffinity: ClientIP
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: outside}}
spec:
  type: NodePort
  selector: {{app: echo}}
  ports: [{{port: 80, targetPort: 8080, nodePort: 30080}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: shy}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: shy}}}}
  template:
    metadata: {{labels: {{app: shy}}}}
    spec:
      containers:
      - name: nginx
        image: nginx
        readinessProbe: {{httpGet: {{path: /ready, port: 80}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: shy}}
spec:
  selector: {{app: shy}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  containers: [{{name: c, image: busybox, command: [sleep, "3600"]}}]
"""


@pytest.fixture(scope="module")
def c():
    c = kl.Cluster(nodes=3, seed=0)
    c.apply(APPS)
    c.run(30)
    return c


def echo_pods(c):
    return {p["metadata"]["name"]: p for p in c.get("pods", selector="app=echo")}


def test_requests_to_a_service_spread_over_its_ready_backends(c):
    # three endpoints behind 1/3, 1/2, 1 statistic rules: each gets a third of 600 requests
    # (binomial standard deviation ~11.5)
    answers = collections.Counter(c.curl("http://echo/hostname", from_pod="client").body for _ in range(600))
    assert sorted(answers) == sorted(echo_pods(c))
    assert all(150 < n < 250 for n in answers.values())


def test_a_response_names_the_backend_and_the_path_it_took(c):
    r = c.curl("http://echo/hostname", from_pod="client")
    backend = echo_pods(c)[r.body]
    assert (r.exit_code, r.status, r.pod, r.node) == (0, 200, f"default/{r.body}", backend["spec"]["nodeName"])
    client_node = c.get("pod", "client")["spec"]["nodeName"]
    assert r.path[0] == f"DNS echo.default.svc.cluster.local: A {c.get('svc', 'echo')['spec']['clusterIP']}"
    assert any(hop.startswith(f"{client_node} nat: -A KUBE-SEP-") and
               hop.endswith(f"-j DNAT --to-destination {backend['status']['podIP']}:8080") for hop in r.path)
    assert r.path[-1] == "HTTP/1.1 200 OK"


def test_a_service_without_ready_endpoints_refuses_connections_until_one_is_ready(c):
    # kube-proxy REJECTs (icmp-port-unreachable) traffic to a Service with no endpoints
    r = c.curl("http://shy", from_pod="client")
    assert r.exit_code == 7
    assert r.error == "curl: (7) Failed to connect to shy port 80 after 0 ms: Couldn't connect to server"
    assert any('"default/shy has no endpoints"' in hop and "-j REJECT" in hop for hop in r.path)
    shy = c.get("pods", selector="app=shy")[0]["metadata"]["name"]
    c.kubectl(f"exec {shy} -- sh -c 'echo ready > /usr/share/nginx/html/ready'")
    c.run(5)                                       # the probe passes, the slice and the rules follow
    assert c.curl("http://shy/ready", from_pod="client").body == "ready\n"
    c.kubectl(f"exec {shy} -- rm /usr/share/nginx/html/ready")
    c.run(5)
    assert c.curl("http://shy", from_pod="client").exit_code == 7


def test_an_unknown_name_cannot_be_resolved(c):
    r = c.curl("http://nope/", from_pod="client")
    assert (r.exit_code, r.error) == (6, "curl: (6) Could not resolve host: nope")


def test_a_port_the_service_does_not_have_times_out(c):
    # no rule matches, and no machine has the virtual IP: the SYN goes unanswered
    r = c.curl("http://echo:8080/", from_pod="client")
    assert r.exit_code == 28 and r.error.startswith("curl: (28) Failed to connect to echo port 8080 after")


def test_nothing_listening_on_a_pod_port_is_connection_refused(c):
    ip = next(iter(echo_pods(c).values()))["status"]["podIP"]
    assert c.curl(f"http://{ip}:9999/", from_pod="client").exit_code == 7


def test_client_ip_affinity_sends_a_client_back_to_the_same_backend(c):
    answers = {c.curl("http://sticky/hostname", from_pod="client").body for _ in range(30)}
    assert len(answers) == 1
    # no masquerade from a Pod to a ClusterIP: the backend sees the client Pod's address
    assert c.curl("http://sticky/clientip", from_pod="client").body.split(":")[0] == \
        c.get("pod", "client")["status"]["podIP"]


def test_a_node_port_answers_on_every_node_and_masquerades_the_client(c):
    node_ips = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in c.get("nodes")}
    for target in ("node-1", "node-2", "node-3"):
        r = c.curl(f"http://{node_ips[target]}:30080/clientip", node="node-1")
        assert r.status == 200
        # KUBE-EXT marks the connection; the node that DNATs it becomes its source address
        gateway = c.networking.nodes[target].gateway
        assert r.body.split(":")[0] in (node_ips[target], gateway)


def test_a_container_inside_a_pod_reaches_the_service_through_the_same_rules(c):
    assert c.kubectl("exec client -- wget -qO- echo/hostname") in echo_pods(c)


def test_localhost_is_the_pods_own_network_namespace(c):
    pod = next(iter(echo_pods(c)))
    assert c.curl("http://localhost:8080/hostname", from_pod=pod).body == pod


def test_curl_from_a_pod_that_is_not_running_is_refused():
    c = kl.Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "later"},
             "spec": {"nodeSelector": {"no": "such-node"}, "containers": [{"name": "c", "image": "busybox"}]}})
    with pytest.raises(kl.errors.BadRequest, match="not running"):
        c.curl("http://web", from_pod="later")
    with pytest.raises(kl.errors.NotFound):
        c.curl("http://web", from_pod="missing")
