"""A highly available control plane (kubeadm's stacked topology, in one process).

``kl.Cluster(nodes=3, control_plane_replicas=3)`` runs ``kube-apiserver-0..2``
over the one store, behind a load balancer (:mod:`kubelab.apiserver.balancer`),
and three replicas each of kube-scheduler and kube-controller-manager started
with ``--leader-elect``: every replica campaigns for its Lease in kube-system
(``kube-scheduler``, ``kube-controller-manager``) and only the leader runs its
informers and workers; the others wait, polling the Lease every 2-4.4 s.

Kill the leader (``c.stop("kube-controller-manager-0")``) and its Lease stops
being renewed; a follower takes it once it has seen no renewal for 15 s (at
most 15 s + two jittered retry periods after the last renewal), starts its
controllers from a fresh list, and carries on where the dead one stopped. A
leader cut off from the API servers (:meth:`ControlPlane.partition`) gives up
after its 10 s renew deadline, before anyone else may take over, so two
leaders never act at once. A replica that lost its Lease exits and its static
Pod is restarted as a new candidate (a new identity).

``c.scheduler`` and ``c.controller_manager`` are the current leaders' components.
simplified: a restarted replica campaigns again at once (no container restart
backoff); kubelets, kube-proxy and the user share one client connection.
"""
from __future__ import annotations

from .apiserver.balancer import APIServerReplica, LoadBalancer
from .apiserver.server import APIServer
from .api.meta import new_uid
from .client.events import EventRecorder
from .client.leaderelection import LeaderElector, LeaseLock
from .controllers.manager import ControllerManager
from .kubectl.tabwriter import tabwrite
from .scheduler import Scheduler

__all__ = ["ControlPlane", "ElectedReplica"]


class ElectedReplica:
    """One replica of a ``--leader-elect`` component: a process that campaigns for the
    Lease and runs ``component`` only while it leads."""

    def __init__(self, name: str, component, *, api, loop, rng, lease: str, source: str, history: list):
        self.name, self.component, self.api, self.loop, self.rng = name, component, api, loop, rng
        self.lease, self.history = lease, history
        self.recorder = EventRecorder(api, source)
        self.elector: LeaderElector | None = None
        self.identity = ""
        self.running = False

    @property
    def leading(self) -> bool:
        return self.elector is not None and self.elector.leading

    def start(self) -> None:
        """The process starts: a new identity (``<name>_<uuid>``) campaigns for the Lease."""
        self.running = True
        self.identity = f"{self.name}_{new_uid(self.rng)}"
        lock = LeaseLock(self.api, "kube-system", self.lease, self.identity, recorder=self.recorder)
        self.elector = LeaderElector(lock, self.loop, rng=self.rng, on_started_leading=self._started,
                                     on_stopped_leading=self._stopped, name=self.name)
        self.elector.run()

    def stop(self) -> None:
        """The process is killed: no renewal, no release; the Lease runs out on its own."""
        self.running = False
        if self.elector is not None:
            self.elector.kill()
        if self.component.running:
            self.component.stop()

    def _started(self) -> None:
        self.history.append((self.loop.clock.seconds, self.name, "started leading"))
        self.component.start()

    def _stopped(self) -> None:
        """"leaderelection lost": the process exits, and the kubelet starts it again."""
        if self.component.running:
            self.component.stop()
            self.history.append((self.loop.clock.seconds, self.name, "stopped leading"))
        if self.running:
            self.start()


class Leading:
    """Stands for the component of whichever replica leads now (else the first replica's)."""

    def __init__(self, replicas: list[ElectedReplica]):
        self._replicas = replicas

    def _current(self):
        return next((r for r in self._replicas if r.leading), self._replicas[0]).component

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._current(), attr)

    def __getitem__(self, key):
        return self._current()[key]


class ControlPlane:
    """The replicated control plane of a cluster: API servers, schedulers, controller managers."""

    def __init__(self, cluster, replicas: int, *, scheduler_config: dict | None = None):
        first = cluster.api
        servers = [first]
        for _ in range(replicas - 1):
            server = APIServer(first.store, clock=first.clock, rng=first.rng, registry=first.registry,
                               admission=first.admission)
            server.audit, server.nodes_proxy, server.user_agent = first.audit, first.nodes_proxy, first.user_agent
            server.virtual = first.virtual          # aggregated APIs (metrics-server) answer every replica
            servers.append(server)
        self.balancer = LoadBalancer(servers)
        cluster.apiservers = servers
        cluster.api = self.balancer.connect("kubectl")      # the user, kubelets and kube-proxy
        first.nodes_proxy.api = first.scale.api = cluster.api
        self.history: list[tuple[float, str, str]] = []     # (seconds, replica, started/stopped leading)
        loop, rng = cluster.loop, cluster.rng

        def replica(name, make, lease, source):
            conn = self.balancer.connect(name)
            return ElectedReplica(name, make(conn), api=conn, loop=loop, rng=rng, lease=lease, source=source,
                                  history=self.history)
        self.controller_managers = [
            replica(f"kube-controller-manager-{i}", lambda api: ControllerManager(api, loop, rng=rng),
                    "kube-controller-manager", "kube-controller-manager") for i in range(replicas)]
        self.schedulers = [
            replica(f"kube-scheduler-{i}", lambda api: Scheduler(api, loop, rng=rng, config=scheduler_config),
                    "kube-scheduler", "default-scheduler") for i in range(replicas)]
        self.replicas = {r.name: r for r in self.controller_managers + self.schedulers}
        cluster.components = {f"kube-apiserver-{i}": APIServerReplica(self.balancer, i) for i in range(replicas)}
        cluster.components.update(self.replicas)
        cluster.controller_manager = Leading(self.controller_managers)
        cluster.scheduler = Leading(self.schedulers)
        for r in self.replicas.values():
            r.start()

    def leader(self, lease: str) -> str | None:
        """The replica leading ``kube-scheduler`` or ``kube-controller-manager`` now."""
        group = self.schedulers if lease == "kube-scheduler" else self.controller_managers
        return next((r.name for r in group if r.leading), None)

    def partition(self, replica: str) -> None:
        """Cut ``replica`` off from every API server (it keeps running)."""
        self.replicas[replica].api.partition()

    def heal(self, replica: str) -> None:
        self.replicas[replica].api.heal()

    def table(self) -> str:
        """Every control-plane process: running or not, leading or not, its server."""
        rows = [("NAME", "STATUS", "ROLE", "SERVER")]
        for i in range(len(self.balancer.servers)):
            rows.append((f"kube-apiserver-{i}", "Running" if i not in self.balancer.down else "Stopped", "-", "-"))
        for r in self.replicas.values():
            server = "-" if r.api.server is None or not r.running else f"kube-apiserver-{r.api.server}"
            rows.append((r.name, "Running" if r.running else "Stopped",
                         "leader" if r.leading else ("follower" if r.running else "-"),
                         server + (" (cut off)" if r.api.partitioned else "")))
        return tabwrite("\n".join("\t".join(row) for row in rows))
