"""Several kube-apiservers over one store, behind a load balancer.

An HA control plane runs one kube-apiserver per control-plane machine, all
over the same etcd; clients reach them through a TCP load balancer (the
``controlPlaneEndpoint`` of kubeadm). Each client holds one long-lived
connection, so the balancer spreads *connections*, round robin, and a client
whose server dies reconnects to the next live one. Its watches end with the
connection and client-go's Reflector opens them again on the new server from
the last resourceVersion it saw (a 410 Gone means list again), so informers
carry on without losing an event.

:class:`LoadBalancer` owns the servers; :meth:`LoadBalancer.connect` gives a
component its :class:`Connection`, which quacks like an :class:`APIServer`.
A connection can also be cut off on its own (a network partition between one
component and the control plane). With no server to reach, requests fail with
503 ServiceUnavailable and watches wait for a server to come back.

simplified: each server has its own watch cache, but admission, the audit log
and the node proxy are shared; a stopped server's watch cache keeps following
the store; connections do not rebalance when a server returns (real ones do not
either, without ``--goaway-chance``).
"""
from __future__ import annotations

from collections import deque

from .. import errors
from ..kubectl.tabwriter import tabwrite

__all__ = ["LoadBalancer", "Connection", "BalancedWatch", "APIServerReplica"]

_VERBS = frozenset({"get", "list", "create", "update", "patch", "delete", "exec", "logs"})


class LoadBalancer:
    """Round robin over the live API servers, one server per connection."""

    def __init__(self, servers: list, *, endpoint: str = "https://172.18.0.1:6443"):
        self.servers = list(servers)
        self.endpoint = endpoint
        self.down: set[int] = set()
        self.connections: list[Connection] = []
        self.requests = [0] * len(self.servers)   # requests each server answered
        self._next = 0

    def connect(self, name: str) -> "Connection":
        """A new client connection (a component's client-go transport)."""
        conn = Connection(self, name)
        self.connections.append(conn)
        conn.server = self._pick()
        return conn

    def _pick(self) -> int | None:
        live = [i for i in range(len(self.servers)) if i not in self.down]
        if not live:
            return None
        pick = next((i for i in live if i >= self._next), live[0])
        self._next = pick + 1
        return pick

    def stop(self, index: int) -> None:
        """Server ``index`` dies: its connections fail over to the others."""
        self.down.add(index)
        for conn in self.connections:
            if conn.server == index:
                conn.reconnect()

    def start(self, index: int) -> None:
        """Server ``index`` is back; connections that had nowhere to go reconnect."""
        self.down.discard(index)
        for conn in self.connections:
            if conn.server is None:
                conn.reconnect()

    def table(self) -> str:
        """Which server each connection is on."""
        rows = [("CONNECTION", "SERVER", "REQUESTS")]
        for conn in self.connections:
            where = "-" if conn.server is None else f"kube-apiserver-{conn.server}"
            rows.append((conn.name, where + (" (cut off)" if conn.partitioned else ""), str(conn.requests)))
        return tabwrite("\n".join("\t".join(r) for r in rows))


class Connection:
    """One client's connection: API calls go to its current server, watches survive failover."""

    def __init__(self, balancer: LoadBalancer, name: str):
        self._balancer = balancer
        self.name = name
        self.server: int | None = None
        self.partitioned = False
        self.requests = 0
        self._watches: list[BalancedWatch] = []

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        if attr in _VERBS:
            return lambda *args, **kwargs: self._call(attr, args, kwargs)
        # registry, clock, rng, resolve, audit, nodes_proxy, ...: the same on every server
        return getattr(self._balancer.servers[0], attr)

    def _target(self):
        if self.partitioned or self.server is None:
            raise errors.ServiceUnavailable(f"The connection to the server {self._balancer.endpoint} was "
                                            "refused - did you specify the right host or port?")
        return self._balancer.servers[self.server]

    def _call(self, verb: str, args, kwargs):
        server = self._target()
        self.requests += 1
        self._balancer.requests[self.server] += 1
        return getattr(server, verb)(*args, **kwargs)

    def watch(self, resource, *, notify=None, **options) -> "BalancedWatch":
        watch = BalancedWatch(self, resource, options, notify)
        watch.open()
        self._watches.append(watch)
        return watch

    def reconnect(self) -> None:
        """Drop the current connection and open one through the balancer; re-watch."""
        for watch in self._watches:
            watch.close()
        self.server = None if self.partitioned else self._balancer._pick()
        if self.server is not None:
            for watch in list(self._watches):
                watch.open()

    def partition(self) -> None:
        """This client can no longer reach any API server."""
        self.partitioned = True
        self.reconnect()

    def heal(self) -> None:
        self.partitioned = False
        self.reconnect()

    def _forget(self, watch: "BalancedWatch") -> None:
        if watch in self._watches:
            self._watches.remove(watch)


class BalancedWatch:
    """A watch through a :class:`Connection`: re-opened from the last resourceVersion
    delivered when the connection moves (ApiWatch's ``take``/``stop`` interface)."""

    def __init__(self, conn: Connection, resource, options: dict, notify):
        self._conn, self._resource, self._options = conn, resource, dict(options)
        self.notify = notify
        self.resource_version = options.get("resource_version")
        self._pending: deque = deque()        # events taken from a closed watch, not yet handed out
        self._watch = None
        self.stopped = False

    def open(self) -> None:
        if self.stopped or self._conn.partitioned or self._conn.server is None:
            return
        server = self._conn._balancer.servers[self._conn.server]
        options = dict(self._options, resource_version=self.resource_version)
        try:
            self._watch = server.watch(self._resource, notify=self.notify, **options)
        except errors.Gone as e:                # compacted meanwhile: the Reflector lists again
            self._pending.append({"type": "ERROR", "object": {
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": e.message,
                "reason": "Expired", "code": 410}})
            if self.notify is not None:
                self.notify()

    def close(self) -> None:
        """The connection ended: keep what was delivered but not yet read."""
        if self._watch is not None:
            self._note(self._watch.take())
            self._watch.stop()
            self._watch = None

    def _note(self, events: list) -> list:
        for event in events:
            if event["type"] != "ERROR":
                self.resource_version = event["object"]["metadata"]["resourceVersion"]
        self._pending.extend(events)
        return events

    @property
    def events(self) -> deque:
        return self._pending if self._watch is None else deque([*self._pending, *self._watch.events])

    def take(self) -> list:
        if self._watch is not None:
            self._note(self._watch.take())
        events = list(self._pending)
        self._pending.clear()
        return events

    def stop(self) -> None:
        self.stopped = True
        self._pending.clear()
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self._conn._forget(self)

    def __iter__(self):
        return iter(self.take())


class APIServerReplica:
    """``kube-apiserver-<i>`` as a component: ``stop()`` kills it (and its etcd compactor:
    another server's takes over), ``start()`` brings it back."""

    def __init__(self, balancer: LoadBalancer, index: int):
        self.balancer, self.index = balancer, index
        self.name = f"kube-apiserver-{index}"

    @property
    def running(self) -> bool:
        return self.index not in self.balancer.down

    def start(self) -> None:
        self.balancer.start(self.index)
        if self._compactor is not None:
            self._compactor.start()

    def stop(self) -> None:
        self.balancer.stop(self.index)
        if self._compactor is not None:
            self._compactor.stop()

    @property
    def _compactor(self):
        return getattr(self.balancer.servers[self.index], "compactor", None)
