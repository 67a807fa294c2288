"""Cluster federation (集群联邦): several clusters run one workload, as KubeFed does.

A federation has a control plane of its own, an API server serving the
KubeFed types (:mod:`.types`), and member clusters, which all share one
simulated clock::

    import kubelab as kl

    fed = kl.Federation.of(["east", "west"], nodes=2)    # two clusters on one timeline
    fed.apply(FEDERATED_DEPLOYMENT_YAML)                 # a FederatedDeployment and
    fed.run(30)                                          # its ReplicaSchedulingPreference
    print(fed.table("web"))                              # where the replicas are
    fed.partition("west")                                # the federation loses west:
    fed.run(60)                                          # Offline after 3 probes, replicas move

Every 10 s the federation control plane (one loop, three parts) probes the
members (:mod:`.health`), deals each ReplicaSchedulingPreference's replicas
to the Ready clusters by weight (:mod:`.scheduling`, :mod:`.planner`) and
pushes each FederatedDeployment to where it is placed (:mod:`.sync`).

simplified: the KubeFed control plane is an API server without a cluster of its
own (kubefed runs in a host cluster), ``apply`` creates or replaces an object's
spec, and only FederatedDeployments are propagated.
"""
from __future__ import annotations

import random

from .. import errors
from ..api.manifests import load_manifests
from ..api.meta import parse_time
from ..apiserver.server import APIServer
from ..client.events import EventRecorder
from ..kubectl.tabwriter import tabwrite
from ..store.memory import MemoryStore
from .health import PERIOD, ClusterHealth
from .scheduling import schedule
from .sync import Propagator
from .types import KUBEFED_NAMESPACE, federation_registry

__all__ = ["Federation"]


class Federation:
    """``Federation({"east": c1, "west": c2})``: members must share one loop
    (``kl.Cluster(..., loop=c1.loop)``), or use :meth:`Federation.of`."""

    def __init__(self, members: dict, *, seed: int = 0, period: float = PERIOD):
        if not members:
            raise ValueError("a federation needs at least one member cluster")
        loops = {id(c.loop) for c in members.values()}
        if len(loops) != 1:
            raise ValueError("member clusters must share one loop: create them with kl.Cluster(..., loop=first.loop)"
                             " or use kl.Federation.of([...])")
        self.members = dict(members)
        self.loop = next(iter(members.values())).loop
        self.period = period
        self.partitioned: set[str] = set()
        self.api = APIServer(MemoryStore(), clock=self.loop.clock, rng=random.Random(seed),
                             registry=federation_registry())
        for ns in ("default", KUBEFED_NAMESPACE):
            self.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        self.recorder = EventRecorder(self.api, "kubefed-controller-manager")
        self.health = ClusterHealth(self)
        self.propagator = Propagator(self)
        for name in sorted(members):                       # kubefedctl join <name>
            self.api.create({"apiVersion": "core.kubefed.io/v1beta1", "kind": "KubeFedCluster",
                             "metadata": {"name": name, "namespace": KUBEFED_NAMESPACE},
                             "spec": {"apiEndpoint": f"https://{name}.kubelab:6443",
                                      "secretRef": {"name": f"{name}-token"}}})
        self._kicked = False
        self._tick()

    @classmethod
    def of(cls, names, *, nodes=3, seed: int = 0, **options) -> "Federation":
        """Member clusters named ``names``, made here on one loop (seeds ``seed``, ``seed + 1``, ...)."""
        from ..cluster import Cluster

        members, loop = {}, None
        for i, name in enumerate(names):
            members[name] = Cluster(nodes=nodes, seed=seed + i, loop=loop)
            loop = members[name].loop
        return cls(members, seed=seed, **options)

    # -- the control loop --------------------------------------------------------------
    def _tick(self) -> None:
        self.loop.later(self.period, self._tick, "kubefed", daemon=True)
        self.reconcile()

    def _kick(self) -> None:
        """Reconcile soon (after a change to the federation's objects)."""
        if not self._kicked:
            self._kicked = True
            self.loop.soon(self._kicked_reconcile, "kubefed")

    def _kicked_reconcile(self) -> None:
        self._kicked = False
        self.reconcile()

    def reconcile(self) -> None:
        """Health, replica scheduling, propagation: one pass over everything."""
        self.health.check()
        ready = self.health.ready_clusters()
        for rsp in self.api.list("replicaschedulingpreferences")["items"]:
            schedule(self, rsp, ready)
        for fd in self.api.list("federateddeployments")["items"]:
            self.propagator.sync(fd, ready)

    # -- verbs ------------------------------------------------------------------------------
    def apply(self, manifest) -> list[dict]:
        """Create the objects in ``manifest``, or replace the spec of those that exist."""
        stored = []
        for obj in load_manifests(manifest):
            meta = obj.setdefault("metadata", {})
            meta.setdefault("namespace", "default")
            try:
                stored.append(self.api.create(obj))
            except errors.AlreadyExists:
                rtype = self.api.registry.for_kind(obj["apiVersion"], obj["kind"])
                current = self.api.get(rtype, meta["name"], namespace=meta["namespace"])
                stored.append(self.api.update(dict(current, spec=obj.get("spec") or {})))
        self._kick()
        self.loop.run(0)
        return stored

    def get(self, kind: str, name: str | None = None, namespace: str | None = "default"):
        if name is not None:
            return self.api.get(kind, name, namespace=namespace)
        return self.api.list(kind, namespace=namespace)["items"]

    def run(self, seconds: float | None = None) -> "Federation":
        """Advance the shared clock (every member moves with it)."""
        self.loop.run(seconds)
        return self

    def partition(self, name: str) -> None:
        """The federation can no longer reach member ``name`` (the member itself runs on)."""
        self.partitioned.add(self._member(name))

    def heal(self, name: str) -> None:
        self.partitioned.discard(self._member(name))
        self._kick()

    def _member(self, name: str) -> str:
        if name not in self.members:
            raise errors.NotFound(f'kubefedclusters.core.kubefed.io "{name}" not found', kind="kubefedclusters",
                                  name=name)
        return name

    # -- looking inside ---------------------------------------------------------------------
    def clusters(self) -> str:
        """``kubectl get kubefedclusters -n kube-federation-system``: NAME, AGE, READY."""
        rows = [("NAME", "AGE", "READY")]
        now = self.loop.clock.now()
        for c in self.api.list("kubefedclusters", namespace=KUBEFED_NAMESPACE)["items"]:
            ready = next((x["status"] for x in (c.get("status") or {}).get("conditions") or ()
                          if x["type"] == "Ready"), "")
            age = int((now - parse_time(c["metadata"]["creationTimestamp"])).total_seconds())
            rows.append((c["metadata"]["name"], f"{age}s" if age < 120 else f"{age // 60}m", ready))
        return _table(rows)

    def table(self, name: str, namespace: str = "default") -> str:
        """Where a federated Deployment runs: per member, health, RSP preference, planned
        replicas (the override), and what the member's Deployment reports."""
        fd = self.api.get("federateddeployments", name, namespace=namespace)
        try:
            prefs = (self.api.get("replicaschedulingpreferences", name, namespace=namespace)["spec"]
                     .get("clusters")) or {"*": {"weight": 1}}
        except errors.NotFound:
            prefs = {}
        placed = {c["name"] for c in ((fd["spec"].get("placement") or {}).get("clusters") or ())}
        planned = {o["clusterName"]: next((x["value"] for x in o.get("clusterOverrides") or ()
                                           if x.get("path") == "/spec/replicas"), None)
                   for o in fd["spec"].get("overrides") or ()}
        rows = [("CLUSTER", "HEALTH", "WEIGHT", "PLACED", "REPLICAS", "READY")]
        for cluster in sorted(self.members):
            p = prefs.get(cluster, prefs.get("*")) or {}
            health = "Ready" if self.health.ready.get(cluster) else "Offline"
            ready = "?"
            if cluster not in self.partitioned:
                try:
                    d = self.members[cluster].api.get("deployments", name, namespace=namespace)
                    ready = f'{(d.get("status") or {}).get("readyReplicas", 0)}/{d["spec"].get("replicas", 1)}'
                except errors.NotFound:
                    ready = "-"
                except errors.ApiError:
                    pass
            rows.append((cluster, health, str(p.get("weight", "-")), "yes" if cluster in placed else "no",
                         "-" if planned.get(cluster) is None else str(planned[cluster]), ready))
        return _table(rows)


def _table(rows) -> str:
    return tabwrite("\n".join("\t".join(r) for r in rows))

