"""The lab cluster: the control plane and the nodes, assembled in one process.

``Cluster`` wires a store, an API server, the controllers and the nodes to one
simulated clock and one seeded random generator, and offers kubectl-style
verbs. Components only talk to each other through the API server.
"""
from __future__ import annotations

import random
import weakref

from . import errors, faults
from .api.kinds import UnknownResource
from .api.manifests import ManifestError, load_manifests
from .api.meta import format_time
from .api.quantity import parse_quantity
from .apiserver.bootstrap import bootstrap
from .apiserver.compaction import DEFAULT_COMPACTION_INTERVAL, Compactor
from .apiserver.server import APIServer
from .controllers.manager import ControllerManager
from .node.kubelet import Kubelet
from .node.network import PodNetwork
from .node.registration import node_conditions, node_manifest
from .scheduler import Scheduler
from .sim import Clock, Loop
from .storage.defaultclass import install_default_storage_class
from .store.memory import MemoryStore

__all__ = ["Cluster", "current"]

_current = None


class Cluster:
    """A deterministic Kubernetes cluster in this process.

    ``nodes`` is a count (named node-1..node-N, each 4 CPU / 16Gi / 110 pods) or
    a list of Node manifests (dicts or YAML); a manifest's ``kubelet`` key takes
    the node's KubeletConfiguration ``systemReserved``, ``kubeReserved`` and
    ``evictionHard``, which its allocatable subtracts. ``seed`` fixes every generated
    name and uid, so the same cells print the same output on every run.
    ``control_plane_replicas=3`` runs three API servers behind a load balancer and
    three leader-elected schedulers and controller managers (see kubelab/ha.py);
    ``loop`` puts the cluster on another cluster's loop and clock (a federation).
    ``etcd_compaction_interval`` is kube-apiserver's ``--etcd-compaction-interval`` in
    seconds (default 300; 0 never compacts): each API server's compactor compacts the
    store to the revision it recorded one interval before (see kubelab/apiserver/compaction.py).
    """

    def __init__(self, nodes=3, *, seed: int = 0, store=None, scheduler_config: dict | None = None,
                 control_plane_replicas: int = 1, loop: Loop | None = None,
                 etcd_compaction_interval: float = DEFAULT_COMPACTION_INTERVAL):
        if not isinstance(control_plane_replicas, int) or control_plane_replicas < 1:
            raise ValueError(f"control_plane_replicas must be an int >= 1, got {control_plane_replicas!r}")
        if isinstance(etcd_compaction_interval, bool) or not isinstance(etcd_compaction_interval, (int, float)) \
                or not etcd_compaction_interval >= 0:
            raise ValueError(f"etcd_compaction_interval must be a number of seconds >= 0 (0: never compact), "
                             f"got {etcd_compaction_interval!r}")
        self.loop = loop if loop is not None else Loop(Clock())
        self.clock = self.loop.clock
        self.rng = random.Random(seed)
        self.store = store if store is not None else MemoryStore()
        self.api = APIServer(self.store, clock=self.clock, rng=self.rng)
        # the audit log's user agent: the component the loop is running, else the user
        self.api.user_agent = lambda: self.loop.running or "kubectl"
        bootstrap(self.api)
        install_default_storage_class(self.api)   # kind's add-on: the default StorageClass "standard"
        self.apiservers = [self.api]
        if control_plane_replicas > 1:          # replaces c.api with a load-balanced connection
            from .ha import ControlPlane
            self.control_plane = ControlPlane(self, control_plane_replicas, scheduler_config=scheduler_config)
        else:
            self.controller_manager = ControllerManager(self.api, self.loop, rng=self.rng)
            self.components = {self.controller_manager.name: self.controller_manager}
            self.scheduler = Scheduler(self.api, self.loop, rng=self.rng, config=scheduler_config)
            self.components[self.scheduler.name] = self.scheduler
            for component in self.components.values():
                component.start()
        for i, server in enumerate(self.apiservers):      # the storage layer's compactor, one per server
            owner = "kube-apiserver" if len(self.apiservers) == 1 else f"kube-apiserver-{i}"
            server.compactor = Compactor(self.store, self.loop, interval=etcd_compaction_interval, owner=owner)
            server.compactor.start()
        self.network = PodNetwork()            # the Pod network every kubelet attaches Pods to
        self.kubelets: dict[str, Kubelet] = {}
        self._joined = 0                        # kubelets ever started: numbers a new node's addresses
        for node in self._node_manifests(nodes):
            self._start_kubelet(node)
        from .network.networking import Networking      # kube-proxy per node, cluster DNS, NetworkPolicy
        self.networking = Networking(self.api, self.loop, rng=self.rng, network=self.network,
                                     kubelets=self.kubelets)
        self.networking.start()
        from .metrics import MetricsServer        # the metrics-server add-on: kubectl top, the HPA's metrics
        self.metrics_server = MetricsServer(self.api, self.loop, kubelets=self.kubelets)
        self.components[self.metrics_server.name] = self.metrics_server
        self.metrics_server.start()
        self.loop.run()
        global _current
        _current = weakref.ref(self)

    def _start_kubelet(self, node: dict) -> Kubelet:
        kubelet = Kubelet(self.api, self.loop, node=node, rng=self.rng, network=self.network)
        self.kubelets[node["metadata"]["name"]] = kubelet
        self._joined += 1
        self.api.nodes_proxy.register(node["metadata"]["name"], kubelet)
        kubelet.start()
        return kubelet

    def add_node(self, node=None) -> dict:
        """Join a new node (a Node manifest, or None for the next ``node-N``) with its kubelet."""
        given = [node] if node is not None else [{"metadata": {"name": f"node-{self._joined + 1}"}}]
        manifest = self._node_manifests(given, first_index=self._joined + 1)[0]
        name = manifest["metadata"]["name"]
        if name in self.kubelets:
            raise errors.AlreadyExists(f'nodes "{name}" already exists', kind="nodes", name=name)
        self.networking.add_node(name, self._start_kubelet(manifest))
        if self.loop.running is None:           # not from inside a component (a node group booting one)
            self.loop.run(0)
        return self.api.get("nodes", name)

    def remove_node(self, node: str) -> None:
        """Delete the machine: its kubelet and containers, its Node object and the Pods bound to it."""
        faults.remove_node(self, node)

    # -- failure injection (see kubelab/faults.py) -------------------------
    def fail_node(self, node: str) -> None:
        """The machine dies: no heartbeats, no containers."""
        faults.fail_node(self, node)

    def partition_node(self, node: str) -> None:
        """The node is cut off from the API server; its containers keep running."""
        faults.partition_node(self, node)

    def heal_node(self, node: str) -> None:
        """The node (or its network) comes back."""
        faults.heal_node(self, node)

    def kill_container(self, pod: str, container: str | None = None, namespace: str = "default") -> None:
        """SIGKILL a container's main process; the kubelet restarts it per restartPolicy."""
        faults.kill_container(self, pod, container, namespace)

    def stop(self, component: str) -> None:
        """Stop ``kube-scheduler``, ``kube-controller-manager`` or ``kubelet/<node>``."""
        faults.stop_component(self, component)

    def start(self, component: str) -> None:
        """Start a stopped component again; it relists everything, as after a crash."""
        faults.start_component(self, component)

    def _node_manifests(self, nodes, first_index: int = 1) -> list[dict]:
        if isinstance(nodes, int):
            if nodes < 0:
                raise ValueError(f"nodes must be a count >= 0 or a list of Node manifests, got {nodes}")
            given = [{"metadata": {"name": f"node-{i}"}} for i in range(1, nodes + 1)]
        else:
            given = load_manifests(nodes)
        stamp = format_time(self.clock.now())
        out = []
        for i, node in enumerate(given, start=first_index):
            meta = node.get("metadata") or {}
            if not meta.get("name"):
                raise ValueError(f"nodes[{i - 1}].metadata.name: Required value")
            status = node.get("status") or {}
            kubelet = node.get("kubelet") or {}      # KubeletConfiguration fields for this node's kubelet
            reserved = {}
            for part in ("systemReserved", "kubeReserved"):
                for name, value in (kubelet.get(part) or {}).items():
                    reserved[name] = str(parse_quantity(reserved.get(name, "0")) + parse_quantity(value))
            manifest = node_manifest(meta["name"], i, capacity=status.get("capacity"),
                                     labels=meta.get("labels"), taints=(node.get("spec") or {}).get("taints"),
                                     reserved=reserved, eviction_hard=kubelet.get("evictionHard"))
            if (node.get("spec") or {}).get("unschedulable"):
                manifest["spec"]["unschedulable"] = True
            manifest["status"]["conditions"] = node_conditions(stamp)
            if kubelet:
                manifest["kubelet"] = kubelet          # for the kubelet (evictionHard); not part of the Node
            out.append(manifest)
        return out

    # -- time ------------------------------------------------------------
    @property
    def now(self):
        """The simulated time (a UTC datetime)."""
        return self.clock.now()

    def run(self, seconds: float | None = None) -> "Cluster":
        """Advance simulated time by ``seconds``, or until nothing is left to do."""
        if seconds is not None and seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        self.loop.run(seconds)
        return self

    # -- kubectl-style verbs ---------------------------------------------
    def apply(self, manifest, *, namespace: str | None = None, field_validation: str = "Strict") -> list[dict]:
        """Create or update every object in ``manifest`` (YAML text, dict, list or path),
        in order, as ``kubectl apply`` does (so a Namespace or PriorityClass can come
        before what uses it). If one document fails, the ones before it are rolled
        back and the error names the document: nothing is half-applied.
        ``field_validation`` is kubectl's ``--validate``: "Strict" (its default) refuses a
        field the kind does not have (a misspelt one), "Warn" drops it with a Python
        warning (``unknown field "spec.foo"``), "Ignore" drops it silently."""
        import warnings

        from .kubectl.apply import apply_object

        try:
            objects = load_manifests(manifest)
        except ManifestError as e:
            raise errors.BadRequest(str(e)) from None
        done: list[tuple[dict, dict | None]] = []          # (stored, what was there before)
        warned: list[str] = []                              # the API server's warnings
        for i, obj in enumerate(objects):
            try:
                before = self._live(obj, namespace)
                done.append((apply_object(self.api, obj, namespace=namespace, field_validation=field_validation,
                                          warnings=warned)[0], before))
            except (errors.ApiError, UnknownResource) as e:
                self._roll_back(done)
                if not isinstance(e, errors.ApiError):
                    e = errors.NotFound(f'no matches for kind "{obj.get("kind")}" in version '
                                        f'"{obj.get("apiVersion")}"')
                if len(objects) > 1:
                    e.args = (f"document {i + 1} ({obj.get('kind')} {obj.get('metadata', {}).get('name')!r}): "
                              f"{e.message}",)
                raise e from None
        for text in warned:
            warnings.warn(text, stacklevel=2)
        self.loop.run(0)
        return [stored for stored, _ in done]

    def _live(self, obj: dict, namespace: str | None) -> dict | None:
        """The stored object ``obj`` would update, or None if ``apply`` will create it."""
        meta = obj.get("metadata") or {}
        rtype = self.api.registry.for_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        try:
            return self.api.get(rtype, meta.get("name") or "", namespace=meta.get("namespace") or namespace
                                or "default")
        except errors.NotFound:
            return None

    def _roll_back(self, done: list[tuple[dict, dict | None]]) -> None:
        """Undo an apply's earlier documents, newest first: delete what it created,
        put back what it changed (the simulation has not run in between)."""
        for stored, before in reversed(done):
            rtype = self.api.registry.for_kind(stored["apiVersion"], stored["kind"])
            m = stored["metadata"]
            if before is None:
                self.api.delete(rtype, m["name"], namespace=m.get("namespace"), grace_period_seconds=0)
            else:
                before["metadata"]["resourceVersion"] = m["resourceVersion"]
                self.api.update(before)

    def get(self, kind: str, name: str | None = None, namespace: str | None = "default",
            selector: str | None = None):
        """One object (a dict) by name, or a list of dicts (``namespace=None``: all namespaces)."""
        try:
            if name is not None:
                return self.api.get(kind, name, namespace=namespace)
            return self.api.list(kind, namespace=namespace, label_selector=selector)["items"]
        except UnknownResource as e:
            raise errors.NotFound(str(e)) from None

    def delete(self, kind: str, name: str, namespace: str | None = "default", **options) -> dict:
        """Delete an object (``propagation_policy``, ``grace_period_seconds`` as the API takes)."""
        deleted = self.api.delete(kind, name, namespace=namespace, **options)
        self.loop.run(0)
        return deleted

    def kubectl(self, command: str, stdin: str | None = None):
        """Run a kubectl command line against this cluster; returns what kubectl prints."""
        from .kubectl import run

        output = run(self, command, stdin=stdin)
        self.loop.run(0)
        return output

    def explain(self, pod, namespace: str = "default"):
        """Why the scheduler placed (or could not place) a Pod: every node's Filter
        verdict and Score plugin scores in its last scheduling attempt."""
        if isinstance(pod, dict):
            pod, namespace = pod["metadata"]["name"], pod["metadata"].get("namespace") or namespace
        return self.scheduler.explain(pod, namespace)

    def curl(self, url: str, from_pod: str | None = None, namespace: str = "default", **options):
        """One HTTP request through the cluster network, as ``kubectl exec <from_pod> -- curl <url>``
        makes it: cluster DNS, the node's kube-proxy rules, NetworkPolicy, the listening container.
        The result has ``status``, ``body``, ``pod`` (who answered) and ``path`` (every hop);
        without ``from_pod`` the request starts on a node (``node=``, default the first)."""
        from .network.request import curl

        return curl(self.networking, url, from_pod=from_pod, namespace=namespace, **options)

    def iptables_save(self, node: str, table: str | None = None) -> str:
        """What ``iptables-save`` prints on ``node``: the rules its kube-proxy wrote."""
        return self.networking.iptables_save(node, table)

    def events(self, namespace: str | None = None) -> list[dict]:
        """Event objects, oldest first (by last occurrence, then creation)."""
        items = self.api.list("events", namespace=namespace)["items"]
        return sorted(items, key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"]["resourceVersion"])))

    def __repr__(self) -> str:
        nodes = len(self.api.list("nodes")["items"])
        pods = len(self.api.list("pods")["items"])
        return f"<kubelab.Cluster at {format_time(self.now)}: {nodes} nodes, {pods} pods>"


def current() -> Cluster | None:
    """The most recently created cluster (what ``%kubectl`` talks to)."""
    return _current() if _current is not None else None
