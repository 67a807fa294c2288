"""ex12.netpol (chapter 12, Networking): NetworkPolicies that let only the right tiers reach the database.

Namespace ``shop`` runs a three-tier application: ``frontend`` (``app: frontend``), ``api``
(``app: api``, port 8080) and ``db`` (``app: db``: the database on 5432, its metrics exporter
on 9187), plus a ``debug`` Pod; namespace ``monitoring`` runs ``prometheus``
(``app: prometheus``), which scrapes db's metrics. Each tier has a Service. The answer is a
set of NetworkPolicy objects such that frontend reaches api:8080, api reaches db:5432,
prometheus reaches db:9187 and nothing else reaches db; name lookups keep working. The checks
send requests between the Pods (``c.curl`` from a Pod, as in chapter 12) through the lab's
policy engine, which follows the NetworkPolicy API: a Pod is isolated for ingress once a
policy with ``Ingress`` in its policyTypes selects it; allowed traffic is the union of the
rules; a peer with both namespaceSelector and podSelector selects those Pods in those
namespaces, while separate peers are ORed; a denied connection times out.
"""
from __future__ import annotations

import copy

from .. import scenario
from ..framework import Exercise, Fail

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.39"
NAMESPACES = ("shop", "monitoring")


def _server(name: str, port: int, port_name: str) -> str:
    return (f'{{name: {name}, image: "{AGNHOST}", args: [netexec, --http-port={port}], '
            f'ports: [{{name: {port_name}, containerPort: {port}}}]}}')


def _pod(name: str, namespace: str, labels: str, containers: str) -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}\n"
            f"spec:\n  containers:\n{containers}")


def _shell(name: str) -> str:
    return f'  - {{name: {name}, image: "busybox:1.36", command: [sleep, "86400"]}}\n'


#: the application, as the notebook shows it (agnhost netexec stands in for each server)
APP = "---\n".join([
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n",
    _pod("frontend", "shop", "{app: frontend, tier: web}", f"  - {_server('web', 8080, 'http')}\n"),
    _pod("api", "shop", "{app: api, tier: backend}", f"  - {_server('api', 8080, 'http')}\n"),
    _pod("db", "shop", "{app: db, tier: data}",
         f"  - {_server('postgres', 5432, 'postgres')}\n  - {_server('exporter', 9187, 'metrics')}\n"),
    _pod("debug", "shop", "{run: debug}", _shell("debug")),
    _pod("prometheus", "monitoring", "{app: prometheus}", _shell("prometheus")),
    "apiVersion: v1\nkind: Service\nmetadata: {name: frontend, namespace: shop}\n"
    "spec: {selector: {app: frontend}, ports: [{port: 80, targetPort: http}]}\n",
    "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
    "spec: {selector: {app: api}, ports: [{port: 8080, targetPort: http}]}\n",
    "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
    "spec: {selector: {app: db}, ports: [{name: postgres, port: 5432, targetPort: postgres}, "
    "{name: metrics, port: 9187, targetPort: metrics}]}\n",
])

#: Pods the hidden checks add: another namespace with look-alikes, and one more Pod in monitoring
STAGING = "---\n".join([
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n",
    _pod("api", "staging", "{app: api, tier: backend}", f"  - {_server('api', 8080, 'http')}\n"),
    _pod("prometheus", "staging", "{app: prometheus}", _shell("prometheus")),
    _pod("grafana", "monitoring", "{app: grafana}", _shell("grafana")),
])

CANARY = _pod("api-canary", "shop", "{app: api, track: canary}", f"  - {_server('api', 8080, 'http')}\n")


# -- reading the answer ---------------------------------------------------------------------
def _prepare(answer) -> tuple[dict, ...]:
    try:
        objects = scenario.load(answer)
    except Fail as f:
        if isinstance(answer, str) and "TODO" in answer and "holds no objects" in f.reason:
            raise Fail("your answer is still the stub: it holds no NetworkPolicy yet",
                       "Write your NetworkPolicies as YAML in the answer cell, separated by ---, "
                       "then run it and the check cell again.") from None
        raise
    policies = []
    for obj in objects:
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            raise Fail(f"{obj.get('kind')} has no metadata mapping", "Give every object metadata: {name: ...}.")
        what = f"{obj.get('kind')} {meta.get('name')}"
        if obj.get("kind") != "NetworkPolicy":
            raise Fail(f"the answer holds {what}; the exercise asks only for NetworkPolicy objects",
                       "The namespaces, Pods and Services are given: write only NetworkPolicies.")
        if obj.get("apiVersion") != "networking.k8s.io/v1":
            raise Fail(f"{what} has apiVersion {obj.get('apiVersion')!r}", "NetworkPolicy is networking.k8s.io/v1.")
        policy = copy.deepcopy(obj)
        namespace = policy.setdefault("metadata", {}).setdefault("namespace", "shop")
        if namespace not in NAMESPACES:
            raise Fail(f"NetworkPolicy {meta.get('name')} is in namespace {namespace!r}; the application's "
                       f"namespaces are {' and '.join(NAMESPACES)}",
                       "A policy selects Pods of its own namespace: put it where the Pods it isolates run.")
        policies.append(policy)
    c = scenario.cluster(0)
    scenario.apply(c, [o for o in scenario.load(APP) if o["kind"] == "Namespace"], what="the namespaces")
    try:
        scenario.apply(c, policies, what="your NetworkPolicies")
    except Fail as f:
        raise Fail(f.reason, "Fix the field the API server names: selectors take labels "
                             "(matchLabels or matchExpressions), ports a number or a container port's name.") from None
    return tuple(policies)


# -- the lab ----------------------------------------------------------------------------------
def _cluster(policies, *, extra: str | None = None):
    c = scenario.cluster(2)
    scenario.apply(c, APP, what="the application")
    if extra:
        scenario.apply(c, extra, what="the checks' Pods")
    c.run(10)
    scenario.apply(c, copy.deepcopy(list(policies)), what="your NetworkPolicies")
    c.run(1)
    return c


def _curl(c, pod: str, namespace: str, url: str):
    return c.curl(url, from_pod=pod, namespace=namespace)


def _why(result) -> str:
    """The policy engine's decisions on the request's path."""
    lines = [hop for hop in result.path if "NetworkPolic" in hop or hop.startswith("DNS query for")]
    return "; ".join(lines)


def _said(pod: str, namespace: str, url: str, result) -> str:
    what = f"HTTP {result.status} from {result.pod}" if result.ok else result.error
    why = _why(result)
    return f"from {namespace}/{pod}, curl {url} got {what}" + (f" ({why})" if why else "")


DNS_HINT = ("Name lookups are egress too: UDP (and TCP) port 53 to the kube-dns Pods in kube-system. A Pod that "
            "a policy isolates for Egress needs a rule allowing them.")


def _require_reaches(c, pod: str, namespace: str, url: str) -> None:
    result = _curl(c, pod, namespace, url)
    if result.ok:
        return
    hint = DNS_HINT if result.exit_code == 6 else None
    raise Fail(_said(pod, namespace, url, result) + "; this connection must work", hint)


def _require_blocked(c, pod: str, namespace: str, service: str, port: int, why: str) -> None:
    """A connection to ``service``'s ClusterIP (no name lookup involved) must time out."""
    ip = c.get("service", service, namespace="shop")["spec"]["clusterIP"]
    url = f"http://{ip}:{port}/hostname"
    result = _curl(c, pod, namespace, url)
    if result.exit_code == 28:
        return
    said = _said(pod, namespace, f"http://{service}.shop:{port} ({ip})", result)
    hint = None
    if "no NetworkPolicy selects shop/db for Ingress" in said:
        hint = ("A policy isolates the Pods its spec.podSelector matches, in its own namespace; compare it with "
                "db's labels (kubectl get pods -n shop --show-labels).")
    raise Fail(f"{said}; {why}", hint)


EXERCISE = Exercise("ex12.netpol", "only the right tiers reach the database", chapter="12-networking",
                    prepare=_prepare, playground=lambda answer: _cluster(_prepare(answer)))


@EXERCISE.check("allowed", "frontend reaches api:8080, api reaches db:5432, prometheus reaches db:9187",
                hint="Once a policy selects a Pod for Ingress, only what some rule allows gets in: each allowed "
                     "path needs a rule whose peer matches the client and whose ports include the Pod's port "
                     "(policies see the connection after kube-proxy's DNAT, at the Pod's port).")
def allowed(policies):
    c = _cluster(policies)
    _require_reaches(c, "frontend", "shop", "http://api:8080/hostname")
    _require_reaches(c, "api", "shop", "http://db:5432/hostname")
    _require_reaches(c, "prometheus", "monitoring", "http://db.shop:9187/hostname")


@EXERCISE.check("db-isolated", "nothing else reaches db: not frontend, not debug, not api on the metrics port",
                hint="Rules only allow, and they add up: a from entry `podSelector: {}` matches every Pod of "
                     "the namespace, a rule without from matches every client, a rule without ports opens "
                     "every port.")
def db_isolated(policies):
    c = _cluster(policies)
    for pod in ("frontend", "debug"):
        for port in (5432, 9187):
            _require_blocked(c, pod, "shop", "db", port, "only api may reach the database")
    _require_blocked(c, "api", "shop", "db", 9187, "api needs the database port only")


@EXERCISE.check("dns", "every Pod of the application can still look up names",
                hint=DNS_HINT)
def dns(policies):
    c = _cluster(policies)
    for namespace, pod in (("shop", "api"), ("shop", "db"), ("shop", "debug"), ("shop", "frontend"),
                           ("monitoring", "prometheus")):
        url = "http://api.shop:8080/hostname"
        result = _curl(c, pod, namespace, url)
        if result.exit_code == 6:
            raise Fail(_said(pod, namespace, url, result))


@EXERCISE.check("new-api-pod", "a new api Pod, started after the policies, reaches db:5432 as well", hidden=True,
                hint="Policies select Pods by their labels, at every connection: match the label every api "
                     "Pod carries (see the Service's selector), not labels only today's Pod happens to have.")
def new_api_pod(policies):
    c = _cluster(policies)
    scenario.apply(c, CANARY, what="a new api Pod")
    c.run(10)
    _require_reaches(c, "api-canary", "shop", "http://db:5432/hostname")


@EXERCISE.check("other-namespace", "a Pod labelled app: api in another namespace does not reach db", hidden=True,
                hint="A podSelector alone selects Pods of the policy's own namespace; a namespaceSelector in the "
                     "same peer widens it to the namespaces it matches (`{}` is every namespace).")
def other_namespace(policies):
    c = _cluster(policies, extra=STAGING)
    _require_blocked(c, "api", "staging", "db", 5432, "only shop's api may reach the database")


@EXERCISE.check("metrics-only", "only prometheus from monitoring reaches the metrics port, and only that port",
                hidden=True,
                hint="Peers in a from list are ORed: `- namespaceSelector: ...` and `- podSelector: ...` as two "
                     "entries allow every Pod of that namespace, or those Pods of the policy's namespace. Both "
                     "selectors in one entry (one dash) select those Pods in that namespace. A rule's ports "
                     "apply to all of its peers.")
def metrics_only(policies):
    c = _cluster(policies, extra=STAGING)
    _require_blocked(c, "prometheus", "monitoring", "db", 5432, "prometheus needs the metrics port only")
    _require_blocked(c, "grafana", "monitoring", "db", 9187, "only prometheus may scrape the metrics")
    _require_blocked(c, "prometheus", "staging", "db", 9187, "only monitoring's prometheus may scrape the metrics")
